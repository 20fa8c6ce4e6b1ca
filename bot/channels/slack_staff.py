"""Staff replies in the Slack staff channel: a message in a card's thread is an answer.

A person's message in the configured staff channel with a ``thread_ts`` other than its
own ``ts`` replies in a thread; from a staff id it becomes an :class:`Incoming` marked
with the thread's parent (``answer_to`` = ``channel:thread_ts``, as the outbox stored the
card's reference), which :class:`handlers.answers.StaffAnswers` matches against the
question cards. Anyone else's, and anything outside a thread, is ignored.
"""

from __future__ import annotations

import html
import re
from typing import Any

from bot.settings import Settings

SPECIAL = re.compile(r"<([!@#])([^>|]*)(?:\|([^>]*))?>|<([^>|]+)(?:\|([^>]*))?>")
"""Slack's markup in a message's text: ``<!channel>``, ``<@U01>``, ``<#C01|name>``,
``<https://…|label>``."""
PERSON = {None, "thread_broadcast"}
"""Message subtypes that are a person writing text (no edits, joins, bot posts)."""


def staff_thread_reply(event: dict[str, Any], settings: Settings) -> dict[str, str] | None:
    """The extras of a staff member's reply in a thread of the staff channel, else None."""
    channel, thread, ts = event.get("channel"), event.get("thread_ts"), event.get("ts")
    if (
        not settings.staff_slack_channel
        or channel != settings.staff_slack_channel
        or not thread
        or thread == ts
        or event.get("subtype") not in PERSON
        or event.get("bot_id")
        or event.get("user") not in settings.staff_slack_ids
    ):
        return None
    return {"answer_to": f"{channel}:{thread}", "source": f"slack:{channel}:{ts}"}


def as_written(text: str) -> str:
    """The text as the staff member saw it in Slack: ``<!channel>`` as "@channel", a
    link as its label and address, and ``&lt;`` back to "<"; what they typed literally is
    then shown literally to the member, on any channel."""

    def shown(found: re.Match[str]) -> str:
        sigil, name, label, url, text = found.groups()
        if sigil is not None:
            word = label or name.split("^")[0]
            return ("#" if sigil == "#" else "@") + word
        return f"{text} ({url})" if text and text != url else url

    return html.unescape(SPECIAL.sub(shown, text))
