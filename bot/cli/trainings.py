"""``optobot trainings``: the office's side of trainings.

``sync`` loads ``trainings.yaml`` of the knowledge directory (``chat`` and ``serve`` do it
on start); ``list``; ``seats ID N`` (a bigger room promotes the waiting list); ``close ID``;
``cancel ID`` (asks first; everyone registered or waiting is told, with ``--reason``);
``attendees ID``; ``announce ID`` (to members who opted in). Every change and the messages
it causes are committed together; the messages go out through the outbox. The changes are
those of :mod:`bot.trainings.changes`, which the office web app makes too.

``sync`` leaves a training edited in the office alone and reports the conflict when the
file's version changed too; ``sync --overwrite ID`` takes the file's version.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import logging
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App, open_app
from bot.cli.errors import USAGE, Refused
from bot.cli.tables import print_rows
from bot.private_files import private_directory
from bot.settings import Settings
from bot.storage import Training
from bot.storage.database import CATALOGUE_LOCK, one_at_a_time
from bot.trainings import changes
from bot.trainings.catalogue import SyncReport, sync
from bot.trainings.notices import TrainingNotices
from bot.trainings.registrations import ACTIVE, count, registrations_of, set_seats
from knowledge.catalogue import CATALOGUE_FILE, check, load

log = logging.getLogger(__name__)

SYNC_STAMP = "trainings-synced"
"""In the data directory: the fingerprint of the catalogue last synced on start."""

LIST_COLUMNS = (
    "id",
    "start",
    "topic",
    "status",
    "seats",
    "confirmed",
    "waiting",
    "origin",
    "title",
)
ATTENDEE_COLUMNS = (
    "status",
    "waiting_position",
    "name",
    "organisation",
    "email",
    "member",
    "language",
    "registered_at",
    "uid",
)

Action = Callable[[App, AsyncSession, TrainingNotices, argparse.Namespace], Awaitable[int]]


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    command = commands.add_parser(
        "trainings", help="manage trainings", description="Manage trainings and registrations."
    )
    actions = command.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser
    sync_cmd = add("sync", help="load the catalogue into the database")
    sync_cmd.add_argument(
        "--file", type=Path, help="catalogue file (default: trainings.yaml of the knowledge dir)"
    )
    sync_cmd.add_argument(
        "--overwrite",
        action="append",
        default=[],
        metavar="ID",
        help="take the file's version of a training edited in the office (repeatable)",
    )
    sync_cmd.set_defaults(run=_run_sync)
    listing = add("list", help="trainings with seats taken and waiting")
    listing.add_argument("--format", choices=["table", "json"], default="table")
    listing.set_defaults(run=_runner(_list))
    seats = add("seats", help="change the number of seats (more seats promote the waiting list)")
    seats.add_argument("id")
    seats.add_argument("seats", type=int)
    seats.set_defaults(run=_runner(_seats))
    for name, help_text, action in (
        ("close", "stop registrations", _close),
        ("announce", "announce the training to members who opted in", _announce),
    ):
        sub = add(name, help=help_text)
        sub.add_argument("id")
        sub.set_defaults(run=_runner(action))
    cancel = add(
        "cancel",
        help="cancel the training and tell everyone registered or waiting (asks first)",
    )
    cancel.add_argument("id")
    cancel.add_argument("--reason", help="why, in a sentence: members are told it as written")
    cancel.add_argument("--yes", action="store_true", help="do not ask (scripts)")
    cancel.set_defaults(run=_run_cancel)
    attendees = add("attendees", help="who is registered and waiting")
    attendees.add_argument("id")
    attendees.add_argument("--format", choices=["table", "csv", "json"], default="table")
    attendees.set_defaults(run=_runner(_attendees))


def _runner(action: Action) -> Callable[[Settings, argparse.Namespace], int]:
    def run(settings: Settings, args: argparse.Namespace) -> int:
        return asyncio.run(_in_transaction(settings, args, action))

    return run


def _run_sync(settings: Settings, args: argparse.Namespace) -> int:
    code = _runner(_sync)(settings, args)
    default = catalogue_file(settings)
    if code == 0 and (args.file is None or args.file.resolve() == default.resolve()):
        _remember_sync(settings, default)  # committed: the next start need not sync
    return code


async def _in_transaction(settings: Settings, args: argparse.Namespace, action: Action) -> int:
    async with open_app(settings) as app, app.database.transaction() as session:
        services = app.services
        notices = TrainingNotices(session, settings, services.templates, services.clock())
        return await action(app, session, notices, args)


# the catalogue -------------------------------------------------------------------------


def catalogue_file(settings: Settings) -> Path:
    return settings.knowledge_dir / CATALOGUE_FILE.name


async def sync_catalogue(
    session: AsyncSession, notices: TrainingNotices, path: Path, overwrite: Sequence[str] = ()
) -> SyncReport:
    """The file's trainings into the database; registrants hear of moves and promotions.

    Two processes starting together (two hosts, two containers) both sync: the second
    waits for the first's transaction and finds its rows instead of inserting them again."""
    await one_at_a_time(session, CATALOGUE_LOCK)
    report = await sync(session, load(path), now=notices.now, overwrite=overwrite)
    await changes.tell(session, notices, report)
    return report


async def sync_on_start(app: App) -> None:
    """``chat`` and ``serve`` start with the catalogue file's trainings, as with the schema.

    Only a file changed since the last sync into this database is synced: a change the
    office made since (``trainings seats`` for a bigger room) outlives a restart. A file
    with problems changes nothing and says so in the log (``optobot kb check`` names them).
    """
    path = catalogue_file(app.settings)
    if not path.exists():
        return
    stamp = app.settings.data_dir / SYNC_STAMP
    if _read(stamp) == _fingerprint(app.settings, path):
        return
    problems = check(path)
    if problems:
        log.warning(
            "trainings catalogue not synced: %s problem(s) in %s, first: %s",
            len(problems),
            path,
            problems[0],
        )
        return
    services = app.services
    async with app.database.transaction() as session:
        notices = TrainingNotices(session, app.settings, services.templates, services.clock())
        report = await sync_catalogue(session, notices, path)
    _remember_sync(app.settings, path)
    if report.conflicts:
        log.warning(
            "trainings edited in the office and changed in the file, kept as the office left "
            "them: %s (optobot trainings sync --overwrite ID takes the file's version)",
            ", ".join(report.conflicts),
        )
    log.info(
        "trainings catalogue synced: %s added, %s updated, %s unchanged, %s deleted",
        len(report.added),
        len(report.updated),
        len(report.unchanged),
        len(report.deleted),
    )


def _fingerprint(settings: Settings, path: Path) -> str:
    """The file's content and the database it went into."""
    digest = hashlib.sha256(path.read_bytes())
    digest.update(settings.effective_database_url.encode())
    return digest.hexdigest()


def _read(stamp: Path) -> str | None:
    try:
        return stamp.read_text(encoding="utf-8").strip()
    except OSError:
        return None


def _remember_sync(settings: Settings, path: Path) -> None:
    stamp = settings.data_dir / SYNC_STAMP
    try:
        private_directory(stamp.parent)
        stamp.write_text(_fingerprint(settings, path) + "\n", encoding="utf-8")
    except OSError as error:  # the next start syncs again, which changes nothing
        log.warning("cannot note the trainings sync in %s: %s", stamp, error)


# actions -------------------------------------------------------------------------------


async def _sync(
    app: App, session: AsyncSession, notices: TrainingNotices, args: argparse.Namespace
) -> int:
    path = args.file or catalogue_file(app.settings)
    problems = check(path)
    if problems:
        for problem in problems:
            print(problem, file=sys.stderr)
        raise Refused(f"{len(problems)} problem(s) in the catalogue; nothing changed")
    report = await sync_catalogue(session, notices, path, args.overwrite)
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
    for training_id in report.conflicts:
        print(
            f"conflict: {training_id} was edited in the office and changed in the file; "
            f"kept as the office left it (--overwrite {training_id} takes the file's version)"
        )
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
                "origin": _origin(training),
                "title": training.texts["title"]["de"],
            }
        )
    print_rows(rows, args.format, columns=LIST_COLUMNS, empty="(none)")
    return 0


def _origin(training: Training) -> str:
    """Where the training's version comes from: what ``sync`` would leave alone."""
    if training.origin == "office":
        return "office"
    return "file, edited in the office" if training.office_edited_at else "file"


async def _seats(
    app: App, session: AsyncSession, notices: TrainingNotices, args: argparse.Namespace
) -> int:
    if args.seats < 1:
        raise Refused("seats must be at least 1", code=USAGE)
    changed = await set_seats(session, args.id, args.seats, now=notices.now)
    if changed is None:
        raise Refused(f"no training {args.id!r}")
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
    try:
        training = await changes.close(session, notices, args.id)
    except changes.ChangeRefused as refused:
        if refused.reason == "cancelled":
            raise Refused(f"{args.id} is cancelled") from None
        raise _refused(args.id, refused) from None
    print(f"{training.id}: registration closed")
    return 0


def _run_cancel(settings: Settings, args: argparse.Namespace) -> int:
    return asyncio.run(_confirmed_cancel(settings, args))


async def _confirmed_cancel(settings: Settings, args: argparse.Namespace) -> int:
    """Asked between two transactions, so no lock is held while the office thinks."""
    async with open_app(settings) as app:
        async with app.database.transaction() as session:
            training = await session.get(Training, args.id)
            if training is None:
                raise Refused(f"no training {args.id!r}")
            if training.status == "cancelled":
                raise Refused(f"{training.id} is cancelled already; nobody is told again")
            told = len(await registrations_of(session, training.id))
            start = training.starts_at.astimezone(ZoneInfo(training.timezone))
            question = (
                f"Cancel {training.id} on {start:%Y-%m-%d %H:%M} and tell the {told} "
                "registered or waiting now? [y/N] "
            )
        if not args.yes and not _agreed(question, told):
            print("nothing cancelled")
            return 1
        async with app.database.transaction() as session:
            services = app.services
            notices = TrainingNotices(session, settings, services.templates, services.clock())
            return await _cancel(app, session, notices, args)


def _agreed(question: str, told: int) -> bool:
    if not sys.stdin.isatty():
        raise Refused(
            f"cancelling tells {told} registered or waiting at once: "
            "run it at a terminal to confirm, or add --yes",
            code=USAGE,
        )
    try:
        answer = input(question)
    except EOFError:
        return False
    return answer.strip().casefold() in ("y", "yes", "j", "ja")


async def _cancel(
    app: App, session: AsyncSession, notices: TrainingNotices, args: argparse.Namespace
) -> int:
    try:  # cancelled by someone else while we asked: nobody is told again
        training, told = await changes.cancel(session, notices, args.id, reason=args.reason)
    except changes.ChangeRefused as refused:
        raise _refused(args.id, refused) from None
    print(f"{training.id}: cancelled; {told} registered or waiting will be told")
    return 0


async def _attendees(
    app: App, session: AsyncSession, notices: TrainingNotices, args: argparse.Namespace
) -> int:
    training = await session.get(Training, args.id)
    if training is None:
        raise Refused(f"no training {args.id!r}")
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
    print_rows(rows, args.format, columns=ATTENDEE_COLUMNS, empty="(nobody)")
    return 0


async def _announce(
    app: App, session: AsyncSession, notices: TrainingNotices, args: argparse.Namespace
) -> int:
    try:
        queued = await changes.announce(session, notices, args.id)
    except changes.ChangeRefused as refused:
        raise _refused(args.id, refused) from None
    print(f"{args.id}: announcement queued for {queued} member(s)")
    return 0


def _refused(training_id: str, refused: changes.ChangeRefused) -> Refused:
    """The CLI's sentence for a change refused."""
    if refused.reason == "cancelled":
        return Refused(f"{training_id} is cancelled already; nobody is told again")
    if refused.reason == "not_open":
        return Refused(f"{training_id} is not open for registration; nothing announced")
    return Refused(f"no training {training_id!r}")
