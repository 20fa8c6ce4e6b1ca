"""What ``serve`` needs from a channel adapter."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from aiohttp import web

from bot.messages import Reply


class Channel(Protocol):
    """A running platform connection.

    ``install`` adds the channel's routes to the one HTTP server before it starts;
    ``send`` delivers replies the assistant sends on its own (notices, reminders).
    """

    name: str

    def install(self, server: web.Application) -> None: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    @property
    def running(self) -> bool: ...

    async def send(self, chat_id: str, replies: Sequence[Reply]) -> None: ...
