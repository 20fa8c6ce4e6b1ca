"""The delivery worker: sends due outbox rows, retries with backoff, gives up visibly.

A row is *claimed* in a short transaction before it is sent: its attempt is counted and its
next attempt moved a lease ahead, so a second worker (or process) skips it: PostgreSQL
with ``FOR UPDATE SKIP LOCKED``, SQLite because its writers are serialised. Success marks
it sent; failure schedules the next attempt with exponential backoff, or marks it failed
after ``outbox_max_attempts``. A worker that dies mid-send leaves the row to be retried
when the lease ends: a message may then arrive twice, never not at all.

Edits of a staff card go out in the order they were made: one waits while an earlier edit
of the same card is on its way, and one that a later edit follows is *superseded* without
being sent, so a slow retry or a second worker cannot put an old status back on the card.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from contextlib import suppress
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels import registry
from bot.channels.base import Sender
from bot.delivery.email import EmailTransport
from bot.delivery.outbox import replies_from_payload
from bot.leads.cards import card_edits
from bot.settings import Settings
from bot.storage import Database, OutboxMessage, utcnow

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=2)
MEMBER = "member"
"""The target of a message to a member; its payload names the channel."""


class NotSentYet(Exception):
    """A change to a message that, or an earlier change to which, still waits in the
    outbox: retried later."""


async def _other_edits(session: AsyncSession, row: OutboxMessage) -> list[OutboxMessage]:
    """The other rows that edit the card ``row`` edits; ids give their order, since a
    lead's status changes hold its row lock while they queue their edits."""
    query = card_edits(row.payload["replaces"]).where(OutboxMessage.id != row.id)
    return list((await session.execute(query)).scalars())


async def _sent_refs(session: AsyncSession, key: str) -> list[str] | None:
    """The references of the message keyed ``key``: None while it waits to be sent, none
    when it was given up or never queued (nothing to change then)."""
    row = (
        await session.execute(select(OutboxMessage).where(OutboxMessage.key == key))
    ).scalar_one_or_none()
    if row is not None and row.status == "pending":
        return None
    if row is None or row.status != "sent" or not row.external_ref:
        return []
    return row.external_ref.split(",")


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min … capped at two hours: the wait after the n-th failure."""
    wait: timedelta = min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_RETRY)
    return wait


class DeliveryWorker:
    """Delivers through the senders it is given (by channel name) and the SMTP transport."""

    def __init__(
        self,
        database: Database,
        settings: Settings,
        senders: Mapping[str, Sender],
        *,
        clock: Callable[[], datetime] = utcnow,
        email: EmailTransport | None = None,
        batch: int = 20,
        interval: float = 2.0,
        only_chat: Mapping[str, str] | None = None,
    ) -> None:
        self.database = database
        self.settings = settings
        self.senders = dict(senders)
        self.only_chat = dict(only_chat or {})
        """Channels whose sender reaches one chat, by name: a console session delivers its
        own member's messages and leaves the others' for their sessions."""
        self.clock = clock
        self.email = email or EmailTransport(settings)
        self.batch = batch
        self.interval = interval
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    # one pass ---------------------------------------------------------------------------

    async def deliver_due(self) -> int:
        """Send every row that is due now; returns how many were sent."""
        sent = 0
        while rows := await self._claim():
            for row_id in rows:
                sent += await self._deliver(row_id)
            if len(rows) < self.batch:
                break
        return sent

    def _can_send(self, row: OutboxMessage) -> bool:
        if row.target == "email":
            return self.email.configured
        channel = row.payload.get("channel", row.target)
        if channel in self.only_chat and str(row.payload.get("chat_id")) != self.only_chat[channel]:
            return False
        chat = row.target == MEMBER or registry.find(row.target) is not None
        return chat and channel in self.senders

    async def _claim(self) -> list[int]:
        now = self.clock()
        query = (
            select(OutboxMessage)
            .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        )
        if self.database.is_postgres:
            query = query.with_for_update(skip_locked=True)
        async with self.database.transaction() as session:
            claimed = []
            for row in (await session.execute(query)).scalars():
                if not self._can_send(row):
                    continue
                row.attempts += 1
                row.next_attempt_at = now + LEASE
                claimed.append(row.id)
                if len(claimed) == self.batch:
                    break
            return claimed

    async def _deliver(self, row_id: int) -> int:
        async with self.database.transaction() as session:
            row = await session.get(OutboxMessage, row_id)
            if row is None or row.status != "pending":
                return 0
            target, payload, attempts = row.target, dict(row.payload), row.attempts
            if "replaces" in payload:
                others = await _other_edits(session, row)
                if any(other.id > row_id for other in others):
                    row.status, row.payload, row.sent_at = "superseded", {}, self.clock()
                    log.info("outbox %s superseded by a later edit of its card", row_id)
                    return 0
                earlier_on_its_way = any(other.status == "pending" for other in others)
                payload["refs"] = (
                    None if earlier_on_its_way else await _sent_refs(session, payload["replaces"])
                )
            if "thread_of" in payload:
                parent = await _sent_refs(session, payload["thread_of"])
                payload["thread"] = None if parent is None else (parent[:1] or [""])[0]
        try:
            reference = await self._send(target, payload)
        except Exception as error:  # any failure is retried; the row keeps the reason
            await self._failed(row_id, attempts, f"{type(error).__name__}: {error}")
            return 0
        async with self.database.transaction() as session:
            row = await session.get(OutboxMessage, row_id)
            if row is not None:
                row.status = "sent"
                row.sent_at = self.clock()
                row.external_ref = reference[:200] or None
                row.last_error = None
        log.info("outbox %s sent to %s", row_id, target)
        return 1

    async def _send(self, target: str, payload: dict[str, Any]) -> str:
        if target == "email":
            return await self.email.send(payload)
        channel = payload.get("channel", target)
        if "replaces" in payload:
            return await self._replace(channel, payload)
        if "thread_of" in payload:
            return await self._in_thread(channel, payload)
        refs = await self.senders[channel].send(
            str(payload["chat_id"]), replies_from_payload(payload)
        )
        return ",".join(refs)

    async def _replace(self, channel: str, payload: dict[str, Any]) -> str:
        """A changed staff card: edited in place once the card itself was sent."""
        refs = payload["refs"]
        if refs is None:
            raise NotSentYet(f"{payload['replaces']} or an earlier edit of it is not sent yet")
        if refs:
            [reply] = replies_from_payload(payload)
            await self.senders[channel].replace_sent(str(payload["chat_id"]), refs, reply)
        return ",".join(refs)

    async def _in_thread(self, channel: str, payload: dict[str, Any]) -> str:
        """A message under a staff card (a member's follow-up): in the card's thread once
        the card was sent, as a message of its own when it never will be."""
        thread = payload["thread"]
        if thread is None:
            raise NotSentYet(f"{payload['thread_of']} is not sent yet")
        refs = await self.senders[channel].send_in_thread(
            str(payload["chat_id"]), replies_from_payload(payload), thread or None
        )
        return ",".join(refs)

    async def _failed(self, row_id: int, attempts: int, error: str) -> None:
        give_up = attempts >= self.settings.outbox_max_attempts
        async with self.database.transaction() as session:
            row = await session.get(OutboxMessage, row_id)
            if row is None:
                return
            row.last_error = error[:2000]
            if give_up:
                row.status = "failed"
            else:
                row.next_attempt_at = self.clock() + backoff(attempts)
        level = logging.ERROR if give_up else logging.WARNING
        log.log(level, "outbox %s attempt %s failed: %s", row_id, attempts, error)

    # running in the background ----------------------------------------------------------

    async def run(self) -> None:
        while not self._stop.is_set():
            try:
                await self.deliver_due()
            except Exception:  # the database may be away for a moment; try again later
                log.exception("delivery pass failed")
            self._wake.clear()
            with suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval)

    def start(self) -> None:
        self._stop.clear()
        self._task = asyncio.create_task(self.run(), name="outbox-delivery")

    async def stop(self, *, drain: bool = True) -> None:
        """Stop the loop; with ``drain``, one last pass so a short session sends its rows."""
        self._stop.set()
        self._wake.set()
        if self._task is not None:
            await self._task
            self._task = None
        if drain:
            with suppress(Exception):
                await self.deliver_due()
