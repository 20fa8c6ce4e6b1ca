"""The Assistant's contract: one reply per event, the right language, apologies for our bugs."""

from __future__ import annotations

import asyncio
import logging
import re

import pytest
from sqlalchemy import func, select

from bot.app import App
from bot.messages import Reply
from bot.routing import Router
from bot.storage import ChannelIdentity, Member, ProcessedEvent
from bot.turn import Turn
from tests.conftest import drop_connections
from tests.conversation import Conversation


async def member_language(app: App, user: str) -> str | None:
    async with app.database.transaction() as session:
        query = select(Member.language).join(ChannelIdentity).filter_by(user_id=user)
        return (await session.execute(query)).scalar_one()


async def test_a_redelivered_event_gets_no_second_reply(db_app: App) -> None:
    chat = Conversation(db_app.assistant)
    event = chat.incoming(text="/start")
    assert await db_app.assistant.handle(event)
    assert await db_app.assistant.handle(event) == []
    async with db_app.database.transaction() as session:
        count = await session.scalar(select(func.count()).select_from(ProcessedEvent))
    assert count == 1


async def test_start_offers_the_main_things_and_a_language_switch(db_app: App) -> None:
    chat = Conversation(db_app.assistant, locale="en")
    await chat.say("/start")
    assert "Welcome to **optobot**" in chat.text
    actions = [choice.action for choice in chat.choices]
    assert "menu:ask" in actions and "lang:de" in actions
    await chat.press("lang:de")
    assert "auf Deutsch" in chat.text


@pytest.mark.parametrize(
    ("locale", "text", "expected"),
    [
        (None, "ok", "de"),  # nothing to go by: the default
        (None, "how can I reach somebody in your office please", "en"),  # the message
        ("en-GB", "wie kann ich die Geschäftsstelle erreichen", "en"),  # locale beats message
        ("fr-FR", "how can I reach somebody in your office please", "en"),  # unknown locale
    ],
)
async def test_language_is_picked_from_locale_then_message_then_default(
    app: App, locale: str | None, text: str, expected: str
) -> None:
    chat = Conversation(app.assistant, locale=locale)
    await chat.say(text)
    assert await member_language(app, chat.user) == expected


async def test_an_explicit_choice_beats_locale_and_message(db_app: App) -> None:
    chat = Conversation(db_app.assistant, locale="en-US")
    await chat.say("/language de")
    assert "auf Deutsch" in chat.text
    await chat.say("how can I reach somebody in your office please")
    assert await member_language(db_app, chat.user) == "de"
    await chat.say("/help")
    assert "So arbeiten wir zusammen" in chat.text


async def test_the_last_language_sticks_when_a_message_says_nothing(app: App) -> None:
    chat = Conversation(app.assistant)
    await chat.say("could you tell me what you can do for me")
    await chat.say("/help")
    assert "How we work together" in chat.text


async def test_language_command_without_a_valid_code_explains(app: App) -> None:
    chat = Conversation(app.assistant, locale="en")
    await chat.say("/language fr")
    assert "/language de" in chat.text
    assert {c.action for c in chat.choices} == {"lang:de", "lang:en"}


class Boom:
    def check(self, turn: Turn) -> bool:
        return turn.text == "/boom"

    async def handle(self, turn: Turn) -> list[Reply]:
        raise RuntimeError("a bug of ours")


async def test_our_bug_gives_an_apology_with_a_code_and_the_log_the_traceback(
    db_app: App, caplog: pytest.LogCaptureFixture
) -> None:
    db_app.assistant.router = Router([Boom(), *db_app.assistant.router.handlers])
    chat = Conversation(db_app.assistant, locale="en")
    with caplog.at_level(logging.ERROR):
        await chat.say("/boom")
    match = re.search(r"code \*\*([0-9A-F]{6})\*\*", chat.text)
    assert match, chat.text
    [record] = [r for r in caplog.records if match.group(1) in r.getMessage()]
    assert record.exc_info and "a bug of ours" in str(record.exc_info[1])
    await chat.say("/help")
    assert "How we work together" in chat.text


async def test_unknown_command_and_empty_text_get_clear_answers(app: App) -> None:
    chat = Conversation(app.assistant, locale="en")
    await chat.say("/frobnicate")
    assert "I don't know the command /frobnicate" in chat.text
    await chat.say("   ")
    assert "empty" in chat.text


async def test_one_member_across_channels_is_found_again(app: App) -> None:
    first = Conversation(app.assistant, channel="telegram", user="10001")
    second = Conversation(app.assistant, channel="telegram", user="10001")
    await first.say("/start")
    await second.say("/help")
    async with app.database.transaction() as session:
        members = await session.scalar(select(func.count()).select_from(Member))
    assert members == 1


async def test_events_of_one_member_are_handled_one_at_a_time(db_app: App) -> None:
    chat = Conversation(db_app.assistant, locale="en")
    results = await asyncio.gather(
        *(chat.say(f"/language {'en' if i % 2 else 'de'}") for i in range(6))
    )
    assert all(len(replies) == 1 for replies in results)


async def test_a_turn_survives_the_database_dropping_its_connections(
    db_app: App, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """PostgreSQL restarted (here: every other session killed) while connections sat in
    the pool: the member's next message is answered on a fresh connection, once."""
    if not database_url.startswith("postgresql"):
        pytest.skip("an SQLite file has no server connection to lose")
    chat = Conversation(db_app.assistant, locale="en")
    await chat.say("/start")
    assert await drop_connections(database_url) >= 1
    with caplog.at_level(logging.WARNING):
        await chat.say("/help")
    assert "How we work together" in chat.text
    assert any("connection lost" in record.getMessage() for record in caplog.records)
    async with db_app.database.transaction() as session:
        count = await session.scalar(select(func.count()).select_from(ProcessedEvent))
    assert count == 2
