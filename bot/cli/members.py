"""``optobot members``: the office acting on a member's request about their data.

A member is named as the office knows them: the id, the chat (``telegram:10001``) or the
e-mail address they gave in a project idea or a training registration.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Awaitable, Callable

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import privacy
from bot.app import App, open_app
from bot.cli.errors import Refused
from bot.messages import plain_number
from bot.settings import Settings
from bot.storage import ChannelIdentity, Member, Registration


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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
        action.add_argument(
            "member",
            help="member id, CHANNEL:USER_ID (e.g. telegram:10001) or the member's e-mail address",
        )
        action.set_defaults(run=run)


async def find(session: AsyncSession, reference: str) -> Member | None:
    """The member named by id, chat or e-mail; several with one address are refused."""
    reference = reference.strip()
    if "@" in reference:
        return await _by_email(session, reference)
    channel, _, user_id = reference.partition(":")
    if user_id:
        query = select(Member).join(ChannelIdentity).filter_by(channel=channel, user_id=user_id)
        return (await session.execute(query)).scalar_one_or_none()
    number = plain_number(reference)
    return await session.get(Member, number) if number is not None else None


async def _by_email(session: AsyncSession, address: str) -> Member | None:
    folded = address.casefold()
    given = select(Member.id).where(func.lower(Member.email) == folded)
    registered = select(Registration.member_id).where(func.lower(Registration.email) == folded)
    query = (
        select(Member)
        .where(Member.id.in_(given.union(registered)), Member.forgotten_at.is_(None))
        .order_by(Member.id)
    )
    members = list((await session.execute(query)).scalars())
    if len(members) > 1:
        ids = ", ".join(str(member.id) for member in members)
        raise Refused(f"{address} belongs to members {ids}: name one by its id")
    return members[0] if members else None


def _export(settings: Settings, args: argparse.Namespace) -> int:
    async def run(app: App) -> int:
        async with app.database.transaction() as session:
            member = await find(session, args.member)
            if member is None:
                raise _unknown(args.member)
            data = await privacy.export(session, member)
        print(privacy.export_json(data).decode())
        return 0

    return asyncio.run(_with_app(settings, run))


def _forget(settings: Settings, args: argparse.Namespace) -> int:
    async def run(app: App) -> int:
        async with app.database.transaction() as session:
            member = await find(session, args.member)
            if member is None or member.forgotten_at is not None:
                raise _unknown(args.member)
            result = await privacy.forget(session, member, app.services)
        print(json.dumps({"member": member.id, **vars(result)}, indent=2))
        return 0

    return asyncio.run(_with_app(settings, run))


async def _with_app(settings: Settings, run: Callable[[App], Awaitable[int]]) -> int:
    async with open_app(settings) as app:
        return await run(app)


def _unknown(reference: str) -> Refused:
    return Refused(f"no member {reference!r}")
