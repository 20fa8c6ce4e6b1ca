"""What every office page shares: the App, the HTML environment, the session cookie."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web
from jinja2 import Environment

from bot.office.lead_view import WORDS
from bot.office.links import PREFIX, secure_cookies
from bot.office.render import page
from bot.office.tokens import Signed

if TYPE_CHECKING:
    from bot.app import App
    from bot.turn import Services

COOKIE = "optobot_office"
SIGNED = web.RequestKey("signed", Signed)
"""The request's session, set by the guard."""


@dataclass
class Office:
    """What every page needs: the assistant's App and the HTML environment."""

    app: App
    env: Environment

    @property
    def services(self) -> Services:
        return self.app.services

    def now(self) -> datetime:
        return self.app.services.clock()

    def render(
        self, request: web.Request, template: str, /, *, status: int = 200, **context: Any
    ) -> web.Response:
        session: Signed | None = request.get(SIGNED)
        language = session.row.language if session else self.app.settings.staff_language
        return page(
            self.env,
            language,
            template,
            status=status,
            signed=session,
            csrf=session.csrf if session else "",
            prefix=PREFIX,
            path=request.path_qs,
            now=self.now(),
            word=lambda block: self.services.templates.render_block(language, WORDS, block),
            **context,
        )

    def set_cookie(self, response: web.StreamResponse, token: str) -> None:
        response.set_cookie(
            COOKIE,
            token,
            path=PREFIX,
            httponly=True,
            samesite="Lax",
            secure=secure_cookies(self.app.settings),
        )

    def clear_cookie(self, response: web.StreamResponse) -> None:
        response.del_cookie(COOKIE, path=PREFIX)


OFFICE = web.AppKey("office", Office)


def office(request: web.Request) -> Office:
    return request.app[OFFICE]


def signed(request: web.Request) -> Signed:
    """The request's session; the guard lets no page without one through."""
    return request[SIGNED]
