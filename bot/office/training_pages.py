"""``/office/trainings``: the catalogue as the office reads it (dates, place, seats taken
and free, the waiting list, the figures members are shown: :func:`bot.trainings.listed`),
one training's page with its attendees, waiting list and history, and the buttons Close ·
Cancel · Announce · move a member, and the attendees as CSV and XLSX.

Every button calls :mod:`bot.trainings.changes`, the functions ``optobot trainings`` calls,
so members are told exactly as after the CLI; each change is recorded in the office audit in
the same transaction.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, cast

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.csv_export import csv_text
from bot.office.audit import history, record
from bot.office.context import office, signed
from bot.office.lead_view import WORDS
from bot.office.links import PREFIX
from bot.storage import Registration, Training
from bot.trainings import changes
from bot.trainings.catalogue import Listed, listed
from bot.trainings.notices import TrainingNotices
from bot.trainings.registrations import registrations_of
from bot.xlsx_export import XLSX_TYPE, xlsx_bytes

REASON_LIMIT = 500
EXPORT_COLUMNS = (
    "status",
    "waiting",
    "name",
    "organisation",
    "email",
    "member",
    "language",
    "registered",
)
Run = Callable[[AsyncSession, TrainingNotices], Awaitable[dict[str, Any] | None]]


def routes(router: web.UrlDispatcher) -> None:
    router.add_get("/trainings", listing)
    router.add_get("/trainings/{id}", detail)
    router.add_get("/trainings/{id}/attendees.csv", export_csv)
    router.add_get("/trainings/{id}/attendees.xlsx", export_xlsx)
    router.add_post("/trainings/{id}/close", close)
    router.add_post("/trainings/{id}/cancel", cancel)
    router.add_post("/trainings/{id}/announce", announce)
    router.add_post("/trainings/{id}/move", move)
    router.add_get("/trainings/{id}/{action:close|cancel|announce|move}", back)


async def back(request: web.Request) -> web.StreamResponse:
    """A button's address opened (the language switch on a page that showed a problem):
    the training's page."""
    raise web.HTTPSeeOther(f"{PREFIX}/trainings/{request.match_info['id']}")


def _subject(training_id: str) -> str:
    return f"training:{training_id}"


async def listing(request: web.Request) -> web.StreamResponse:
    here = office(request)
    now = here.now()
    async with here.app.database.transaction() as session:
        ids = (await session.execute(select(Training.id).order_by(Training.starts_at))).scalars()
        rows: list[Listed] = [row for i in ids.all() if (row := await listed(session, i))]
    language = signed(request).row.language
    return here.render(
        request,
        "trainings",
        coming=[row for row in rows if row.training.ends_at > now],
        past=[row for row in rows if row.training.ends_at <= now],
        title=lambda training: text(training, "title", language),
    )


def text(training: Training, field: str, language: str) -> str:
    """A training's text in the staff member's language, else in the other one."""
    texts = training.texts.get(field) or {}
    return str(texts.get(language) or next(iter(texts.values()), training.id))


async def detail(
    request: web.Request, *, problem: str | None = None, status: int = 200
) -> web.StreamResponse:
    here = office(request)
    language = signed(request).row.language
    async with here.app.database.transaction() as session:
        row = await listed(session, request.match_info["id"])
        if row is None:
            raise web.HTTPNotFound()
        registered = await registrations_of(session, row.training.id)
        changes_made = await history(session, _subject(row.training.id))
    done = request.query.get("done")
    return here.render(
        request,
        "training",
        status=400 if problem else status,
        row=row,
        training=row.training,
        confirmed=[r for r in registered if r.status == "confirmed"],
        waiting=[r for r in registered if r.status == "waiting"],
        changes=changes_made,
        title=text(row.training, "title", language),
        description=text(row.training, "description", language),
        problem=problem,
        done=done if done in ("saved", "closed", "cancelled", "announced", "moved") else None,
        told=request.query.get("told", ""),
    )


async def _change(
    request: web.Request, action: str, run: Run, **details: Any
) -> web.StreamResponse | None:
    """``run(session, notices)`` in one transaction with its audit record; a refusal is
    shown on the training's page. ``run`` returns the details' additions (or None)."""
    here = office(request)
    current = signed(request)
    training_id = request.match_info["id"]
    now = here.now()
    try:
        async with here.app.database.transaction() as session:
            services = here.services
            notices = TrainingNotices(session, here.app.settings, services.templates, now)
            more = await run(session, notices) or {}
            await record(
                session,
                current.staff,
                action,
                now,
                subject=_subject(training_id),
                **details,
                **more,
            )
    except changes.ChangeRefused as refused:
        if refused.reason == "unknown":
            raise web.HTTPNotFound() from None
        return await detail(request, problem=refused.reason)
    return None


def _done(training_id: str, done: str, told: int | None = None) -> web.HTTPSeeOther:
    suffix = f"&told={told}" if told is not None else ""
    return web.HTTPSeeOther(f"{PREFIX}/trainings/{training_id}?done={done}{suffix}")


async def close(request: web.Request) -> web.StreamResponse:
    training_id = request.match_info["id"]

    async def run(session: AsyncSession, notices: TrainingNotices) -> None:
        await changes.close(session, notices, training_id)

    refused = await _change(request, "training_closed", run)
    if refused is not None:
        return refused
    raise _done(training_id, "closed")


async def cancel(request: web.Request) -> web.StreamResponse:
    training_id = request.match_info["id"]
    form = await request.post()
    reason = str(form.get("reason") or "").strip()
    if not form.get("confirm"):
        return await detail(request, problem="confirm_cancel")
    if len(reason) > REASON_LIMIT:
        return await detail(request, problem="reason_too_long")
    told: list[int] = []

    async def run(session: AsyncSession, notices: TrainingNotices) -> dict[str, Any]:
        _, number = await changes.cancel(session, notices, training_id, reason=reason)
        told.append(number)
        return {"told": number}

    refused = await _change(request, "training_cancelled", run, reason=reason or None)
    if refused is not None:
        return refused
    raise _done(training_id, "cancelled", told[0])


async def announce(request: web.Request) -> web.StreamResponse:
    training_id = request.match_info["id"]
    told: list[int] = []

    async def run(session: AsyncSession, notices: TrainingNotices) -> dict[str, Any]:
        told.append(await changes.announce(session, notices, training_id))
        return {"told": told[0]}

    refused = await _change(request, "training_announced", run)
    if refused is not None:
        return refused
    raise _done(training_id, "announced", told[0])


async def move(request: web.Request) -> web.StreamResponse:
    training_id = request.match_info["id"]
    form = await request.post()
    uid, to = str(form.get("uid") or ""), form.get("to")
    if to not in ("seat", "waiting"):
        return await detail(request, problem="not_there")
    place = cast(changes.Place, to)

    async def run(session: AsyncSession, notices: TrainingNotices) -> dict[str, Any]:
        registration = await changes.move(session, notices, training_id, uid, place)
        return {"member": registration.name or "", "uid": uid}

    refused = await _change(request, f"training_to_{to}", run)
    if refused is not None:
        return refused
    raise _done(training_id, "moved")


async def _export_rows(request: web.Request) -> tuple[Training, list[str], list[list[Any]]]:
    """The attendees, then the waiting list in order: the columns in the staff language."""
    here = office(request)
    language = signed(request).row.language
    async with here.app.database.transaction() as session:
        training = await session.get(Training, request.match_info["id"])
        if training is None:
            raise web.HTTPNotFound()
        registered: Sequence[Registration] = await registrations_of(session, training.id)
    words = here.services.templates

    def word(block: str) -> str:
        return words.render_block(language, WORDS, block)

    header = [word(f"export_{name}") for name in EXPORT_COLUMNS]
    rows: list[list[Any]] = []
    place = 0
    for registration in sorted(registered, key=lambda r: (r.status != "confirmed", r.position)):
        waiting = registration.status == "waiting"
        place += waiting
        rows.append(
            [
                word(f"registration_{registration.status}"),
                place if waiting else "",
                registration.name or "",
                registration.organisation or "",
                registration.email or "",
                word("yes" if registration.is_member else "no"),
                registration.language,
                registration.created_at.isoformat(timespec="minutes"),
            ]
        )
    return training, header, rows


async def export_csv(request: web.Request) -> web.StreamResponse:
    training, header, rows = await _export_rows(request)
    return web.Response(
        text=csv_text(header, rows),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{training.id}-attendees.csv"'},
    )


async def export_xlsx(request: web.Request) -> web.StreamResponse:
    training, header, rows = await _export_rows(request)
    return web.Response(
        body=xlsx_bytes(header, rows, sheet=training.id),
        content_type=XLSX_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{training.id}-attendees.xlsx"'},
    )
