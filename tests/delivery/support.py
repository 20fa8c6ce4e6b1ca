"""Leads stored directly (no dialogue) and senders that record, fail or wait on demand."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from bot.app import App
from bot.leads.records import create_lead
from bot.messages import Reply
from bot.storage import ChannelIdentity, Member

FIELDS = {
    "title": "Glass drilling with ultrashort pulses",
    "description": "We drill micro holes in glass and look for a partner in Japan.",
    "organisation": "Photon GmbH",
    "contact_name": "Anna Schmidt",
    "email": "anna@photon.example",
}


async def store_lead(
    app: App, fields: dict[str, Any] | None = None, *, kind: str = "idea", user: str = "m-1"
) -> str:
    async with app.database.transaction() as session:
        now = app.services.clock()
        member = Member(language="en", created_at=now)
        identity = ChannelIdentity(
            channel="console", user_id=user, chat_id=user, member=member, created_at=now
        )
        session.add(identity)
        await session.flush()
        lead = await create_lead(
            session,
            app.services,
            kind=kind,
            member=member,
            channel="console",
            language="en",
            fields=dict(FIELDS if fields is None else fields),
        )
        return lead.ref


class RecordingSender:
    """A Sender that keeps what it sent; ``fail(n)`` raises on the next n sends or edits."""

    def __init__(self, name: str = "sender") -> None:
        self.name = name
        self.sent: list[tuple[str, list[Reply]]] = []
        self.replaced: list[tuple[str, list[str], Reply]] = []
        self.threads: list[str | None] = []
        self._failures = 0

    def fail(self, times: int) -> None:
        self._failures = times

    async def send(self, chat_id: str, replies: Sequence[Reply]) -> list[str]:
        await self._reach_platform()
        self.sent.append((chat_id, list(replies)))
        return [f"{self.name}-{len(self.sent)}"]

    async def send_in_thread(
        self, chat_id: str, replies: Sequence[Reply], thread: str | None
    ) -> list[str]:
        self.threads.append(thread)
        return await self.send(chat_id, replies)

    async def replace_sent(self, chat_id: str, refs: Sequence[str], reply: Reply) -> None:
        await self._reach_platform()
        self.replaced.append((chat_id, list(refs), reply))

    async def _reach_platform(self) -> None:
        await asyncio.sleep(0)  # let a concurrent worker run in between
        if self._failures:
            self._failures -= 1
            raise ConnectionError("platform unavailable")
