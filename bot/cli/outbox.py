"""``optobot outbox list|retry``: what still waits to be sent, what failed, and a new try."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.app import open_app
from bot.cli.errors import Refused
from bot.cli.tables import FORMATS, local_time, print_rows
from bot.delivery.outbox import FINISHED
from bot.settings import Settings
from bot.storage import OutboxMessage, utcnow


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    command = commands.add_parser(
        "outbox",
        help="messages waiting to be sent or failed",
        description="The outbox: messages to staff and members, delivered by serve and chat.",
    )
    actions = command.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="pending and failed messages (default)")
    listing.add_argument(
        "--status", choices=["pending", "failed", "sent", "superseded", "all"], help="only these"
    )
    listing.add_argument("--format", choices=FORMATS, default="table")
    listing.set_defaults(run=run_list)
    retry = actions.add_parser("retry", help="queue failed messages again")
    which = retry.add_mutually_exclusive_group(required=True)
    which.add_argument("id", nargs="?", type=int, metavar="ID", help="one message")
    which.add_argument("--all", action="store_true", help="every failed message")
    retry.set_defaults(run=run_retry)


async def _rows(settings: Settings, status: str | None) -> list[OutboxMessage]:
    async with open_app(settings) as app, app.database.transaction() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if status is None:
            query = query.where(OutboxMessage.status.in_(("pending", "failed")))
        elif status != "all":
            query = query.where(OutboxMessage.status == status)
        return list((await session.execute(query)).scalars())


COLUMNS = ("id", "status", "tries", "target", "kind", "next_try", "key", "error")


def _row(message: OutboxMessage, zone: ZoneInfo) -> dict[str, Any]:
    pending = message.status == "pending"
    return {
        "id": message.id,
        "status": message.status,
        "tries": message.attempts,
        "target": message.target,
        "kind": message.kind,
        "next_try": local_time(message.next_attempt_at, zone) if pending else "",
        "key": message.key,
        "error": (message.last_error or "").split("\n")[0][:80],
    }


def _as_dict(message: OutboxMessage) -> dict[str, Any]:
    return {
        "id": message.id,
        "status": message.status,
        "attempts": message.attempts,
        "target": message.target,
        "kind": message.kind,
        "key": message.key,
        "created_at": message.created_at.isoformat(),
        "next_attempt_at": message.next_attempt_at.isoformat(),
        "sent_at": message.sent_at.isoformat() if message.sent_at else None,
        "last_error": message.last_error,
    }


def run_list(settings: Settings, args: argparse.Namespace) -> int:
    messages = asyncio.run(_rows(settings, args.status))
    if args.format == "json":
        print_rows([_as_dict(message) for message in messages], "json", columns=(), empty="")
        return 0
    nothing = "outbox: nothing " + ("waiting or failed" if args.status is None else args.status)
    rows = [_row(message, settings.office_zone) for message in messages]
    print_rows(rows, args.format, columns=COLUMNS, empty=nothing)
    return 0


async def _retry(settings: Settings, row_id: int | None) -> int:
    async with open_app(settings) as app, app.database.transaction() as session:
        query = select(OutboxMessage).where(OutboxMessage.status == "failed")
        if row_id is not None:
            query = select(OutboxMessage).where(OutboxMessage.id == row_id)
        rows = list((await session.execute(query)).scalars())
        for row in rows:
            if row.status in FINISHED or not row.payload:  # emptied by retention: gone
                continue
            row.status, row.attempts, row.next_attempt_at = "pending", 0, utcnow()
        return sum(row.status == "pending" for row in rows)


def run_retry(settings: Settings, args: argparse.Namespace) -> int:
    count = asyncio.run(_retry(settings, None if args.all else args.id))
    if args.id is not None and count == 0:
        raise Refused(f"no unsent message {args.id}")
    print(f"queued again: {count}")
    return 0
