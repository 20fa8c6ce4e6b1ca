"""Routes answers and form buttons to the form engine while a form is running."""

from __future__ import annotations

from bot.messages import Reply
from bot.turn import Turn

CONTROL_COMMANDS = {"back", "skip", "cancel"}


class ActiveForm:
    def check(self, turn: Turn) -> bool:
        action = turn.incoming.action
        if action is not None:
            return action.startswith("f:")
        command = turn.incoming.command
        running = turn.services.forms is not None and turn.services.forms.active(turn) is not None
        return running and (command is None or command[0] in CONTROL_COMMANDS)

    async def handle(self, turn: Turn) -> list[Reply]:
        assert turn.services.forms is not None
        return await turn.services.forms.handle(turn)
