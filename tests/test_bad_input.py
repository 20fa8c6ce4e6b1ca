"""Whatever members send, they get a clear answer and the assistant keeps going."""

from __future__ import annotations

from typing import Any

from bot.app import App
from bot.sanitise import MAX_MESSAGE_CHARS, clean
from tests.conversation import Conversation


def test_control_bidi_and_zero_width_characters_are_dropped() -> None:
    assert clean("a\u202eb\u200bc\x00d\x07e") == "abcde"
    assert clean("Zeile 1\r\nZeile 2\tx") == "Zeile 1\nZeile 2\tx"
    assert clean("e\u0301") == "é"  # NFC


async def test_a_message_over_the_limit_gets_a_clear_answer(app: App) -> None:
    chat = Conversation(app.assistant, locale="en")
    await chat.say("x" * (MAX_MESSAGE_CHARS + 1))
    assert f"at most {MAX_MESSAGE_CHARS} characters" in chat.text
    await chat.say("/help")
    assert "How we work together" in chat.text


async def test_empty_and_invisible_messages_get_a_clear_answer(app: App) -> None:
    chat = Conversation(app.assistant, locale="en")
    for text in ("", "   ", "\u200b\u202e\u2066"):
        await chat.say(text)
        assert "Your message was empty" in chat.text


async def test_rate_limit_notices_once_then_stays_silent_until_the_window_passes(
    make_app: Any, database_url: str, clock: Any
) -> None:
    app = await make_app(database_url=database_url, rate_limit_per_minute=5)
    chat = Conversation(app.assistant, channel="telegram", user="10001", locale="en")
    for _ in range(5):
        assert await chat.say("/help")
    clock.advance(seconds=20)
    await chat.say("/help")
    assert "writing very fast" in chat.text
    assert "Please try again in 41 seconds." in chat.text  # when the window ends
    assert await chat.say("/help") == []
    clock.advance(seconds=41)
    await chat.say("/help")
    assert "How we work together" in chat.text


async def test_staff_are_not_rate_limited(make_app: Any) -> None:
    app = await make_app(rate_limit_per_minute=2, staff_telegram_ids="10001")
    staff = Conversation(app.assistant, channel="telegram", user="10001", locale="en")
    member = Conversation(app.assistant, channel="telegram", user="10002", locale="en")
    for _ in range(4):
        await staff.say("/help")
        assert "How we work together" in staff.text
        await member.say("/help")
    assert member.replies == []


async def test_issue_27_the_console_is_not_rate_limited(make_app: Any) -> None:
    """The operator's own terminal: a piped script of a whole conversation gets every reply."""
    app = await make_app(rate_limit_per_minute=2, rate_limit_presses_per_minute=2)
    chat = Conversation(app.assistant, channel="console", locale="en")
    for _ in range(5):
        await chat.say("/start")
        assert "Welcome" in chat.text
        await chat.press("menu:ask")
        assert "Just type your question" in chat.text


async def test_issue_24_button_presses_have_their_own_higher_budget(
    make_app: Any, clock: Any
) -> None:
    """Presses used to be never counted, so a custom client could forge them endlessly."""
    app = await make_app(rate_limit_per_minute=2, rate_limit_presses_per_minute=4)
    chat = Conversation(app.assistant, channel="telegram", user="10001", locale="en")
    await chat.say("/start")
    for _ in range(4):  # presses do not eat the messages' budget …
        await chat.send(chat.incoming(action="menu:ask"))
        assert "Just type your question" in chat.text
    await chat.say("/help")
    assert "How we work together" in chat.text
    await chat.send(chat.incoming(action="menu:ask"))  # … but have one of their own
    [notice] = chat.replies
    assert notice.notice and "writing very fast" in notice.text
    assert await chat.send(chat.incoming(action="menu:ask")) == []
    assert await chat.send(chat.incoming(action="privacy:forget:yes")) == []
    clock.advance(seconds=61)
    await chat.send(chat.incoming(action="menu:ask"))
    assert "Just type your question" in chat.text


async def test_issue_24_forged_number_payloads_get_a_clear_answer_not_the_apology(
    make_app: Any, database_url: str
) -> None:
    """``str.isdigit`` accepts "²": ``fwd:²`` used to raise ValueError and apologise; an id
    past INTEGER's range failed in PostgreSQL."""
    app = await make_app(database_url=database_url)
    chat = Conversation(app.assistant, locale="en")
    await chat.say("What is the weather on the moon?")
    for action in ("fwd:²", "fwd:٣", "fwd:99999999999", "fwd:-1", "fb:²:up", "fb:1²:down"):
        await chat.send(chat.incoming(action=action))
        assert chat.text == "This button is no longer active.", action


async def test_issue_24_a_superscript_typed_at_a_choice_is_refused_clearly(app: App) -> None:
    chat = Conversation(app.assistant, locale="en")
    await chat.say("/idea")
    await chat.say("A laser for the moon")
    await chat.say("²")
    assert "Please pick one of the options" in chat.text
    assert "code" not in chat.text
