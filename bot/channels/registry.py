"""The channels the assistant knows, one :class:`~bot.channels.base.ChannelSpec` each.

The core asks these functions, never names a platform: a third channel is one more spec in
``SPECS``. They read ``SPECS`` on every call, so a test may put a spec of its own in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.channels.base import ChannelSpec
from bot.channels.slack_spec import SLACK
from bot.channels.telegram_spec import TELEGRAM

if TYPE_CHECKING:
    from bot.settings import Settings

SPECS: tuple[ChannelSpec, ...] = (SLACK, TELEGRAM)
"""In the order staff targets are listed and channels started."""


def specs() -> tuple[ChannelSpec, ...]:
    return SPECS


def find(name: str) -> ChannelSpec | None:
    """The spec of the channel ``name``, or None for e-mail, the console or a typo."""
    return next((spec for spec in SPECS if spec.name == name), None)


def staff_chats(settings: Settings) -> dict[str, str]:
    """The configured staff chats, by channel name."""
    chats = {}
    for spec in SPECS:
        chat = spec.staff_chat(settings)
        if chat is not None:
            chats[spec.name] = chat
    return chats


def secret_patterns() -> tuple[str, ...]:
    """The token shapes of every channel, for the log's redaction."""
    return tuple(pattern for spec in SPECS for pattern in spec.secret_patterns)
