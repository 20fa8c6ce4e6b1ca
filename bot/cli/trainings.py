"""``optobot trainings``: the office's side of trainings.

``sync`` loads ``knowledge/trainings.yaml``; ``list``; ``seats ID N`` (a bigger room
promotes the waiting list); ``close ID``; ``cancel ID`` (everyone registered or waiting is
told); ``attendees ID``; ``announce ID`` (to members who opted in). Every change and the
messages it causes are committed together; the messages go out through the outbox.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App, open_app
from bot.cli.csv_export import write_csv
from bot.registrations import ACTIVE, count, lock_training, registrations_of, set_seats
from bot.settings import Settings
from bot.storage import Member, Training
from bot.training_notices import TrainingNotices
from bot.trainings import sync
from knowledge.catalogue import CATALOGUE_FILE, check, load

Action = Callable[[App, AsyncSession, TrainingNotices, argparse.Namespace], Awaitable[int]]


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    command = commands.add_parser(
        "trainings", help="manage trainings", description="Manage trainings and registrations."
    )
    actions = command.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser
    sync_cmd = add("sync", help="load the catalogue into the database")
    sync_cmd.add_argument("--file", type=Path, help="catalogue file (default: the shipped one)")
    sync_cmd.set_defaults(run=_runner(_sync))
    listing = add("list", help="trainings with seats taken and waiting")
    listing.add_argument("--format", choices=["table", "json"], default="table")
    listing.set_defaults(run=_runner(_list))
    seats = add("seats", help="change the number of seats (more seats promote the waiting list)")
    seats.add_argument("id")
    seats.add_argument("seats", type=int)
    seats.set_defaults(run=_runner(_seats))
    for name, help_text, action in (
        ("close", "stop registrations", _close),
        ("cancel", "cancel the training and tell everyone registered", _cancel),
        ("announce", "announce the training to members who opted in", _announce),
    ):
        sub = add(name, help=help_text)
        sub.add_argument("id")
        sub.set_defaults(run=_runner(action))
    attendees = add("attendees", help="who is registered and waiting")
    attendees.add_argument("id")
    attendees.add_argument("--format", choices=["table", "csv", "json"], default="table")
    attendees.set_defaults(run=_runner(_attendees))


def _runner(action: Action) -> Callable[[Settings, argparse.Namespace], int]:
    def run(settings: Settings, args: argparse.Namespace) -> int:
        return asyncio.run(_in_transaction(settings, args, action))

    return run


async def _in_transaction(settings: Settings, args: argparse.Namespace, action: Action) -> int:
    async with open_app(settings) as app, app.database.transaction() as session:
        services = app.services
        notices = TrainingNotices(session, settings, services.templates, services.clock())
        return await action(app, session, notices, args)


def _fail(message: str) -> int:
    print(f"optobot trainings: {message}", file=sys.stderr)
    return 1


async def _training(session: AsyncSession, training_id: str) -> Training | None:
    return await lock_training(session, training_id)


# actions -------------------------------------------------------------------------------


async def _sync(
    app: App, session: AsyncSession, notices: TrainingNotices, args: argparse.Namespace
) -> int:
    path = args.file or CATALOGUE_FILE
    problems = check(path)
    if problems:
        for problem in problems:
            print(problem, file=sys.stderr)
        return _fail(f"{len(problems)} problem(s) in the catalogue; nothing changed")
    report = await sync(session, load(path), now=notices.now)
    for registration in report.promoted:
        training = await session.get(Training, registration.training_id)
        assert training is not None
        await notices.promoted([registration], training)
    for training in report.moved:
        await notices.moved(training, await registrations_of(session, training.id))
    for label, ids in (
        ("added", report.added),
        ("updated", report.updated),
        ("unchanged", report.unchanged),
        ("deleted", report.deleted),
    ):
        named = f" ({', '.join(ids)})" if ids and label != "unchanged" else ""
        print(f"{label}: {len(ids)}{named}")
    for training_id, registered in report.kept.items():
        print(f"kept: {training_id} is no longer in the file but has {registered} registration(s)")
    for training_id, over in report.overbooked.items():
        print(f"warning: {training_id} has {over} more confirmed seat(s) than seats")
    for registration in report.promoted:
        print(f"promoted: {registration.name} ({registration.training_id})")
    return 0


async def _list(
    app: App, session: AsyncSession, notices: TrainingNotices, args: argparse.Namespace
) -> int:
    trainings = (await session.execute(select(Training).order_by(Training.starts_at))).scalars()
    rows = []
    for training in trainings:
        rows.append(
            {
                "id": training.id,
                "start": training.starts_at.astimezone(ZoneInfo(training.timezone)).isoformat(),
                "topic": training.topic,
                "status": training.status if training.in_catalogue else "not in catalogue",
                "seats": training.seats,
                "confirmed": await count(session, training.id, "confirmed"),
                "waiting": await count(session, training.id, "waiting"),
                "title": training.texts["title"]["de"],
            }
        )
    _print_rows(rows, args.format)
    return 0


async def _seats(
    app: App, session: AsyncSession, notices: TrainingNotices, args: argparse.Namespace
) -> int:
    if args.seats < 1:
        return _fail("seats must be at least 1")
    changed = await set_seats(session, args.id, args.seats, now=notices.now)
    if changed is None:
        return _fail(f"no training {args.id!r}")
    training, promoted = changed
    await notices.promoted(promoted, training)
    confirmed = await count(session, training.id, "confirmed")
    print(f"{training.id}: {training.seats} seats, {confirmed} confirmed")
    for registration in promoted:
        print(f"promoted: {registration.name} <{registration.email}>")
    if confirmed > training.seats:
        print(f"warning: {confirmed - training.seats} more confirmed than seats; nobody demoted")
    return 0


async def _close(
    app: App, session: AsyncSession, notices: TrainingNotices, args: argparse.Namespace
) -> int:
    training = await _training(session, args.id)
    if training is None:
        return _fail(f"no training {args.id!r}")
    if training.status == "cancelled":
        return _fail(f"{training.id} is cancelled")
    training.status, training.updated_at = "closed", notices.now
    print(f"{training.id}: registration closed")
    return 0


async def _cancel(
    app: App, session: AsyncSession, notices: TrainingNotices, args: argparse.Namespace
) -> int:
    training = await _training(session, args.id)
    if training is None:
        return _fail(f"no training {args.id!r}")
    training.status, training.updated_at = "cancelled", notices.now
    registered = await registrations_of(session, training.id)
    await notices.cancelled_by_office(training, registered)
    print(f"{training.id}: cancelled; {len(registered)} registered or waiting will be told")
    return 0


async def _attendees(
    app: App, session: AsyncSession, notices: TrainingNotices, args: argparse.Namespace
) -> int:
    training = await session.get(Training, args.id)
    if training is None:
        return _fail(f"no training {args.id!r}")
    rows, waiting = [], 0
    for registration in await registrations_of(session, training.id, (*ACTIVE, "cancelled")):
        waiting += registration.status == "waiting"
        rows.append(
            {
                "status": registration.status,
                "waiting_position": waiting if registration.status == "waiting" else "",
                "name": registration.name or "",
                "organisation": registration.organisation or "",
                "email": registration.email or "",
                "member": "yes" if registration.is_member else "no",
                "language": registration.language,
                "registered_at": registration.created_at.isoformat(timespec="seconds"),
                "uid": registration.uid,
            }
        )
    _print_rows(rows, args.format)
    return 0


async def _announce(
    app: App, session: AsyncSession, notices: TrainingNotices, args: argparse.Namespace
) -> int:
    training = await session.get(Training, args.id)
    if training is None:
        return _fail(f"no training {args.id!r}")
    if training.status != "open" or not training.in_catalogue or training.deadline < notices.now:
        return _fail(f"{training.id} is not open for registration; nothing announced")
    members = (
        await session.execute(
            select(Member)
            .where(Member.announcements.is_(True), Member.forgotten_at.is_(None))
            .order_by(Member.id)
        )
    ).scalars()
    queued = await notices.announce(training, list(members))
    print(f"{training.id}: announcement queued for {queued} member(s)")
    return 0


# output --------------------------------------------------------------------------------


def _print_rows(rows: list[dict[str, Any]], form: str) -> None:
    if form == "json":
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if form == "csv":
        buffer = io.StringIO()
        write_csv(buffer, list(rows[0]) if rows else ["status"], rows)
        sys.stdout.write(buffer.getvalue())
        return
    if not rows:
        print("(none)")
        return
    widths = {key: max(len(key), *(len(str(row[key])) for row in rows)) for key in rows[0]}
    print("  ".join(key.ljust(widths[key]) for key in widths).rstrip())
    for row in rows:
        print("  ".join(str(row[key]).ljust(widths[key]) for key in widths).rstrip())
