"""``/office/leads``: the list with filters and search, its CSV, one lead's page, the
Claim · Contacted · Close buttons, notes, and the answer to a forwarded question.

A button calls :func:`bot.leads.set_status`, the function the chat buttons and
``optobot leads set-status`` call: the member is told and the cards in every staff chat are
edited through the outbox, exactly as after a press in Slack or Telegram.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.csv_export import csv_text
from bot.delivery.staff import every_target
from bot.leads.answers import answer, answers_of
from bot.leads.cards import BUTTONS, VERB_STATUS, card_key
from bot.leads.records import KINDS, STATUSES, LeadError, find_lead, set_status
from bot.office.audit import history, lead_subject, record
from bot.office.context import office, signed
from bot.office.lead_view import FIELDS, REGIONS, LeadFilter, LeadRow, Words, find_leads
from bot.office.links import PREFIX
from bot.storage import Lead, LeadNote, Member, OutboxMessage
from bot.xlsx_export import XLSX_TYPE, xlsx_bytes

NOTE_LIMIT = 4000
ANSWER_LIMIT = 3500
"""Below Telegram's 4,096 characters for one message, with the frame around it."""


def routes(router: web.UrlDispatcher) -> None:
    router.add_get("/leads", listing)
    router.add_get("/leads.csv", export)
    router.add_get("/leads.xlsx", export_xlsx)
    router.add_get("/leads/{ref}", detail)
    router.add_post("/leads/{ref}/status", change_status)
    router.add_post("/leads/{ref}/notes", add_note)
    router.add_post("/leads/{ref}/answer", answer_question)


def _words(request: web.Request) -> Words:
    return Words(office(request).services, signed(request).row.language)


async def _found(request: web.Request) -> tuple[LeadFilter, list[LeadRow]]:
    """The request's filter and the leads it lets through, in the page's words."""
    wanted = LeadFilter.from_query(request.query)
    words = _words(request)
    async with office(request).app.database.transaction() as session:
        found = await find_leads(session, wanted)
    return wanted, [words.row(lead, member) for lead, member in found]


async def listing(request: web.Request) -> web.StreamResponse:
    here = office(request)
    words = _words(request)
    wanted, rows = await _found(request)
    board = request.query.get("view") == "board"
    return here.render(
        request,
        "leads",
        rows=rows,
        board=board,
        columns=[(s, [row for row in rows if row.lead.status == s]) for s in STATUSES],
        wanted=wanted,
        csv_query=urlencode(wanted.query()),
        list_query=urlencode(wanted.query()),
        board_query=urlencode({**wanted.query(), "view": "board"}),
        options={
            "status": [(s, words.word(f"status_{s}")) for s in STATUSES],
            "kind": [(k, words.word(f"kind_{k}")) for k in KINDS],
            "region": [(r, words.option("regions", r) or r) for r in REGIONS],
            "field": [(f, words.option("field", f) or f) for f in FIELDS],
        },
    )


async def _table(request: web.Request) -> tuple[list[str], list[list[Any]]]:
    """The filtered list as a header and rows, the same for the CSV and the XLSX."""
    words = _words(request)
    _, found = await _found(request)
    header = [words.word(f"column_{name}") for name in CSV_COLUMNS]
    rows = []
    for row in found:
        lead = row.lead
        rows.append(
            [
                lead.ref,
                row.kind,
                row.title,
                row.member,
                row.organisation,
                str(lead.fields.get("email") or ""),
                row.regions,
                row.field,
                row.status,
                lead.assignee or "",
                lead.created_at,
            ]
        )
    return header, rows


def _download(request: web.Request, suffix: str) -> dict[str, str]:
    stamp = office(request).now().strftime("%Y-%m-%d")
    return {"Content-Disposition": f'attachment; filename="leads-{stamp}.{suffix}"'}


async def export(request: web.Request) -> web.StreamResponse:
    header, rows = await _table(request)
    for row in rows:
        row[-1] = row[-1].isoformat(timespec="minutes")
    return web.Response(
        text=csv_text(header, rows),
        content_type="text/csv",
        charset="utf-8",
        headers=_download(request, "csv"),
    )


async def export_xlsx(request: web.Request) -> web.StreamResponse:
    """The same list as a workbook: the creation time a real date cell."""
    header, rows = await _table(request)
    return web.Response(
        body=xlsx_bytes(header, rows, sheet="Leads"),
        content_type=XLSX_TYPE,
        headers=_download(request, "xlsx"),
    )


CSV_COLUMNS = (
    "ref",
    "kind",
    "title",
    "member",
    "organisation",
    "email",
    "regions",
    "field",
    "status",
    "assignee",
    "created",
)


async def detail(request: web.Request, *, problem: str | None = None) -> web.StreamResponse:
    here = office(request)
    words = _words(request)
    async with here.app.database.transaction() as session:
        lead = await find_lead(session, request.match_info["ref"])
        if lead is None:
            raise web.HTTPNotFound()
        member = await session.get(Member, lead.member_id) if lead.member_id else None
        notes = (
            (
                await session.execute(
                    select(LeadNote).where(LeadNote.lead_id == lead.id).order_by(LeadNote.id)
                )
            )
            .scalars()
            .all()
        )
        changes = await history(session, lead_subject(lead.ref))
        cards = await _cards(session, lead)
        answers = (await answers_of(session, [lead.id])).get(lead.id, [])
    return here.render(
        request,
        "lead",
        status=400 if problem else 200,
        lead=lead,
        row=words.row(lead, member),
        fields=words.rows(lead),
        timeline=_timeline(lead),
        changes=changes,
        notes=notes,
        cards=cards,
        answers=answers,
        answer_nonce=secrets.token_urlsafe(16),
        verbs=BUTTONS[lead.status],
        status_word={s: words.word(f"status_{s}") for s in STATUSES},
        problem=problem,
    )


def _timeline(lead: Lead) -> list[tuple[str, datetime]]:
    """The lead's status changes with their times, whoever made them (chat, CLI, office)."""
    steps = [
        ("new", lead.created_at),
        ("claimed", lead.claimed_at),
        ("contacted", lead.contacted_at),
        ("closed", lead.closed_at),
    ]
    return [(status, at) for status, at in steps if at is not None]


async def _cards(session: AsyncSession, lead: Lead) -> list[OutboxMessage]:
    """The lead's cards in the staff chats and by e-mail: where they went and when."""
    keys = [card_key(lead.ref, target) for target in every_target()]
    query = select(OutboxMessage).where(OutboxMessage.key.in_(keys)).order_by(OutboxMessage.id)
    return list((await session.execute(query)).scalars())


async def change_status(request: web.Request) -> web.StreamResponse:
    here = office(request)
    current = signed(request)
    form = await request.post()
    verb = form.get("verb")
    status = VERB_STATUS.get(verb) if isinstance(verb, str) else None
    if status is None:
        return await detail(request, problem="unknown_verb")
    now = here.now()
    try:
        async with here.app.database.transaction() as session:
            lead = await find_lead(session, request.match_info["ref"], lock=True)
            if lead is None:
                raise web.HTTPNotFound()
            before = lead.status
            changed = await set_status(
                session, here.services, lead, status, by=current.staff.name, by_id=current.staff.key
            )
            if changed:
                await record(
                    session,
                    current.staff,
                    f"lead_{status}",
                    now,
                    subject=lead_subject(lead.ref),
                    before=before,
                    after=status,
                    via="office",
                )
    except LeadError as refused:
        return await detail(request, problem=refused.reason)
    raise web.HTTPSeeOther(f"{PREFIX}/leads/{lead.ref}")


async def add_note(request: web.Request) -> web.StreamResponse:
    here = office(request)
    current = signed(request)
    form = await request.post()
    text = str(form.get("text") or "").strip()
    if not text or len(text) > NOTE_LIMIT:
        return await detail(request, problem="note_empty" if not text else "note_too_long")
    now = here.now()
    async with here.app.database.transaction() as session:
        lead = await find_lead(session, request.match_info["ref"])
        if lead is None:
            raise web.HTTPNotFound()
        session.add(
            LeadNote(
                lead_id=lead.id,
                staff=current.staff.key,
                name=current.staff.name,
                text=text,
                created_at=now,
            )
        )
        await record(session, current.staff, "lead_note", now, subject=lead_subject(lead.ref))
    raise web.HTTPSeeOther(f"{PREFIX}/leads/{lead.ref}#notes")


async def answer_question(request: web.Request) -> web.StreamResponse:
    """The office answers a forwarded question: the path of a reply to its card in Slack
    or Telegram (:func:`bot.leads.answers.answer`). The form's one-time ``nonce`` is the
    answer's source, so a form the browser sends twice is one answer."""
    here = office(request)
    current = signed(request)
    form = await request.post()
    text = str(form.get("text") or "").strip()
    sent_nonce = str(form.get("nonce") or "")
    if not text or len(text) > ANSWER_LIMIT:
        return await detail(request, problem="answer_empty" if not text else "answer_too_long")
    if not sent_nonce:
        return await detail(request, problem="answer_stale")
    async with here.app.database.transaction() as session:
        lead = await find_lead(session, request.match_info["ref"], lock=True)
        if lead is None:
            raise web.HTTPNotFound()
        question = lead.kind == "question"
        stored = question and await answer(
            session,
            here.services,
            lead,
            text=text,
            source=f"office:{sent_nonce}",
            staff=current.staff.key,
            name=current.staff.name,
        )
        if stored:
            await record(
                session,
                current.staff,
                "lead_answered",
                here.now(),
                subject=lead_subject(lead.ref),
                via="office",
            )
    if not question:
        return await detail(request, problem="answer_not_a_question")
    raise web.HTTPSeeOther(f"{PREFIX}/leads/{lead.ref}#answers")
