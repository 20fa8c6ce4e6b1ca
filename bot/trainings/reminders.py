"""Reminders before a training, queued in the outbox by a small periodic scheduler.

Each pass looks for confirmed seats of trainings that start within
``settings.reminder_hours`` and queues one message per registration under the key
``reminder:<uid>``: a second pass, a second worker or a restart finds the row and queues
nothing. Whoever registered inside that window just got a confirmation and is left alone.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select

from bot.settings import Settings
from bot.storage import Database, Registration, Training
from bot.templates import Templates
from bot.trainings.notices import TrainingNotices
from bot.turn import Services

log = logging.getLogger(__name__)
INTERVAL_SECONDS = 60.0


async def queue_due_reminders(
    database: Database, settings: Settings, templates: Templates, *, now: datetime
) -> int:
    """Queue the reminders that are due; how many new ones were queued."""
    window = timedelta(hours=settings.reminder_hours)
    async with database.transaction() as session:
        query = (
            select(Registration, Training)
            .join(Training, Registration.training_id == Training.id)
            .where(
                Registration.status == "confirmed",
                Training.status != "cancelled",
                Training.starts_at > now,
                Training.starts_at <= now + window,
            )
            .order_by(Training.starts_at, Registration.position)
        )
        rows = (await session.execute(query)).all()
        notices = TrainingNotices(session, settings, templates, now)
        queued = 0
        for registration, training in rows:
            if registration.created_at >= training.starts_at - window:
                continue
            if await notices.reminder(registration, training):
                queued += 1
        return queued


async def remind(services: Services) -> int:
    """One pass, now (the periodic job :data:`bot.jobs.REMINDERS`)."""
    queued = await queue_due_reminders(
        services.database, services.settings, services.templates, now=services.clock()
    )
    if queued:
        log.info("queued %d training reminders", queued)
    return queued


class ReminderScheduler:
    """A pass of the reminders for one set of services (what the tests drive by hand)."""

    def __init__(self, services: Services) -> None:
        self.services = services

    async def tick(self) -> int:
        return await remind(self.services)
