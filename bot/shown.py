"""The choices a numbered channel (the console) showed last, kept with the dialogue.

The console numbers every button it prints and maps a typed number to it itself; after a
restart it has forgotten them, so the Assistant keeps the same list in the dialogue row
and a number typed into a fresh session presses what it meant in the last one. Channels
with real buttons (Telegram, Slack) show no numbers, so nothing is stored for them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from bot.messages import Incoming, Reply, plain_number
from bot.storage.dialogues import Dialogue

NUMBERED = frozenset({"console"})


def pressed(state: Dialogue, incoming: Incoming) -> Incoming:
    """A typed number within the stored choices becomes the press of that button."""
    if incoming.channel not in NUMBERED or incoming.action is not None:
        return incoming
    choices = state.choices or []
    number = plain_number((incoming.text or "").strip(), maximum=len(choices))
    if number is None or number < 1:
        return incoming
    return dataclasses.replace(incoming, text=None, action=str(choices[number - 1][1]))


def remember(state: Dialogue, incoming: Incoming, replies: Sequence[Reply]) -> None:
    """The buttons of this turn's replies in the order the console numbers them."""
    if incoming.channel not in NUMBERED:
        return
    shown = [[choice.label, choice.action] for reply in replies for choice in reply.choices]
    if shown != (state.choices or []):
        state.choices = shown or None
