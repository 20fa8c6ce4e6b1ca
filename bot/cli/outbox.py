"""``optobot outbox list|retry``: what still waits to be sent, what failed, and a new try."""

from __future__ import annotations

import argparse
import asyncio
import sys

from sqlalchemy import select

from bot.app import open_app
from bot.delivery.outbox import FINISHED
from bot.settings import Settings
from bot.storage import OutboxMessage, utcnow


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
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


def run_list(settings: Settings, args: argparse.Namespace) -> int:
    rows = asyncio.run(_rows(settings, args.status))
    if not rows:
        print("outbox: nothing " + ("waiting or failed" if args.status is None else args.status))
        return 0
    print(f"{'ID':>5}  {'STATUS':<10} {'TRIES':>5}  {'TARGET':<8} {'NEXT TRY':<16}  KEY / ERROR")
    for row in rows:
        when = row.next_attempt_at.strftime("%Y-%m-%d %H:%M") if row.status == "pending" else ""
        error = f"  ({row.last_error.splitlines()[0][:80]})" if row.last_error else ""
        print(
            f"{row.id:>5}  {row.status:<10} {row.attempts:>5}  {row.target:<8} {when:<16}  "
            f"{row.key}{error}"
        )
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
    if args.id is None and not args.all:
        print("optobot outbox retry: give an ID or --all", file=sys.stderr)
        return 2
    count = asyncio.run(_retry(settings, None if args.all else args.id))
    if args.id is not None and count == 0:
        print(f"optobot outbox: no unsent message {args.id}", file=sys.stderr)
        return 1
    print(f"queued again: {count}")
    return 0
