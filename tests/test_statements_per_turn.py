"""SQL statements per turn have a ceiling: a typical FAQ question of a known member, one
step of the idea form and a whole training registration, counted on every backend with a
SQLAlchemy listener (BEGIN and COMMIT are not statements of the cursor). Each ceiling is a
little above today's count, so a change that adds queries to every turn fails here."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event

from bot.app import App
from tests.conversation import Conversation
from tests.trainings_catalogue import sync_catalogue

FAQ_TURN = 6
FORM_STEP = 6
REGISTRATION = 55


@asynccontextmanager
async def statements(app: App) -> AsyncIterator[list[str]]:
    executed: list[str] = []
    engine = app.database.engine.sync_engine

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        executed.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield executed
    finally:
        event.remove(engine, "before_cursor_execute", count)


async def counted(app: App, turn: Callable[[], Awaitable[object]]) -> int:
    async with statements(app) as executed:
        await turn()
    return len(executed)


async def test_a_known_members_faq_question(db_app: App) -> None:
    member = Conversation(db_app.assistant, channel="telegram", user="1001", locale="en")
    await member.say("How do I become a member?")
    count = await counted(db_app, lambda: member.say("What does the membership cost?"))
    assert 0 < count <= FAQ_TURN


async def test_a_step_of_the_idea_form(db_app: App) -> None:
    member = Conversation(db_app.assistant, channel="slack", user="U1001", locale="de")
    await member.say("/idea")
    count = await counted(db_app, lambda: member.say("Fasersensoren für Brücken"))
    assert "Technologiefeld" in member.text  # the next question came
    assert 0 < count <= FORM_STEP


async def test_a_whole_training_registration(db_app: App) -> None:
    await sync_catalogue(db_app)
    member = Conversation(db_app.assistant, channel="telegram", user="1002", locale="de")
    await member.say("/trainings")

    async def register() -> None:
        await member.press("tr:show:")
        await member.press("tr:reg:")
        await member.say("Erika Muster")
        await member.say("Lasertec Jena GmbH")
        await member.say("erika@lasertec.example")
        await member.press("f:member:pick:yes")
        await member.press("f:consent:pick:yes")
        await member.press("f:_sum:ok")

    count = await counted(db_app, register)
    assert "Angemeldet" in member.text
    assert 0 < count <= REGISTRATION
