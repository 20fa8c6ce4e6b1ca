"""What ``serve`` and the outbox need from a channel adapter."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from aiohttp import web

from bot.messages import Reply


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
    sender: Sender

    def install(self, server: web.Application) -> None: ...

    async def start(self) -> None: ...

    async def announce(self) -> None: ...

    async def stop(self) -> None: ...

    @property
    def running(self) -> bool: ...
