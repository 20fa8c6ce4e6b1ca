"""The actions on the drafts from staff answers listed on ``/office/gaps``: add the question
as an example question of an entry, start a new entry from it, reject it.

"New entry" is a link to the new-entry form prefilled from the draft
(:mod:`bot.office.knowledge_pages`); the draft is accepted when that entry is saved, not
when the form is opened, so a form left unsaved leaves the draft open."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from bot.curation.drafts import accept_into, decide, open_draft
from bot.office.context import office, signed
from bot.office.gap_pages import add_question, listing, problem_texts
from bot.office.knowledge_pages import knowledge
from bot.office.links import PREFIX
from bot.storage import KbDraft
from knowledge.entries import LANGUAGES

DRAFT = "{draft:[0-9]{1,12}}"


class Decided(Exception):
    """The draft was accepted or rejected by another press while this one saved."""


def routes(router: web.UrlDispatcher) -> None:
    router.add_post(f"/gaps/drafts/{DRAFT}/example", add_example)
    router.add_post(f"/gaps/drafts/{DRAFT}/reject", reject)


async def add_example(request: web.Request) -> web.StreamResponse:
    """The draft's question becomes an example question of the chosen entry; the draft is
    accepted with that entry as its result."""
    draft = await _draft(request)
    entry = knowledge(request).get(str((await request.post()).get("entry") or ""))
    if entry is None or draft.language not in LANGUAGES:
        return await listing(request, problems=["?"])
    staff, now = signed(request).staff, office(request).now()

    async def accept(session: AsyncSession) -> None:
        if not await accept_into(session, draft.id, entry.id, staff, now):
            raise Decided()  # decided meanwhile: the question is not added either

    try:
        refused = await add_question(
            request, entry, draft.language, draft.question, then=accept, draft=draft.id
        )
    except Decided:
        raise web.HTTPSeeOther(f"{PREFIX}/gaps") from None
    if refused is not None:
        return await listing(request, problems=problem_texts(request, entry.id, refused))
    raise web.HTTPSeeOther(f"{PREFIX}/gaps?added={entry.id}")


async def reject(request: web.Request) -> web.StreamResponse:
    here = office(request)
    await request.post()
    async with here.app.database.transaction() as session:
        draft = await open_draft(session, int(request.match_info["draft"]))
        if draft is not None:
            await decide(session, draft, signed(request).staff, here.now(), status="rejected")
    raise web.HTTPSeeOther(f"{PREFIX}/gaps?decided=rejected")


async def _draft(request: web.Request) -> KbDraft:
    """The open draft of the path; a decided (or unknown) one: back to the page."""
    async with office(request).app.database.transaction() as session:
        draft = await open_draft(session, int(request.match_info["draft"]))
    if draft is None:
        raise web.HTTPSeeOther(f"{PREFIX}/gaps")
    return draft
