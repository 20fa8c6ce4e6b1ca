"""Signing in by a one-time link, signing out, and the language of the pages.

Opening the link (GET) only shows a button: link previews and mail scanners fetch links
too, and must not use up a staff member's sign-in. The button's POST uses the link.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from aiohttp import web
from sqlalchemy import update

from bot.office.audit import record
from bot.office.context import SIGNED, office, signed
from bot.office.links import PREFIX
from bot.office.staff import is_configured, staff_of
from bot.office.tokens import (
    digest,
    find_link,
    forget_stale,
    link_state,
    start_session,
    use_link,
)
from bot.settings import LANGUAGES
from bot.storage import OfficeSession


def routes(router: web.UrlDispatcher) -> None:
    router.add_get("/signin", signin_help)
    router.add_get("/signin/{token}", signin_page)
    router.add_post("/signin", signin)
    router.add_post("/signout", signout)
    router.add_post("/language", language)


def _next(value: object) -> str:
    """Only a path of the office itself, never another site."""
    text = value if isinstance(value, str) else ""
    parts = urlsplit(text)
    if parts.scheme or parts.netloc or not text.startswith(f"{PREFIX}/") or text.startswith("//"):
        return f"{PREFIX}/leads"
    return text


async def signin_help(request: web.Request) -> web.StreamResponse:
    return office(request).render(request, "signin", next=_next(request.query.get("next")))


async def signin_page(request: web.Request) -> web.StreamResponse:
    here = office(request)
    token = request.match_info["token"]
    async with here.app.database.transaction() as session:
        link = await find_link(session, token)
        state = link_state(link, here.now())
    if state != "ok" or link is None:
        return here.render(request, "link_invalid", status=410, reason=state)
    return here.render(
        request, "signin_confirm", token=token, name=link.name, next=f"{PREFIX}/leads"
    )


async def signin(request: web.Request) -> web.StreamResponse:
    here = office(request)
    form = await request.post()
    token = form.get("token")
    now = here.now()
    async with here.app.database.transaction() as session:
        link = await use_link(session, token, now) if isinstance(token, str) and token else None
        if link is None:
            known = await find_link(session, token) if isinstance(token, str) else None
            reason = link_state(known, now)
            return here.render(request, "link_invalid", status=410, reason=reason)
        if not is_configured(here.app.settings, link.staff):
            return here.render(request, "link_invalid", status=410, reason="unknown")
        await forget_stale(session, now)
        language = here.app.settings.staff_language
        session_token = await start_session(session, link.staff, link.name, language, now)
        await record(session, staff_of(link.staff, link.name), "signed_in", now)
    response = web.HTTPSeeOther(_next(form.get("next")))
    here.set_cookie(response, session_token)
    raise response


async def signout(request: web.Request) -> web.StreamResponse:
    here = office(request)
    ending = signed(request)
    now = here.now()
    async with here.app.database.transaction() as session:
        await session.execute(
            update(OfficeSession)
            .where(OfficeSession.token_hash == digest(ending.token))
            .values(ended_at=now)
        )
        await record(session, ending.staff, "signed_out", now)
    del request[SIGNED]
    response = here.render(request, "signed_out")
    here.clear_cookie(response)
    return response


async def language(request: web.Request) -> web.StreamResponse:
    here = office(request)
    current = signed(request)
    form = await request.post()
    wanted = form.get("language")
    if wanted in LANGUAGES:
        async with here.app.database.transaction() as session:
            await session.execute(
                update(OfficeSession)
                .where(OfficeSession.token_hash == digest(current.token))
                .values(language=wanted)
            )
            await record(session, current.staff, "language", here.now(), language=wanted)
    raise web.HTTPSeeOther(_next(form.get("next")))
