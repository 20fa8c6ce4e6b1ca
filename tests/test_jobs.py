"""Issue 28 item 3: the periodic work of ``serve`` is one list, and running the list runs
every job on it (a first pass at once, then on its own schedule)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot import periodic
from bot.jobs import CHAT_JOBS, JOBS, REMINDERS, RETENTION
from bot.storage import QuestionLog
from tests.conversation import Clock, Conversation
from tests.handlers.test_trainings import register
from tests.test_reminders import reminders
from tests.trainings_catalogue import sync_catalogue


def test_the_jobs_have_names_of_their_own() -> None:
    names = [job.name for job in JOBS]
    assert len(set(names)) == len(names)
    assert set(CHAT_JOBS) <= set(JOBS) and {REMINDERS, RETENTION} <= set(JOBS)


async def question_texts(app: Any) -> list[str | None]:
    async with app.database.transaction() as session:
        return list((await session.execute(select(QuestionLog.text))).scalars())


async def test_running_the_list_reminds_and_cleans_up(
    make_app: Callable[..., Any], clock: Clock
) -> None:
    app = await make_app(reminder_hours=24)
    await sync_catalogue(app)
    await register(Conversation(app.assistant, user="erika", locale="de"))
    clock.now = clock.now.replace(year=2027, month=1, day=11, hour=8, minute=1)
    async with app.database.transaction() as session:
        session.add(
            QuestionLog(
                channel="console",
                language="de",
                text="an old question",
                decision="answer",
                created_at=clock.now - timedelta(days=app.settings.question_retention_days + 1),
            )
        )
    assert await reminders(app) == []

    async with periodic.running(JOBS, app.services):
        for _ in range(200):
            if await reminders(app) and await question_texts(app) == [None]:
                break
            await asyncio.sleep(0.05)
    assert len(await reminders(app)) == 1
    assert await question_texts(app) == [None]
