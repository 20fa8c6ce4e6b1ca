"""The seam between channels and dialogues: what comes in, what goes out.

Handlers never see a platform object and channels never see a dialogue; these small
values are all they share.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

MAX_ACTION_BYTES = 64
"""Telegram's callback-data limit; every action must fit, so adapters can pass it as is."""
MAX_ID = 2**31 - 1
"""The largest id an INTEGER column holds on every backend."""
_PLAIN_NUMBER = re.compile(r"[0-9]{1,10}")


def plain_number(text: str, *, maximum: int = MAX_ID) -> int | None:
    """An action payload's or a typed choice's number: ASCII digits only, up to ``maximum``.

    ``str.isdigit`` also accepts "²" or "٣", which ``int`` then refuses (or reads as 3),
    and an id past the column's range fails in the database: both would reach the member
    as an apology. Anything but a plain number in range is None, which callers treat as an
    unknown payload and answer clearly.
    """
    if not _PLAIN_NUMBER.fullmatch(text):
        return None
    number = int(text)
    return number if number <= maximum else None


@dataclass(frozen=True, slots=True)
class Incoming:
    """One member event: a text message, a pressed button, or something with no text to
    read (``unsupported``: a sticker, photo or voice message is "media", a changed message
    "edit"), which the Assistant counts like a message and answers with a short note."""

    channel: str
    user_id: str
    chat_id: str
    event_id: str
    text: str | None = None
    action: str | None = None
    locale: str | None = None
    private: bool = True
    display_name: str | None = None
    extras: Mapping[str, Any] = field(default_factory=dict)
    unsupported: Literal["media", "edit"] | None = None

    @property
    def command(self) -> tuple[str, str] | None:
        """``("language", "en")`` for ``/language en``; None when the text is no command."""
        text = (self.text or "").strip()
        if not text.startswith("/") or len(text) < 2:
            return None
        name, _, rest = text[1:].partition(" ")
        name = name.split("@", 1)[0].lower()
        return (name, rest.strip()) if name.isidentifier() else None


@dataclass(frozen=True, slots=True)
class Choice:
    """A button: the label the member sees and the action that comes back when pressed."""

    label: str
    action: str

    def __post_init__(self) -> None:
        if len(self.action.encode()) > MAX_ACTION_BYTES:
            raise ValueError(f"action longer than {MAX_ACTION_BYTES} bytes: {self.action!r}")


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content: bytes
    mime_type: str


@dataclass(frozen=True, slots=True)
class Reply:
    """What to show, not how: text in a small Markdown subset, buttons, maybe a file.

    ``notice`` marks a short answer to a button press (a stale button, a refusal) that a
    channel may show as a toast or ephemeral message instead of a new message. ``edit``
    asks the channel to replace the message whose button was pressed (a staff card that
    now shows who claimed the lead) instead of sending a new one.
    """

    text: str
    choices: tuple[Choice, ...] = ()
    attachment: Attachment | None = None
    notice: bool = False
    edit: bool = False
