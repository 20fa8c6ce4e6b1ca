"""The dialogue row of a turn: created once, read back as written, only changes written."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, event, select

from bot.storage import Database, DialogueState
from bot.storage.dialogues import open_dialogue, save_dialogue

NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
KEY = ("telegram", "42", "42")


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    await database.upgrade()
    yield database
    await database.dispose()


def count_updates(database: Database) -> list[str]:
    """Every UPDATE the engine sends, from now on."""
    seen: list[str] = []

    @event.listens_for(database.engine.sync_engine, "before_cursor_execute")
    def _record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE"):
            seen.append(statement)

    return seen


async def test_a_new_member_gets_one_row_and_the_same_row_next_time(database: Database) -> None:
    async with database.transaction() as session:
        first = await open_dialogue(session, *KEY, NOW)
    async with database.transaction() as session:
        again = await open_dialogue(session, *KEY, NOW + timedelta(hours=1))
        rows = (await session.execute(select(DialogueState))).scalars().all()
    assert first.id == again.id and len(rows) == 1
    assert (again.form, again.data, again.version, again.rate_count) == (None, {}, 0, 0)
    assert again.updated_at == NOW  # opening is no change


async def test_what_a_turn_changes_is_read_back(database: Database) -> None:
    async with database.transaction() as session:
        dialogue = await open_dialogue(session, *KEY, NOW)
        dialogue.form, dialogue.step, dialogue.mode = "idea", "field", "ask"
        dialogue.data = {"title": "Fibre sensors", "_history": ["title"]}
        dialogue.version += 1
        dialogue.rate_window_start, dialogue.rate_count = NOW, 3
        await save_dialogue(session, dialogue)
    async with database.transaction() as session:
        again = await open_dialogue(session, *KEY, NOW)
    assert (again.form, again.step, again.mode, again.version) == ("idea", "field", "ask", 1)
    assert again.data == {"title": "Fibre sensors", "_history": ["title"]}
    assert (again.rate_window_start, again.rate_count) == (NOW, 3)


async def test_an_unchanged_dialogue_is_not_written(database: Database) -> None:
    async with database.transaction() as session:
        await open_dialogue(session, *KEY, NOW)
    updates = count_updates(database)
    async with database.transaction() as session:
        dialogue = await open_dialogue(session, *KEY, NOW)
        dialogue.data = {}  # equal to what was read
        await save_dialogue(session, dialogue)
    assert updates == []


async def test_answers_changed_in_place_are_written(database: Database) -> None:
    async with database.transaction() as session:
        dialogue = await open_dialogue(session, *KEY, NOW)
        dialogue.data["title"] = "Inline metrology"
        await save_dialogue(session, dialogue)
    async with database.transaction() as session:
        again = await open_dialogue(session, *KEY, NOW)
    assert again.data == {"title": "Inline metrology"}


async def test_a_row_deleted_during_the_turn_is_not_brought_back(database: Database) -> None:
    """A member who asks to be forgotten loses the row in the very turn that changes it."""
    async with database.transaction() as session:
        dialogue = await open_dialogue(session, *KEY, NOW)
        await session.execute(delete(DialogueState))
        dialogue.form = "idea"
        await save_dialogue(session, dialogue)
    async with database.transaction() as session:
        rows = (await session.execute(select(DialogueState))).scalars().all()
    assert rows == []
