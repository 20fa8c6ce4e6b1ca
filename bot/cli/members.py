"""``optobot members``: the office acting on a member's request about their data."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import privacy
from bot.app import App, open_app
from bot.messages import plain_number
from bot.settings import Settings
from bot.storage import ChannelIdentity, Member


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    command = commands.add_parser(
        "members",
        help="a member's data on request",
        description="Export or delete a member's data on their request (GDPR).",
    )
    actions = command.add_subparsers(dest="action", required=True, metavar="ACTION")
    for name, help_text, run in (
        ("export", "print everything stored about a member as JSON", _export),
        ("forget", "delete or anonymise a member's personal data", _forget),
    ):
        action = actions.add_parser(name, help=help_text, description=help_text)
        action.add_argument("member", help="member id, or CHANNEL:USER_ID (e.g. telegram:10001)")
        action.set_defaults(run=run)


async def find(session: AsyncSession, reference: str) -> Member | None:
    channel, _, user_id = reference.partition(":")
    if user_id:
        query = select(Member).join(ChannelIdentity).filter_by(channel=channel, user_id=user_id)
        return (await session.execute(query)).scalar_one_or_none()
    number = plain_number(reference)
    return await session.get(Member, number) if number is not None else None


def _export(settings: Settings, args: argparse.Namespace) -> int:
    async def run(app: App) -> int:
        async with app.database.transaction() as session:
            member = await find(session, args.member)
            if member is None:
                return _unknown(args.member)
            data = await privacy.export(session, member)
        print(privacy.export_json(data).decode())
        return 0

    return asyncio.run(_with_app(settings, run))


def _forget(settings: Settings, args: argparse.Namespace) -> int:
    async def run(app: App) -> int:
        async with app.database.transaction() as session:
            member = await find(session, args.member)
            if member is None or member.forgotten_at is not None:
                return _unknown(args.member)
            result = await privacy.forget(session, member, app.services)
        print(json.dumps({"member": member.id, **vars(result)}, indent=2))
        return 0

    return asyncio.run(_with_app(settings, run))


async def _with_app(settings: Settings, run: object) -> int:
    async with open_app(settings) as app:
        return await run(app)  # type: ignore[operator]


def _unknown(reference: str) -> int:
    print(f"optobot members: no member {reference!r}", file=sys.stderr)
    return 1
