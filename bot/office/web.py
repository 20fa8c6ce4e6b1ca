"""The office web app under ``/office/`` on the one HTTP server of ``serve``.

Every request passes :func:`guard`: the pages of signing in and the stylesheet are open;
any other page without a live session redirects to the sign-in page, and a state-changing
request (anything but GET and HEAD) without its session's CSRF token is refused with 403
before any handler runs. A bug gives an apology page with a reference code, logged with its
traceback under the same code.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from aiohttp import web

from bot.office import (
    auth_pages,
    draft_pages,
    figure_pages,
    gap_pages,
    knowledge_pages,
    lead_pages,
    training_form,
    training_pages,
)
from bot.office.context import COOKIE, OFFICE, SIGNED, Office, office
from bot.office.links import PREFIX
from bot.office.render import environment
from bot.office.tokens import csrf_ok, load_session

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
OPEN = (f"{PREFIX}/signin", f"{PREFIX}/static/")
SAFE_METHODS = ("GET", "HEAD")
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; connect-src 'self'; "
    "style-src 'self'; img-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
}
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    here = office(request)
    try:
        response = await _guarded(request, handler, here)
    except web.HTTPNotFound:
        response = here.render(request, "not_found", status=404)
    except web.HTTPException as answer:  # a redirect
        answer.headers.update(HEADERS)
        raise
    except ConnectionResetError:  # the browser left (a live preview it no longer needs)
        raise
    except Exception:
        code = secrets.token_hex(4).upper()
        log.exception("office page %s failed [ref %s]", request.path, code)
        response = here.render(request, "error", status=500, code=code)
    response.headers.update(HEADERS)
    return response


async def _guarded(request: web.Request, handler: Handler, here: Office) -> web.StreamResponse:
    if request.path.startswith(OPEN):
        return await handler(request)
    async with here.app.database.transaction() as session:
        signed = await load_session(
            session, here.app.settings, request.cookies.get(COOKIE), here.now()
        )
    if signed is None:
        target = f"{PREFIX}/signin"
        if request.method in SAFE_METHODS:
            target += "?next=" + quote(request.path_qs, safe="")
        raise web.HTTPSeeOther(target)
    request[SIGNED] = signed
    if request.method not in SAFE_METHODS:
        form = await request.post()
        sent = form.get("csrf")
        if not csrf_ok(signed.token, sent if isinstance(sent, str) else None):
            log.warning("office: %s %s refused: no CSRF token", request.method, request.path)
            return here.render(request, "forbidden", status=403)
    return await handler(request)


async def _home(request: web.Request) -> web.StreamResponse:
    raise web.HTTPSeeOther(f"{PREFIX}/")


def office_app(app: App) -> web.Application:
    sub = web.Application(middlewares=[guard])
    sub[OFFICE] = Office(app, environment(app.services.templates))
    sub.router.add_static("/static/", STATIC)
    auth_pages.routes(sub.router)
    figure_pages.routes(sub.router)
    lead_pages.routes(sub.router)
    training_form.routes(sub.router)  # before the pages: "/trainings/new" is not an id
    training_pages.routes(sub.router)
    knowledge_pages.routes(sub.router)
    gap_pages.routes(sub.router)
    draft_pages.routes(sub.router)
    return sub


def install(server: web.Application, app: App) -> None:
    """The office on the server: ``/office/…``, and ``/office`` redirects there."""
    server.router.add_get(PREFIX, _home)
    server.add_subapp(PREFIX, office_app(app))
