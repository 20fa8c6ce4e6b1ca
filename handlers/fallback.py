"""The last resort: text nobody else took, or a button nobody knows."""

from __future__ import annotations

from bot.messages import Reply
from bot.turn import Turn


class Fallback:
    def check(self, turn: Turn) -> bool:
        return True

    async def handle(self, turn: Turn) -> list[Reply]:
        if turn.incoming.action is not None:
            return [turn.reply("unknown_action", notice=True)]
        if turn.incoming.command is not None:
            return [turn.reply("unknown_command", name=turn.incoming.command[0])]
        return [turn.reply("not_understood")]
