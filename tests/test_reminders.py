"""Reminders: queued the configured time before start, once per registration, also across
restarts and a second worker; time moves with the injected clock."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from bot.delivery.outbox import replies_from_payload
from bot.storage import OutboxMessage
from bot.trainings.reminders import ReminderScheduler
from tests.conversation import Clock, Conversation
from tests.handlers.test_trainings import JAPAN, register
from tests.trainings_catalogue import sync_catalogue


async def reminders(app: Any) -> list[OutboxMessage]:
    async with app.database.transaction() as session:
        query = select(OutboxMessage).where(OutboxMessage.kind == "training_reminder")
        return list((await session.execute(query)).scalars())


async def test_reminder_once_per_registration_across_restarts(
    make_app: Callable[..., Any], clock: Clock
) -> None:
    app = await make_app(reminder_hours=24)
    await sync_catalogue(app)
    member = Conversation(app.assistant, user="erika", locale="de")
    await register(member)
    scheduler = ReminderScheduler(app.services)
    assert await scheduler.tick() == 0  # weeks before the training

    clock.now = clock.now.replace(year=2027, month=1, day=11, hour=7, minute=59)
    assert await scheduler.tick() == 0  # 24 h and one minute before the start (08:00 UTC)
    clock.advance(minutes=2)
    assert await scheduler.tick() == 1

    restarted = await make_app(reminder_hours=24)
    assert await ReminderScheduler(restarted.services).tick() == 0
    rows = await reminders(app)
    assert len(rows) == 1 and rows[0].key.startswith("reminder:reg-")
    (reply,) = replies_from_payload(rows[0].payload)
    assert "Erinnerung" in reply.text and "Dienstag, 12. Januar 2027, 09:00" in reply.text
    assert rows[0].payload["user_id"] == "erika"


async def test_no_reminder_for_waiting_cancelled_or_cancelled_training(
    make_app: Callable[..., Any], clock: Clock
) -> None:
    app = await make_app(reminder_hours=48)
    await sync_catalogue(app)
    member = Conversation(app.assistant, user="erika", locale="en")
    await register(member)
    await member.say("/mytrainings")
    await member.press("Cancel:")
    await member.press("Yes, cancel")
    clock.now = clock.now.replace(year=2027, month=1, day=11, hour=9)
    assert await ReminderScheduler(app.services).tick() == 0
    assert await reminders(app) == []


async def test_registering_inside_the_window_gets_no_extra_reminder(
    make_app: Callable[..., Any], clock: Clock
) -> None:
    app = await make_app(reminder_hours=24 * 60)
    await sync_catalogue(app)
    member = Conversation(app.assistant, user="late", locale="en")
    await register(member, training=JAPAN)
    assert await ReminderScheduler(app.services).tick() == 0
