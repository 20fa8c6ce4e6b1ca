"""Buttons that confirm something that cannot be undone (forgetting a member's data).

Such a button carries the member it was shown to and a one-time token the assistant kept
in that member's dialogue state when it asked (``<member>.<token>``). A press counts only
with the token it issued: someone else's press (a group, a forwarded message) or a forged
action without the question before it does nothing. The dialogue state is per chat and
user, so the token is only ever found by the member it was shown to, in that chat.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Literal

from bot.turn import Turn

KEY = "_confirm"
"""Where the tokens live in ``DialogueState.data``; forms leave ``_`` keys out of answers."""

Check = Literal["ok", "expired", "not_yours"]


def issue(turn: Turn, purpose: str) -> str:
    """A fresh token for ``purpose``, remembered for this member and chat: the payload of
    the confirming button."""
    token = secrets.token_urlsafe(9)
    tokens = {**(turn.state.data.get(KEY) or {}), purpose: token}
    turn.state.data = {**turn.state.data, KEY: tokens}
    return f"{turn.member.id}.{token}"


def redeem(turn: Turn, purpose: str, presented: str) -> Check:
    """Whether ``presented`` is the token issued for ``purpose``; a token works once."""
    member, _, token = presented.partition(".")
    if member and member != str(turn.member.id):
        return "not_yours"
    tokens = dict(turn.state.data.get(KEY) or {})
    expected = tokens.pop(purpose, None)
    if expected is None or not hmac.compare_digest(token.encode(), str(expected).encode()):
        return "expired"
    turn.state.data = {**turn.state.data, KEY: tokens}
    return "ok"


def withdraw(turn: Turn, purpose: str) -> None:
    """The question was answered otherwise ("no"): its token is gone."""
    tokens = dict(turn.state.data.get(KEY) or {})
    if tokens.pop(purpose, None) is not None:
        turn.state.data = {**turn.state.data, KEY: tokens}
