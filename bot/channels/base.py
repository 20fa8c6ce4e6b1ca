"""What ``serve`` and the outbox need from a channel adapter, and what the core knows of
each channel (:class:`ChannelSpec`).

Nothing here imports a platform library: a spec builds its channel and sender through
imports inside its functions, so ``optobot chat`` and the outbox load neither Telegram's
nor Slack's library unless that channel is configured.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from aiohttp import web

from bot.messages import Reply

if TYPE_CHECKING:
    from bot.app import App
    from bot.settings import Settings


class ChannelStartError(Exception):
    """A channel cannot start (a rejected token, an unreachable API); says why in one line."""


class Sender(Protocol):
    """Sends replies to a chat without an incoming event: reminders, notices, staff cards.

    Returns the platform's references of the messages sent (for ``replace_sent``). Raises on
    failure, so the outbox can retry.
    """

    async def send(self, chat_id: str, replies: Sequence[Reply]) -> list[str]: ...

    async def send_in_thread(
        self, chat_id: str, replies: Sequence[Reply], thread: str | None
    ) -> list[str]:
        """Like ``send``, under the message ``send`` returned the reference ``thread`` for
        (Slack: in its thread; Telegram: as a reply to it); without one, like ``send``."""

    async def replace_sent(self, chat_id: str, refs: Sequence[str], reply: Reply) -> None:
        """Show ``reply`` in place of the message ``send`` returned ``refs`` for (a staff
        card whose lead moved on). Raises when the platform may take it later."""


class Channel(Protocol):
    """A running platform connection.

    ``install`` adds the channel's routes to the one HTTP server; ``start`` makes the
    channel ready to handle what those routes receive, before the server listens; once it
    listens, ``announce`` tells the platform where to post (Telegram's webhook), which is
    nothing for channels that connect out.
    """

    name: str

    @property
    def sender(self) -> Sender:
        """Read-only, so a channel may hold its own kind of Sender."""
        ...

    def install(self, server: web.Application) -> None: ...

    async def start(self) -> None: ...

    async def announce(self) -> None: ...

    async def stop(self) -> None: ...

    @property
    def running(self) -> bool: ...


def _nothing(settings: Settings) -> None:
    return None


@dataclass(frozen=True, slots=True)
class ChannelSpec:
    """One platform as the core sees it; :mod:`bot.channels.registry` holds one per channel.

    Every question the core asks about a platform (is it set up, who are its staff, where
    is the staff chat, what do its tokens look like) is answered here, so a new platform
    is a new spec and the modules it names, and no ``if telegram … elif slack`` elsewhere.
    """

    name: str
    """The ``Incoming.channel`` and outbox target of this platform."""
    configured: Callable[[Settings], bool]
    """Whether ``serve`` can run this channel with these settings."""
    make_channel: Callable[[App], Channel]
    make_sender: Callable[[Settings], Sender]
    """A sender without a running channel, for a staff chat of a process that does not
    run it (``optobot chat``); the outbox closes it (``close()``) when done."""
    can_send: Callable[[Settings], bool]
    """Whether ``make_sender`` has the credentials it needs."""
    staff_chat: Callable[[Settings], str | None]
    """The staff chat's id, or None when none is configured."""
    staff_ids: Callable[[Settings], frozenset[str]]
    """The platform user ids of the office's staff."""
    needs: str
    """What to set to configure it, for the error of a ``serve`` with no channel."""
    secret_patterns: tuple[str, ...] = ()
    """Regular expressions of the platform's tokens, masked in every log line."""
    command_prefix: str = ""
    """What a member types before a command's name where ``/name`` is not ours to take
    (Slack's ``/optobot ``); empty for ``/``, as Telegram and the console have it."""
    id_length: int = 255
    """The longest user or chat id the platform gives (the columns hold 255)."""
    workers_problem: Callable[[Settings], str | None] = _nothing
    """Why ``serve --workers`` cannot run with this channel configured, or None."""
    prepare: Callable[[Settings], None] = _nothing
    """What the workers of ``serve --workers`` share and must not race for (Telegram's
    generated webhook secret), made once before they start."""
