"""``optobot office link --staff telegram:ID``: a one-time sign-in link to the office web app.

For the admin on the server when the chat is not at hand; the link is the last line of the
output, so a script can take it with ``tail -n 1``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from sqlalchemy import select

from bot.app import open_app
from bot.office.links import sign_in_link
from bot.office.staff import NotStaff, StaffMember, parse_staff
from bot.office.tokens import LINK_LIFETIME
from bot.settings import Settings
from bot.storage import ChannelIdentity, Member


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    command = commands.add_parser(
        "office", help="the office web app", description="The office web app under /office/."
    )
    actions = command.add_subparsers(dest="action", required=True, metavar="ACTION")
    link = actions.add_parser("link", help="print a one-time sign-in link for a staff member")
    link.add_argument(
        "--staff", required=True, metavar="CHANNEL:ID", help="telegram:123456 or slack:U01AB2CD"
    )
    link.add_argument("--name", help="the name the office shows (default: as the chat knows it)")
    link.set_defaults(run=run_link)


async def _link(settings: Settings, channel: str, user_id: str, name: str | None) -> str:
    async with open_app(settings) as app, app.database.transaction() as session:
        if name is None:
            name = await session.scalar(
                select(Member.display_name)
                .join(ChannelIdentity, ChannelIdentity.member_id == Member.id)
                .where(ChannelIdentity.channel == channel, ChannelIdentity.user_id == user_id)
            )
        staff = StaffMember(channel, user_id, name or f"{channel}:{user_id}")
        return await sign_in_link(session, app.services, staff)


def run_link(settings: Settings, args: argparse.Namespace) -> int:
    try:
        channel, user_id = parse_staff(args.staff)
        url = asyncio.run(_link(settings, channel, user_id, args.name))
    except NotStaff as refused:
        print(f"optobot office: {refused}", file=sys.stderr)
        return 1
    minutes = int(LINK_LIFETIME.total_seconds() // 60)
    print(f"Sign-in link for {args.staff}, valid {minutes} minutes, for one sign-in:")
    print(url)
    return 0
