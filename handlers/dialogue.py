"""A running form: its answers and buttons go to the form engine, and anything else that
interrupts it (a command, another button) is answered before the form asks again.

While a form runs every turn passes here first. What is not the form's is handled by the
handler that would have taken it anyway; if that left the form where it was, the
interrupting replies keep their text but lose their buttons and the current question
follows, so the last choices shown (and the numbers of the console) are always the form's.
"""

from __future__ import annotations

import dataclasses

from bot.forms import ACTION_PREFIX
from bot.messages import Reply
from bot.routing import Handler, owns
from bot.turn import Turn

CONTROL_COMMANDS = {"back", "skip", "cancel", "done"}


class ActiveForm:
    prefixes = frozenset({ACTION_PREFIX})

    def check(self, turn: Turn) -> bool:
        if owns(self, turn.incoming.action):
            return True
        return turn.services.forms.active(turn) is not None

    async def handle(self, turn: Turn) -> list[Reply]:
        forms = turn.services.forms
        if self._for_the_form(turn):
            return await forms.handle(turn)
        state = turn.state
        before = (state.form, state.step, state.mode, state.version)
        handler = self._other(turn)
        if handler is None:
            replies = [turn.reply("unknown_action", notice=True)]
        else:
            replies = await handler.handle(turn)
        after = (state.form, state.step, state.mode, state.version)
        if after != before or turn.member.forgotten_at is not None:
            return replies  # the form moved on, ended or was replaced, or the member left
        again = forms.ask(turn)
        if again is None:
            return replies
        return [*(dataclasses.replace(reply, choices=()) for reply in replies), again]

    def _for_the_form(self, turn: Turn) -> bool:
        if turn.incoming.action is not None:
            return owns(self, turn.incoming.action)
        command = turn.incoming.command
        return command is None or command[0] in CONTROL_COMMANDS

    def _other(self, turn: Turn) -> Handler | None:
        """The handler that takes this turn when no form runs."""
        handlers = turn.services.router.handlers
        return next((h for h in handlers if h is not self and h.check(turn)), None)
