"""Data kept only as long as it serves: the periodic clean-up behind the privacy promise.

- question texts are anonymised after ``question_retention_days`` (the decision and the
  matched entry stay, for the office's statistics);
- dialogue state idle longer than ``dialogue_expiry_days`` is removed;
- the outbox's copies of sent messages are emptied after ``outbox_retention_days`` (the
  platform's reference stays, so a lead's card can still change), and so are those of
  messages that failed for good or were overtaken (counted from when they were queued:
  a failed row is no reason to keep personal data forever);
- registrations of trainings that ended more than ``registration_retention_days`` ago
  lose who registered (as their consent promises) and the outbox messages about them their
  copies; status and member-or-not stay, for the office's attendance figures;
- event ids are kept for a week, long past any platform's redelivery.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import String, and_, cast, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.settings import Settings
from bot.storage import (
    Database,
    DialogueState,
    OutboxMessage,
    ProcessedEvent,
    QuestionLog,
    Registration,
    Training,
)
from bot.storage.database import rows_touched
from bot.trainings import registrations as registrations
from bot.trainings.notices import named_registrations
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
    registrations_anonymised: int


async def clean_up(database: Database, settings: Settings, now: datetime) -> Cleaned:
    questions_before = now - timedelta(days=settings.question_retention_days)
    dialogues_before = now - timedelta(days=settings.dialogue_expiry_days)
    sent_before = now - timedelta(days=settings.outbox_retention_days)
    ended_before = now - timedelta(days=settings.registration_retention_days)
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
        anonymised = await _anonymise_registrations(session, ended_before, now)
    cleaned = Cleaned(
        questions_anonymised=rows_touched(questions),
        dialogues_removed=rows_touched(dialogues),
        event_ids_removed=rows_touched(events),
        outbox_emptied=rows_touched(outbox),
        registrations_anonymised=anonymised,
    )
    if any(vars(cleaned).values()):
        log.info("retention: %s", cleaned)
    return cleaned


async def _anonymise_registrations(
    session: AsyncSession, ended_before: datetime, now: datetime
) -> int:
    """Registrations of trainings that ended before ``ended_before`` without the person:
    their details and their member go, and the outbox messages about them are emptied
    (one still waiting is given up: it is about a training long over)."""
    identifying = [getattr(Registration, column).is_not(None) for column in registrations.PERSONAL]
    expired = (
        await session.scalars(
            select(Registration)
            .join(Training, Registration.training_id == Training.id)
            .where(
                Training.ends_at < ended_before,
                or_(Registration.member_id.is_not(None), *identifying),
            )
        )
    ).all()
    uids: set[str] = set()
    for registration in expired:
        registrations.anonymise(registration)
        registration.member_id = None
        registration.updated_at = now
        uids.add(registration.uid)
    if not uids:
        return 0
    rows = await session.scalars(
        select(OutboxMessage).where(cast(OutboxMessage.payload, String) != "{}")
    )
    for row in rows:
        if named_registrations(row) & uids:
            row.payload = {}
            if row.status == "pending":
                row.status, row.last_error = "failed", "given up: retention period over"
    return len(uids)


async def clean_up_now(services: Services) -> Cleaned:
    """One clean-up, now (the periodic job :data:`bot.jobs.RETENTION`, once an hour)."""
    return await clean_up(services.database, services.settings, services.clock())
