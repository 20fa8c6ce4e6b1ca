"""The retention job forgets what the privacy notice says it forgets, and nothing else."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.app import App
from bot.delivery.outbox import enqueue
from bot.retention import clean_up
from bot.storage import DialogueState, OutboxMessage, ProcessedEvent, QuestionLog
from tests.conversation import Conversation

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
