"""Data kept only as long as it serves: the periodic clean-up behind the privacy promise.

- question texts are anonymised after ``question_retention_days`` (the decision and the
  matched entry stay, for the office's statistics);
- dialogue state idle longer than ``dialogue_expiry_days`` is removed;
- the outbox's copies of sent messages are emptied after ``outbox_retention_days`` (the
  platform's reference stays, so a lead's card can still change), and so are those of
  messages that failed for good or were overtaken (counted from when they were queued:
  a failed row is no reason to keep personal data forever);
- event ids are kept for a week, long past any platform's redelivery.
"""

from __future__ import annotations

import logging
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import String, and_, cast, delete, or_, update

from bot.periodic import every
from bot.settings import Settings
from bot.storage import Database, DialogueState, OutboxMessage, ProcessedEvent, QuestionLog
from bot.turn import Services

log = logging.getLogger(__name__)
EVENT_IDS_KEPT = timedelta(days=7)
INTERVAL_SECONDS = 3600.0


@dataclass(frozen=True)
class Cleaned:
    questions_anonymised: int
    dialogues_removed: int
    event_ids_removed: int
    outbox_emptied: int


async def clean_up(database: Database, settings: Settings, now: datetime) -> Cleaned:
    questions_before = now - timedelta(days=settings.question_retention_days)
    dialogues_before = now - timedelta(days=settings.dialogue_expiry_days)
    sent_before = now - timedelta(days=settings.outbox_retention_days)
    async with database.transaction() as session:
        questions = await session.execute(
            update(QuestionLog)
            .where(QuestionLog.created_at < questions_before, QuestionLog.anonymised_at.is_(None))
            .values(text=None, member_id=None, anonymised_at=now)
        )
        dialogues = await session.execute(
            delete(DialogueState).where(DialogueState.updated_at < dialogues_before)
        )
        events = await session.execute(
            delete(ProcessedEvent).where(ProcessedEvent.created_at < now - EVENT_IDS_KEPT)
        )
        outbox = await session.execute(
            update(OutboxMessage)
            .where(
                or_(
                    and_(OutboxMessage.status == "sent", OutboxMessage.sent_at < sent_before),
                    and_(
                        OutboxMessage.status.in_(("failed", "superseded")),
                        OutboxMessage.created_at < sent_before,
                    ),
                ),
                cast(OutboxMessage.payload, String) != "{}",
            )
            .values(payload={})
        )
    results = (questions, dialogues, events, outbox)
    cleaned = Cleaned(*(result.rowcount for result in results))  # type: ignore[attr-defined]
    if any(vars(cleaned).values()):
        log.info("retention: %s", cleaned)
    return cleaned


def running(services: Services) -> AbstractAsyncContextManager[None]:
    """The clean-up once an hour inside ``serve``."""

    async def job() -> Cleaned:
        return await clean_up(services.database, services.settings, services.clock())

    return every(INTERVAL_SECONDS, job, name="retention")
