"""The retention job forgets what the privacy notice says it forgets, and nothing else."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from pydantic import ValidationError
from sqlalchemy import select

from bot.app import App
from bot.delivery.outbox import enqueue
from bot.retention import clean_up
from bot.storage import (
    DialogueState,
    OutboxMessage,
    ProcessedEvent,
    QuestionLog,
    Registration,
    utcnow,
)
from bot.trainings.notices import TrainingNotices
from bot.trainings.registrations import cancel
from tests.conversation import Conversation
from tests.handlers.test_privacy import add_training, book_for, member_of

PAYLOAD = {"channel": "telegram", "chat_id": "-100", "replies": [{"text": "Anke Meier"}]}


async def test_old_question_texts_dialogues_and_event_ids_go(db_app: App, clock: Any) -> None:
    settings = db_app.settings
    async with db_app.database.transaction() as session:
        for age_days, text in ((100, "old question"), (10, "recent question")):
            session.add(
                QuestionLog(
                    channel="console",
                    language="de",
                    text=text,
                    decision="answer",
                    entry_id="funding-zim",
                    created_at=clock.now - timedelta(days=age_days),
                )
            )
    chat = Conversation(db_app.assistant)
    await chat.say("/help")
    clock.advance(days=settings.dialogue_expiry_days + 1)
    fresh = Conversation(db_app.assistant, user="member-2")
    await fresh.say("/help")

    cleaned = await clean_up(db_app.database, settings, clock.now)

    assert cleaned.questions_anonymised == 1 and cleaned.dialogues_removed == 1
    assert cleaned.event_ids_removed == 1
    async with db_app.database.transaction() as session:
        texts = (await session.execute(select(QuestionLog.text, QuestionLog.entry_id))).all()
        users = (await session.execute(select(DialogueState.user_id))).scalars().all()
        events = (await session.execute(select(ProcessedEvent.event_id))).scalars().all()
    assert sorted(texts, key=str) == sorted(
        [(None, "funding-zim"), ("recent question", "funding-zim")], key=str
    )
    assert users == ["member-2"] and len(events) == 1
    again = await clean_up(db_app.database, settings, clock.now)
    assert again.questions_anonymised == again.dialogues_removed == again.event_ids_removed == 0


async def test_sent_messages_keep_their_reference_but_not_their_copy(
    db_app: App, clock: Any
) -> None:
    days = db_app.settings.outbox_retention_days
    async with db_app.database.transaction() as session:
        for key, status, age_days in (
            ("old-sent", "sent", days + 1),
            ("new-sent", "sent", days - 1),
            ("old-failed", "failed", days + 1),
        ):
            await enqueue(session, key=key, target="telegram", kind="notice", payload=PAYLOAD)
            row = (await session.execute(select(OutboxMessage).filter_by(key=key))).scalar_one()
            row.status, row.external_ref = status, f"ref-{key}"
            row.sent_at = clock.now - timedelta(days=age_days) if status == "sent" else None

    cleaned = await clean_up(db_app.database, db_app.settings, clock.now)
    again = await clean_up(db_app.database, db_app.settings, clock.now)

    async with db_app.database.transaction() as session:
        rows = {
            row.key: (row.payload, row.external_ref)
            for row in (await session.execute(select(OutboxMessage))).scalars()
        }
    assert cleaned.outbox_emptied == 1 and again.outbox_emptied == 0
    assert rows == {
        "old-sent": ({}, "ref-old-sent"),
        "new-sent": (PAYLOAD, "ref-new-sent"),
        "old-failed": (PAYLOAD, "ref-old-failed"),  # still to be looked at, and retried
    }


async def test_registrations_lose_the_person_a_year_after_the_training(
    make_app: Any, database_url: str
) -> None:
    """The registration's consent promises deletion one year after the training: on day
    364 everything stays, on day 366 nobody can be told apart, and the figures remain."""
    app = await make_app(
        database_url=database_url,
        staff_telegram_chat_id=-100200300,
        outbox_retention_days=3650,  # only the registrations' own period empties here
    )
    for user in ("anke", "bernd"):
        await Conversation(app.assistant, user=user, locale="en").say("/start")
    anke, bernd = await member_of(app, "anke"), await member_of(app, "bernd")
    assert anke is not None and bernd is not None
    training = await add_training(app, seats=1)
    with time_machine.travel(training.deadline - timedelta(days=20), tick=False):
        await book_for(app, anke, "Anke", utcnow())
        await book_for(app, bernd, "Bernd", utcnow())  # waits, then moves up
        async with app.database.transaction() as session:
            uid = await session.scalar(select(Registration.uid).filter_by(name="Anke"))
            assert uid is not None
            cancellation = await cancel(session, uid, now=utcnow())
            assert cancellation is not None
            notices = TrainingNotices(session, app.settings, app.services.templates, utcnow())
            await notices.after_cancellation(cancellation)  # names Anke and Bernd
            await enqueue(session, key="other", target="telegram", kind="notice", payload=PAYLOAD)

    async def clean_at(days_after: int) -> int:
        with time_machine.travel(training.ends_at + timedelta(days=days_after), tick=False):
            cleaned = await clean_up(app.database, app.settings, utcnow())
        return cleaned.registrations_anonymised

    async def stored() -> tuple[list[tuple[Any, ...]], dict[str, tuple[str, bool]]]:
        async with app.database.transaction() as session:
            booked = await session.execute(
                select(
                    Registration.status,
                    Registration.is_member,
                    Registration.name,
                    Registration.organisation,
                    Registration.email,
                    Registration.member_id,
                ).order_by(Registration.position)
            )
            outbox = {
                row.key.split(":")[0]: (row.status, row.payload == {})
                for row in (await session.execute(select(OutboxMessage))).scalars()
            }
        return [tuple(row) for row in booked.all()], outbox

    assert await clean_at(364) == 0
    kept, outbox = await stored()
    assert kept == [
        ("cancelled", True, "Anke", "Anke GmbH", "anke@example.org", anke.id),
        ("confirmed", True, "Bernd", "Bernd GmbH", "bernd@example.org", bernd.id),
    ]
    assert outbox == {
        "registration-cancelled": ("pending", False),
        "promoted": ("pending", False),
        "other": ("pending", False),
    }

    assert await clean_at(366) == 2
    anonymous, outbox = await stored()
    assert anonymous == [
        ("cancelled", True, None, None, None, None),
        ("confirmed", True, None, None, None, None),
    ]
    assert outbox == {
        "registration-cancelled": ("failed", True),  # given up: never sent with the names
        "promoted": ("failed", True),
        "other": ("pending", False),  # about nobody's registration
    }
    assert await clean_at(367) == 0


def test_the_registration_period_is_a_year_unless_set_and_at_least_a_day(
    make_settings: Any,
) -> None:
    assert make_settings().registration_retention_days == 365
    assert make_settings(registration_retention_days=30).registration_retention_days == 30
    for wrong in (0, -1, "a year"):
        with pytest.raises(ValidationError, match="registration_retention_days"):
            make_settings(registration_retention_days=wrong)
