"""User-facing text: Jinja2 templates under ``bot/templates/{de,en}/``, one set per language.

Templates produce the reply Markdown subset (see :mod:`bot.markdown`); member text goes in
through the ``md`` filter. Dates and money are formatted per language with Babel.

A command is named with ``{{ command("idea") }}``, never typed out: the member's channel
(``channel`` in the context, through its spec's ``command_prefix``) decides what they
type, ``/idea`` on Telegram and in the console, ``/optobot idea`` in Slack, where every
other ``/word`` is Slack's own command.
Text that is not a template of ours (a knowledge-base answer) goes through the
``commands`` filter, which rewrites the ``/word`` mentions the same way.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal
from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template, pass_context
from jinja2.runtime import Context

from bot.channels import registry
from bot.markdown import escape
from bot.settings import LANGUAGES

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
LOCALES = {"de": "de_DE", "en": "en_GB"}
MENTION = re.compile(r"(?<![\w/.:<@#)-])/([a-z]+)\b(?![/.:]\w)")
"""A ``/word`` command mention; not a path, a URL's part or ``and/or``."""


def command_prefix(channel: str | None) -> str:
    """What goes before a command's name in ``channel`` (its spec's ``command_prefix``);
    ``/`` where it has none, and in the console."""
    spec = registry.find(channel or "")
    return (spec.command_prefix if spec is not None else "") or "/"


def command_text(channel: str | None, name: str, argument: str = "") -> str:
    """How a member of ``channel`` types command ``name`` (with ``argument``)."""
    typed = command_prefix(channel) + name
    return f"{typed} {argument}" if argument else typed


@pass_context
def _command(context: Context, name: str, argument: str = "") -> str:
    return command_text(context.get("channel"), name, argument)


@pass_context
def _commands(context: Context, text: str) -> str:
    """``/idea`` in text that is not ours (a knowledge-base answer) as the channel has it."""
    channel = context.get("channel")
    if command_prefix(channel) == "/":
        return text
    return MENTION.sub(lambda found: command_text(channel, found[1]), text)


@pass_context
def _datetime(context: Context, value: datetime, zone: str = "Europe/Berlin") -> str:
    pattern = "EEEE, d. MMMM y, HH:mm" if context["lang"] == "de" else "EEEE, d MMMM y, HH:mm"
    return format_datetime(
        value.astimezone(ZoneInfo(zone)), pattern, locale=LOCALES[context["lang"]]
    )


@pass_context
def _date(context: Context, value: date | datetime) -> str:
    return format_date(value, "long", locale=LOCALES[context["lang"]])


@pass_context
def _time(context: Context, value: datetime, zone: str = "Europe/Berlin") -> str:
    return format_datetime(
        value.astimezone(ZoneInfo(zone)), "HH:mm", locale=LOCALES[context["lang"]]
    )


@pass_context
def _money(context: Context, amount: float, currency: str = "EUR") -> str:
    return format_currency(amount, currency, locale=LOCALES[context["lang"]])


@pass_context
def _count(context: Context, number: int, one: str, other: str) -> str:
    """``{{ n | count('Platz', 'Plätze') }}``: the number and the noun in the plural form
    the language's rules (CLDR, through Babel) want for it; never "(n)"."""
    locale = Locale.parse(LOCALES[context["lang"]])
    word = one if locale.plural_form(number) == "one" else other
    return f"{format_decimal(number, locale=locale)} {word}"


@pass_context
def _language_name(context: Context, code: str) -> str:
    """A language's name in the reader's language: "German" in English, "Deutsch" in German."""
    return Locale.parse(code).get_display_name(LOCALES[context["lang"]]) or code


class Templates:
    """Renders ``<lang>/<name>.j2`` with the language and the shared globals in context."""

    def __init__(self, *directories: Path, **globals_: Any) -> None:
        self.directories = directories or (TEMPLATES_DIR,)
        self.env = Environment(
            loader=FileSystemLoader(self.directories),
            undefined=StrictUndefined,
            autoescape=False,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
            auto_reload=False,  # templates ship with the code; no stat() per render
        )
        self.env.filters.update(
            md=escape,
            datetime=_datetime,
            date=_date,
            time=_time,
            money=_money,
            commands=_commands,
            count=_count,
            language_name=_language_name,
        )
        self.env.globals.update({"in_form": ""}, **globals_, command=_command)
        # compiling is ~2 ms; an answer's source only changes with a knowledge reload
        self._from_string = functools.lru_cache(maxsize=1024)(self.env.from_string)
        # templates and globals are fixed while the process runs: a template is looked up
        # once, and a block without context (a button label, an option, a hint) renders
        # the same text every time
        self._templates = functools.cache(self.env.get_template)
        self._plain_block = functools.lru_cache(maxsize=4096)(self._block_for)

    def template(self, language: str, name: str) -> Template:
        return self._templates(f"{language}/{name}.j2")

    def compile_all(self) -> None:
        """Compile every template now (a few ms each), so the first member to meet a text
        does not wait for it; ``serve`` does this before it takes updates."""
        for language in LANGUAGES:
            for name in self.names(language):
                self.template(language, name)

    def render(self, language: str, name: str, /, **context: Any) -> str:
        return self.template(language, name).render(lang=language, **context).strip()

    def render_block(self, language: str, name: str, block: str, /, **context: Any) -> str:
        """One ``{% block %}`` of a template: a form keeps all its texts in one file."""
        if context.keys() <= {"channel"}:
            return self._plain_block(language, name, block, context.get("channel"))
        return self._render_block(language, name, block, **context)

    def _render_block(self, language: str, name: str, block: str, /, **context: Any) -> str:
        template = self.template(language, name)
        if block not in template.blocks:
            raise KeyError(f"{language}/{name}.j2 has no block {block!r}")
        ctx = template.new_context({"lang": language, **context})
        return "".join(template.blocks[block](ctx)).strip()

    def _block_for(self, language: str, name: str, block: str, channel: str | None) -> str:
        return self._render_block(language, name, block, channel=channel)

    def has_block(self, language: str, name: str, block: str) -> bool:
        return block in self.template(language, name).blocks

    def blocks(self, language: str, name: str) -> set[str]:
        return set(self.template(language, name).blocks)

    def render_string(self, language: str, source: str, context: Mapping[str, Any]) -> str:
        """Render text that is itself a template, e.g. a knowledge-base answer."""
        return self._from_string(source).render(lang=language, **context).strip()

    def names(self, language: str) -> set[str]:
        return {
            str(path.relative_to(directory / language).with_suffix(""))
            for directory in self.directories
            for path in (directory / language).rglob("*.j2")
        }

    def missing_translations(self) -> dict[str, set[str]]:
        """Templates that exist in some language but not in this one."""
        names = {language: self.names(language) for language in LANGUAGES}
        every = set().union(*names.values())
        return {language: every - have for language, have in names.items() if every - have}
