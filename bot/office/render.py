"""HTML pages of the office: the ``{de,en}/office/*.j2`` templates, HTML-escaped.

The chat's templates produce Markdown and are not escaped for HTML; the office's pages get
an environment of their own with autoescape on, and the same date and money filters.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from aiohttp import web
from babel.dates import format_timedelta
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from bot.templates import LOCALES, Templates


def environment(templates: Templates) -> Environment:
    env = Environment(
        loader=FileSystemLoader(templates.directories),
        undefined=StrictUndefined,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters.update({k: v for k, v in templates.env.filters.items() if k != "md"})
    env.globals.update(age=age)
    return env


def age(since: datetime, now: datetime, lang: str) -> str:
    """How long ago, as a person says it: "3 days", "vor 2 Stunden" without the "vor"."""
    delta = max(now - since, timedelta(0))
    return format_timedelta(delta, threshold=1.5, format="short", locale=LOCALES[lang])


def page(
    env: Environment, language: str, template: str, /, *, status: int = 200, **context: Any
) -> web.Response:
    body = env.get_template(f"{language}/office/{template}.j2").render(lang=language, **context)
    return web.Response(text=body, status=status, content_type="text/html", charset="utf-8")
