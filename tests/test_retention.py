"""The retention job forgets what the privacy notice says it forgets, and nothing else."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.app import App
from bot.retention import clean_up
from bot.storage import DialogueState, ProcessedEvent, QuestionLog
from tests.conversation import Conversation


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
