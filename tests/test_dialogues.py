"""The rows a turn opens: the event recorded once, the dialogue row created once, read back
as written, only changes written, and messages counted for the rate limit."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, event, func, select

from bot.storage import Database, DialogueState, ProcessedEvent
from bot.storage.dialogues import Counted, Dialogue, open_dialogue, save_dialogue

NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
KEY = ("telegram", "42", "42")
WINDOW = timedelta(minutes=1)
_events = itertools.count(1)


async def open_row(
    session: Any, now: datetime = NOW, *, event_id: str | None = None, counted: Counted = None
) -> Dialogue:
    """The row for a new event, which must be there."""
    event_id = event_id or f"update-{next(_events)}"
    dialogue = await open_dialogue(
        session, *KEY, now, event_id=event_id, counted=counted, window=WINDOW
    )
    assert dialogue is not None
    return dialogue


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
        first = await open_row(session)
    async with database.transaction() as session:
        again = await open_row(session, NOW + timedelta(hours=1))
        rows = (await session.execute(select(DialogueState))).scalars().all()
    assert first.id == again.id and len(rows) == 1
    assert (again.form, again.data, again.version, again.rate_count) == (None, {}, 0, 0)
    assert again.updated_at == NOW  # opening is no change


async def test_what_a_turn_changes_is_read_back(database: Database) -> None:
    async with database.transaction() as session:
        dialogue = await open_row(session)
        dialogue.form, dialogue.step, dialogue.mode = "idea", "field", "ask"
        dialogue.data = {"title": "Fibre sensors", "_history": ["title"]}
        dialogue.version += 1
        dialogue.rate_window_start, dialogue.rate_count = NOW, 3
        await save_dialogue(session, dialogue)
    async with database.transaction() as session:
        again = await open_row(session)
    assert (again.form, again.step, again.mode, again.version) == ("idea", "field", "ask", 1)
    assert again.data == {"title": "Fibre sensors", "_history": ["title"]}
    assert (again.rate_window_start, again.rate_count) == (NOW, 3)


async def test_an_unchanged_dialogue_is_not_written(database: Database) -> None:
    async with database.transaction() as session:
        await open_row(session)
    updates = count_updates(database)
    async with database.transaction() as session:
        dialogue = await open_row(session)
        dialogue.data = {}  # equal to what was read
        await save_dialogue(session, dialogue)
    assert updates == []


async def test_answers_changed_in_place_are_written(database: Database) -> None:
    async with database.transaction() as session:
        dialogue = await open_row(session)
        dialogue.data["title"] = "Inline metrology"
        await save_dialogue(session, dialogue)
    async with database.transaction() as session:
        again = await open_row(session)
    assert again.data == {"title": "Inline metrology"}


async def test_a_row_deleted_during_the_turn_is_not_brought_back(database: Database) -> None:
    """A member who asks to be forgotten loses the row in the very turn that changes it."""
    async with database.transaction() as session:
        dialogue = await open_row(session)
        await session.execute(delete(DialogueState))
        dialogue.form = "idea"
        await save_dialogue(session, dialogue)
    async with database.transaction() as session:
        rows = (await session.execute(select(DialogueState))).scalars().all()
    assert rows == []


async def test_an_event_seen_before_opens_nothing(database: Database) -> None:
    async with database.transaction() as session:
        await open_row(session, event_id="update-7")
    async with database.transaction() as session:
        again = await open_dialogue(
            session, *KEY, NOW, event_id="update-7", counted="message", window=WINDOW
        )
        rows = (await session.execute(select(DialogueState))).scalars().all()
        events = await session.scalar(select(func.count()).select_from(ProcessedEvent))
    assert again is None
    assert events == 1 and [row.rate_count for row in rows] == [0]  # nor counted


async def test_an_event_of_a_new_member_is_recorded_with_the_row(database: Database) -> None:
    async with database.transaction() as session:
        await open_row(session, event_id="update-1")
        recorded = (await session.execute(select(ProcessedEvent))).scalars().all()
    assert [(e.channel, e.event_id) for e in recorded] == [("telegram", "update-1")]


async def test_messages_are_counted_within_the_window_and_afresh_after_it(
    database: Database,
) -> None:
    seen = await opened(
        database,
        (0, "message"),
        (10, "message"),
        (20, None),
        (30, "press"),
        (59, "message"),
        (61, "message"),
    )
    later = NOW + timedelta(seconds=61)
    assert [(d.rate_count, d.rate_window_start) for d in seen] == [
        (1, NOW),
        (2, NOW),
        (2, NOW),
        (2, NOW),
        (3, NOW),
        (1, later),
    ]


async def test_presses_have_a_count_and_window_of_their_own(database: Database) -> None:
    seen = await opened(database, (0, "press"), (5, "message"), (10, "press"), (70, "press"))
    later = NOW + timedelta(seconds=70)
    assert [(d.press_count, d.press_window_start, d.rate_count) for d in seen] == [
        (1, NOW, 0),
        (1, NOW, 1),
        (2, NOW, 1),
        (1, later, 1),
    ]


async def opened(database: Database, *events: tuple[int, Counted]) -> list[Dialogue]:
    """The row as each event (seconds after NOW, the budget it draws on) opened it."""
    seen = []
    for seconds, counted in events:
        async with database.transaction() as session:
            seen.append(await open_row(session, NOW + timedelta(seconds=seconds), counted=counted))
    return seen


async def test_a_count_kept_on_opening_is_no_change_to_write(database: Database) -> None:
    async with database.transaction() as session:
        await open_row(session, counted="message")
    updates = count_updates(database)
    async with database.transaction() as session:
        dialogue = await open_row(session, counted="message")
        await save_dialogue(session, dialogue)
    assert dialogue.rate_count == 2 and updates == []
