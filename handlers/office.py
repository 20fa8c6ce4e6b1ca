"""``/office`` in a private chat: a staff member gets a one-time sign-in link to the office.

Anyone else's ``/office`` is not matched here and gets the ordinary unknown-command answer,
so the command reveals nothing. Staff who send it in a group are asked to use a private
chat: a link in a group could be opened by everyone in it.
"""

from __future__ import annotations

from bot.messages import Reply
from bot.office.links import sign_in_link
from bot.office.staff import StaffMember
from bot.office.tokens import LINK_LIFETIME
from bot.turn import Turn

COMMAND = "office"


class OfficeSignIn:
    commands = frozenset({COMMAND})
    """Passed on as a command by every channel (in Slack: ``/optobot office``, or "office"
    typed in the DM)."""

    def check(self, turn: Turn) -> bool:
        command = turn.incoming.command
        return command is not None and command[0] == COMMAND and turn.is_staff

    async def handle(self, turn: Turn) -> list[Reply]:
        if not turn.incoming.private:
            return [turn.reply("staff/office_private_only")]
        incoming = turn.incoming
        staff = StaffMember(
            incoming.channel, incoming.user_id, incoming.display_name or incoming.user_id
        )
        url = await sign_in_link(turn.session, turn.services, staff)
        minutes = int(LINK_LIFETIME.total_seconds() // 60)
        return [turn.reply("staff/office_link", url=url, minutes=minutes)]
