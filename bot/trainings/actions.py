"""The trainings' button actions, built in one place: the chat handler, the notices in the
outbox and the Slack home tab draw the same buttons, and the handler owns :data:`PREFIX`.

Each action is at most 64 bytes (Telegram's limit): ids and uids are short.
"""

from __future__ import annotations

from typing import NamedTuple

PREFIX = "tr:"
MINE = f"{PREFIX}mine"
"""The member's own registrations (/mytrainings)."""
LIST = f"{PREFIX}list"
KEEP = f"{PREFIX}keep"


class Action(NamedTuple):
    """A pressed trainings button: its verb and the id or uid it is about (or "")."""

    verb: str
    value: str


def topic(name: str) -> str:
    return f"{PREFIX}topic:{name}"


def show(training_id: str) -> str:
    return f"{PREFIX}show:{training_id}"


def register(training_id: str) -> str:
    return f"{PREFIX}reg:{training_id}"


def ask_cancel(uid: str) -> str:
    """Asks whether to cancel the registration; :func:`drop` does it."""
    return f"{PREFIX}cancel:{uid}"


def drop(uid: str) -> str:
    return f"{PREFIX}drop:{uid}"


def calendar(uid: str) -> str:
    return f"{PREFIX}ics:{uid}"


def parse(action: str) -> Action:
    verb, _, value = action.removeprefix(PREFIX).partition(":")
    return Action(verb, value)
