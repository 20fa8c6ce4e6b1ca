"""``/office/knowledge``: the entries, an entry's page with both languages side by side,
new entry, retire, history with diff and restore, the zip of entry files, "Try a question".

A save goes through :func:`bot.curation.versions.save` (the checks of ``optobot kb check``);
this process serves it at once, every other worker within ``OPTOBOT_KB_RELOAD_SECONDS``.
"""

from __future__ import annotations

import asyncio
import html
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.curation.drafts import accept_into, open_draft, prefill
from bot.curation.reload import reloader
from bot.curation.versions import (
    Refused,
    entry_data,
    entry_text,
    history,
    latest,
    save,
    served_version,
)
from bot.markdown import to_html
from bot.office.audit import record
from bot.office.context import office, signed
from bot.office.knowledge_view import diff, entries_zip, figures, form_data, form_values, list_rows
from bot.office.links import PREFIX
from bot.office.problem_words import worded
from knowledge.base import KnowledgeBase
from knowledge.entries import ID_PATTERN, LANGUAGES, TOPICS, entry_as_dict
from knowledge.explain import describe
from knowledge.problems import Problem

ENTRY = "{entry:[a-z0-9][a-z0-9-]*}"
QUESTION_LIMIT = 500


def routes(router: web.UrlDispatcher) -> None:
    router.add_get("/knowledge", listing)
    router.add_get("/knowledge/new", new_entry)
    router.add_post("/knowledge/new", create)
    router.add_get("/knowledge/export.zip", export)
    router.add_get("/knowledge/try", try_question)
    router.add_post("/knowledge/preview", preview)
    router.add_get(f"/knowledge/{ENTRY}", detail)
    router.add_post(f"/knowledge/{ENTRY}", update)
    router.add_post(f"/knowledge/{ENTRY}/retire", retire)
    router.add_get(f"/knowledge/{ENTRY}/history", versions)
    router.add_post(f"/knowledge/{ENTRY}/restore/{{version:[0-9]+}}", restore)


def knowledge(request: web.Request) -> KnowledgeBase:
    base = office(request).services.knowledge
    if base is None:
        raise web.HTTPNotFound()
    return base


def _language(request: web.Request) -> str:
    return signed(request).row.language


async def listing(request: web.Request) -> web.StreamResponse:
    here = office(request)
    base = knowledge(request)
    now = here.now()
    async with here.app.database.transaction() as session:
        counted = await figures(session, now)
        retired = [row for row in (await latest(session)).values() if row.retired]
    rows = list_rows(
        base.entries, counted, _language(request), now.date(), here.app.settings.kb_stale_days
    )
    return here.render(
        request,
        "knowledge/list",
        rows=rows,
        retired=retired,
        stale_days=here.app.settings.kb_stale_days,
        saved=request.query.get("saved", ""),
    )


def _form(
    request: web.Request,
    values: dict[str, str],
    *,
    new: bool,
    problems: dict[str, list[str]] | None = None,
    retired: bool = False,
    version: int = 0,
) -> web.Response:
    return office(request).render(
        request,
        "knowledge/entry",
        status=400 if problems else 200,
        values=form_values({}) | values,
        new=new,
        problems=_by_field(problems or {}),
        retired=retired,
        version=version,
        topics=sorted(TOPICS),
        languages=LANGUAGES,
        saved=request.query.get("saved") == "1",
    )


def _by_field(problems: dict[str, list[str]]) -> dict[str, list[str]]:
    """Problems by the form's fields; one of no field on the form is shown above it."""
    fields = set(form_values({}))
    shown: dict[str, list[str]] = {}
    for name, texts in problems.items():
        shown.setdefault(name if name in fields else "", []).extend(texts)
    return shown


async def new_entry(request: web.Request) -> web.StreamResponse:
    """An empty entry; from a gap, with its wording as the first example question; from a
    draft of a staff answer, with its question and answer."""
    values = form_values({"reviewed": office(request).now().date().isoformat()})
    question = request.query.get("question", "").strip()[:QUESTION_LIMIT]
    lang = request.query.get("lang", "")
    if question and lang in LANGUAGES:
        values[f"{lang}.questions"] = question
    draft_id = request.query.get("draft", "")
    if draft_id.isdigit() and len(draft_id) <= 12:
        async with office(request).app.database.transaction() as session:
            draft = await open_draft(session, int(draft_id))
        if draft is not None and draft.language in LANGUAGES:
            values |= prefill(draft)
    return _form(request, values, new=True)


async def detail(request: web.Request) -> web.StreamResponse:
    base = knowledge(request)
    entry_id = request.match_info["entry"]
    entry = base.get(entry_id)
    async with office(request).app.database.transaction() as session:
        saved = await latest(session)
    version = served_version(saved, entry_id)
    if entry is not None:
        return _form(request, form_values(entry_as_dict(entry)), new=False, version=version)
    last = saved.get(entry_id)
    if last is None or not last.retired:
        raise web.HTTPNotFound()
    values = form_values(entry_data(last.text))
    return _form(request, values, new=False, retired=True, version=version)


async def create(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    entry_id = str(form.get("id") or "").strip()
    values = {k: str(v) for k, v in form.items() if k != "csrf"}
    if not ID_PATTERN.match(entry_id):
        return _form(request, values, new=True, problems={"id": [_word(request, "bad_id")]})
    if knowledge(request).get(entry_id) is not None or await _known(request, entry_id):
        return _form(request, values, new=True, problems={"id": [_word(request, "taken_id")]})
    text = entry_text(form_data(form, entry_id))
    return await _save(request, entry_id, text, values, new=True, expected=0)


async def _known(request: web.Request, entry_id: str) -> bool:
    async with office(request).app.database.transaction() as session:
        return entry_id in await latest(session)


async def update(request: web.Request) -> web.StreamResponse:
    entry_id = request.match_info["entry"]
    if knowledge(request).get(entry_id) is None:
        raise web.HTTPNotFound()
    form = await request.post()
    values = {k: str(v) for k, v in form.items() if k != "csrf"} | {"id": entry_id}
    opened = str(form.get("version") or "")
    return await _save(
        request,
        entry_id,
        entry_text(form_data(form, entry_id)),
        values,
        new=False,
        expected=int(opened) if opened.isdigit() else None,
    )


async def retire(request: web.Request) -> web.StreamResponse:
    entry_id = request.match_info["entry"]
    entry = knowledge(request).get(entry_id)
    if entry is None:
        raise web.HTTPNotFound()
    values = form_values(entry_as_dict(entry))
    return await _save(request, entry_id, None, values, new=False, action="knowledge_retired")


async def restore(request: web.Request) -> web.StreamResponse:
    entry_id = request.match_info["entry"]
    wanted = int(request.match_info["version"])
    async with office(request).app.database.transaction() as session:
        found = [row.text for row in await history(session, entry_id) if row.version == wanted]
    if wanted == 0:  # the repository's file, before the office's first version
        found = [text for text in [_file_text(knowledge(request), entry_id)] if text]
    if not found:
        raise web.HTTPNotFound()
    text = found[0]
    values = form_values(entry_data(text))
    return await _save(
        request, entry_id, text, values, new=False, action="knowledge_restored", restored=wanted
    )


async def save_version(
    request: web.Request,
    entry_id: str,
    text: str | None,
    *,
    action: str,
    expected: int | None = None,
    then: Callable[[AsyncSession], Awaitable[None]] | None = None,
    **details: Any,
) -> Refused | None:
    """Save a version with its audit record (or refuse it, changing nothing); then serve it
    in this process at once. Two saves of one entry at the same moment: one is refused.
    ``then`` runs in the save's transaction (what the save decides, saved with it)."""
    here = office(request)
    staff = signed(request).staff
    now = here.now()
    base = knowledge(request)
    try:
        async with here.app.database.transaction() as session:
            saved = await save(session, base, entry_id, text, staff, now, expected=expected)
            if isinstance(saved, Refused):
                return saved
            await record(
                session,
                staff,
                action,
                now,
                subject=f"knowledge:{entry_id}",
                version=saved.version,
                **details,
            )
            if then is not None:
                await then(session)
    except IntegrityError:  # the same version number, saved by someone else just now
        async with here.app.database.transaction() as session:
            return Refused({}, conflict=(await latest(session)).get(entry_id))
    await reloader(here.services).refresh()
    return None


async def _save(
    request: web.Request,
    entry_id: str,
    text: str | None,
    values: dict[str, str],
    *,
    new: bool,
    action: str = "knowledge_saved",
    expected: int | None = None,
    **details: Any,
) -> web.StreamResponse:
    draft = values.get("draft", "")
    refused = await save_version(
        request,
        entry_id,
        text,
        action=action,
        expected=expected,
        then=_accept(request, draft, entry_id) if new else None,
        **details,
    )
    if refused is not None:
        problems = refused_words(request, entry_id, refused)
        conflict = refused.conflict
        if conflict is not None or not problems:
            said = _word(
                request,
                "conflict",
                name=conflict.name if conflict else "",
                at=conflict.at if conflict else None,
            )
            problems = {"": [said]}
        version = conflict.version if conflict else (expected or 0)
        return _form(request, values, new=new, problems=problems, version=version)
    if text is None:
        raise web.HTTPSeeOther(f"{PREFIX}/knowledge?saved={entry_id}")
    raise web.HTTPSeeOther(f"{PREFIX}/knowledge/{entry_id}?saved=1")


def _accept(
    request: web.Request, draft: str, entry_id: str
) -> Callable[[AsyncSession], Awaitable[None]] | None:
    """The draft of a staff answer the new entry was made from, accepted with its save."""
    if not draft.isdigit() or len(draft) > 12:
        return None
    staff, now = signed(request).staff, office(request).now()

    async def accept(session: AsyncSession) -> None:
        await accept_into(session, int(draft), entry_id, staff, now)

    return accept


async def versions(request: web.Request) -> web.StreamResponse:
    here = office(request)
    entry_id = request.match_info["entry"]
    async with here.app.database.transaction() as session:
        rows = list(await history(session, entry_id))
    if not rows and knowledge(request).get(entry_id) is None:
        raise web.HTTPNotFound()
    original = _file_text(knowledge(request), entry_id)
    changes = []
    for n, row in enumerate(rows):
        before = rows[n + 1].text if n + 1 < len(rows) else original
        changes.append((row, [] if row.retired else diff(before, row.text)))
    return here.render(
        request,
        "knowledge/history",
        entry_id=entry_id,
        changes=changes,
        file=original if rows else "",
    )


def _file_text(base: KnowledgeBase, entry_id: str) -> str:
    """The entry's file as the office writes entries (so a diff shows what changed, not
    how the file was laid out); empty for an entry made in the office."""
    path = base.directory / f"{entry_id}.yaml"
    if not path.exists():
        return ""
    data = entry_data(path.read_text(encoding="utf-8"))
    return entry_text(data) if data else ""


async def export(request: web.Request) -> web.StreamResponse:
    here = office(request)
    stamp = here.now().strftime("%Y-%m-%d")
    return web.Response(
        body=entries_zip(knowledge(request).files()),
        content_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="knowledge-{stamp}.zip"'},
    )


async def try_question(request: web.Request) -> web.StreamResponse:
    """What a member asking this would get: the decision, the entry, the candidates."""
    here = office(request)
    base = knowledge(request)
    question = request.query.get("q", "").strip()[:QUESTION_LIMIT]
    lang = request.query.get("lang", _language(request))
    lang = lang if lang in LANGUAGES else _language(request)
    result = None
    if question:
        match = await asyncio.to_thread(base.match, question)
        result = {
            "match": match,
            "words": describe(match, base.entries, lang),
            "candidates": [(c.id, base.title(c.id, lang), c.score) for c in match.candidates],
        }
    return here.render(
        request,
        "knowledge/try",
        question=question,
        asked_in=lang,
        result=result,
        languages=LANGUAGES,
    )


async def preview(request: web.Request) -> web.StreamResponse:
    """The answer as a member in Telegram reads it (HTML of Telegram's kind), for the page's
    live preview; a placeholder error is shown as such."""
    here = office(request)
    form = await request.post()
    answer = str(form.get("answer") or "")[:20000]
    lang = str(form.get("lang") or "")
    lang = lang if lang in LANGUAGES else _language(request)
    context = {"office": here.app.settings.office, "in_form": ""}
    try:
        text = here.services.templates.render_string(lang, answer, context)
    except Exception as error:  # a staff member's placeholder typo, shown, not logged
        body = f'<p class="problem">{html.escape(str(error))}</p>'
    else:
        body = to_html(text).replace("\n", "<br>\n")
    return web.Response(text=body, content_type="text/html", charset="utf-8")


def refused_words(request: web.Request, entry_id: str, refused: Refused) -> dict[str, list[str]]:
    """A refused save's problems by field, as the staff member reads them."""
    own = knowledge(request).file_of(entry_id)
    return {
        name: [_said(request, problem, own) for problem in found]
        for name, found in refused.problems.items()
    }


def _said(request: web.Request, problem: Problem, own: str) -> str:
    """The problem in the staff member's language; the file is named only when it is
    another entry's (``own`` is the edited entry's)."""
    templates = office(request).services.templates
    text = worded(templates, _language(request), problem.code, problem.params, problem.message)
    return text if problem.file == own else f"{Path(problem.file).stem}: {text}"


def _word(request: web.Request, block: str, **context: Any) -> str:
    here = office(request)
    words = "office/knowledge/words"
    return here.services.templates.render_block(_language(request), words, block, **context)
