"""``/office/gaps``: what members could not get answered, grouped, with one-click actions:
add a wording as an example question of an entry, start a new entry from it, dismiss it.
Below them the drafts from staff answers (their actions: :mod:`bot.office.draft_pages`)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.curation.drafts import open_drafts
from bot.curation.gaps import dismissed, gap_logs, group
from bot.curation.versions import Refused, entry_text
from bot.office.audit import record
from bot.office.context import office, signed
from bot.office.knowledge_pages import knowledge, refused_words, save_version
from bot.office.links import PREFIX
from bot.storage import KnowledgeGapOutcome
from knowledge.entries import LANGUAGES, Entry, entry_as_dict


def routes(router: web.UrlDispatcher) -> None:
    router.add_get("/gaps", listing)
    router.add_post("/gaps/example", add_example)
    router.add_post("/gaps/dismiss", dismiss)


async def listing(request: web.Request, *, problems: list[str] | None = None) -> web.Response:
    here = office(request)
    base = knowledge(request)
    async with here.app.database.transaction() as session:
        logs = list(await gap_logs(session))
        hidden = await dismissed(session)
        drafts = list(await open_drafts(session))
    gaps = await asyncio.to_thread(group, logs, base, hidden)
    language = signed(request).row.language
    return here.render(
        request,
        "knowledge/gaps",
        status=400 if problems else 200,
        gaps=gaps,
        problems=problems or [],
        drafts=drafts,
        added=request.query.get("added", ""),
        decided=request.query.get("decided", ""),
        entries=sorted((e.text(language).title, e.id) for e in base.entries.values()),
        title=lambda entry_id: base.title(entry_id, language),
        word_kind=lambda kind: here.services.templates.render_block(
            language, "office/knowledge/words", f"kind_{kind}"
        ),
        new_link=lambda wording: (
            f"{PREFIX}/knowledge/new?"
            + urlencode({"question": wording.text, "lang": wording.language})
        ),
    )


async def add_example(request: web.Request) -> web.StreamResponse:
    """The wording becomes one more example question of the entry, in its language."""
    form = await request.post()
    question = str(form.get("question") or "").strip()
    lang = str(form.get("lang") or "")
    entry = knowledge(request).get(str(form.get("entry") or ""))
    if entry is None or lang not in LANGUAGES or not question:
        return await listing(request, problems=["?"])
    refused = await add_question(request, entry, lang, question)
    if refused is not None:
        return await listing(request, problems=problem_texts(request, entry.id, refused))
    raise web.HTTPSeeOther(f"{PREFIX}/gaps?added={entry.id}")


async def add_question(
    request: web.Request,
    entry: Entry,
    lang: str,
    question: str,
    then: Callable[[AsyncSession], Awaitable[None]] | None = None,
    **details: Any,
) -> Refused | None:
    """One more example question of the entry, as a new office version (so every worker
    serves it and it has history); None when saved. ``then``: in the save's transaction."""
    data = entry_as_dict(entry)
    data[lang]["questions"] = [*data[lang]["questions"], question]
    return await save_version(
        request,
        entry.id,
        entry_text(data),
        action="knowledge_example",
        question=question,
        then=then,
        **details,
    )


def problem_texts(request: web.Request, entry_id: str, refused: Refused) -> list[str]:
    """The refusal's problems in the staff language, as one list for the page's top."""
    worded = refused_words(request, entry_id, refused)
    return [text for texts in worded.values() for text in texts] or ["?"]


async def dismiss(request: web.Request) -> web.StreamResponse:
    here = office(request)
    staff = signed(request).staff
    key = str((await request.post()).get("key") or "")[:200]
    now = here.now()
    async with here.app.database.transaction() as session:
        known = await session.execute(
            select(KnowledgeGapOutcome).where(KnowledgeGapOutcome.key == key)
        )
        if key and known.scalar_one_or_none() is None:
            session.add(
                KnowledgeGapOutcome(
                    key=key, outcome="dismissed", staff=staff.key, name=staff.name, at=now
                )
            )
            await record(session, staff, "gap_dismissed", now, subject="gaps", key=key)
    raise web.HTTPSeeOther(f"{PREFIX}/gaps")
