"""The sender on its own (the outbox's) against the fake Bot API: chunks, files, edits."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.channels.telegram import make_sender
from bot.channels.telegram_send import TelegramSender
from bot.messages import Attachment, Choice, Reply
from bot.settings import Settings
from tests.channels.telegram_support import RecordingTelegram, telegram_settings

STAFF_GROUP = -1001000000099
ICS = b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:reg-1\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"


@pytest.fixture
async def fake() -> AsyncIterator[RecordingTelegram]:
    async with RecordingTelegram() as fake:
        yield fake


@pytest.fixture
async def sender(fake: RecordingTelegram, make_settings: Any) -> AsyncIterator[TelegramSender]:
    settings: Settings = make_settings(**telegram_settings(fake))
    sender = make_sender(settings)
    yield sender
    await sender.close()


async def test_outbox_sender_sends_with_its_own_bot(
    fake: RecordingTelegram, sender: TelegramSender
) -> None:
    card = Reply("**New lead** IDEA-1", (Choice("Claim", "lead:claim:IDEA-1"),))
    refs = await sender.send(str(STAFF_GROUP), [card])
    [call] = fake.called("sendMessage")
    assert call.params["chat_id"] == STAFF_GROUP
    assert call.params["text"] == "<b>New lead</b> IDEA-1"
    assert call.params["reply_markup"] == {
        "inline_keyboard": [[{"text": "Claim", "callback_data": "lead:claim:IDEA-1"}]]
    }
    assert refs == [str(fake.messages[-1]["message_id"])]


async def test_long_reply_is_several_messages_with_the_buttons_on_the_last(
    fake: RecordingTelegram, sender: TelegramSender
) -> None:
    text = "\n\n".join(f"Paragraph {n} " + "x" * 1500 for n in range(6))
    refs = await sender.send("10001", [Reply(text, (Choice("OK", "ok"),))])
    calls = fake.called("sendMessage")
    assert len(calls) == len(refs) == 3
    assert [("reply_markup" in call.params) for call in calls] == [False, False, True]
    assert all(len(call.params["text"]) <= 4096 for call in calls)


async def test_calendar_file_arrives_as_a_document_with_caption(
    fake: RecordingTelegram, sender: TelegramSender
) -> None:
    reply = Reply("Registered: **Japan**", attachment=Attachment("japan.ics", ICS, "text/calendar"))
    await sender.send("10001", [reply])
    [call] = fake.called("sendDocument")
    assert call.files["document"] == ICS
    assert call.params["document_filename"] == "japan.ics"
    assert call.params["caption"] == "Registered: <b>Japan</b>"
    assert not fake.called("sendMessage")


async def test_text_too_long_for_a_caption_goes_first_then_the_file(
    fake: RecordingTelegram, sender: TelegramSender
) -> None:
    reply = Reply("y" * 2000, attachment=Attachment("a.ics", ICS, "text/calendar"))
    await sender.send("10001", [reply])
    assert [call.method for call in fake.calls if call.method != "getMe"] == [
        "sendMessage",
        "sendDocument",
    ]
    assert "caption" not in fake.called("sendDocument")[0].params


async def test_edit_replaces_text_and_buttons_and_tolerates_unchanged(
    fake: RecordingTelegram, sender: TelegramSender
) -> None:
    await sender.send("10001", [Reply("x")])  # connects the bot
    claimed = Reply("Claimed by Sven", (Choice("Close", "lead:close:IDEA-1"),), edit=True)
    assert await sender.edit(STAFF_GROUP, 77, claimed)
    [call] = fake.called("editMessageText")
    assert call.params["message_id"] == 77 and call.params["text"] == "Claimed by Sven"
    unchanged = {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: message is not modified: specified new message content "
        "and reply markup are exactly the same",
    }
    fake.fail("editMessageText", 400, unchanged)
    assert await sender.edit(STAFF_GROUP, 77, claimed)
    gone = {"ok": False, "error_code": 400, "description": "Bad Request: message to edit not found"}
    fake.fail("editMessageText", 400, gone)
    assert not await sender.edit(STAFF_GROUP, 77, claimed)


async def test_a_card_sent_in_several_messages_gets_its_new_buttons_on_the_last(
    fake: RecordingTelegram, sender: TelegramSender
) -> None:
    card = Reply("Lead " + "long text " * 600, (Choice("Claim", "lead:claim:IDEA-1"),))
    refs = await sender.send(str(STAFF_GROUP), [card])
    claimed = Reply(card.text + " Claimed by Sven", (Choice("Close", "lead:close:IDEA-1"),))
    await sender.replace_sent(str(STAFF_GROUP), refs, claimed)
    [call] = fake.called("editMessageReplyMarkup")
    assert len(refs) == 2 and not fake.called("editMessageText")
    assert call.params["message_id"] == int(refs[-1])
    keyboard = call.params["reply_markup"]["inline_keyboard"]
    assert [button["callback_data"] for row in keyboard for button in row] == ["lead:close:IDEA-1"]


async def test_failure_reaches_the_outbox_so_it_retries(
    fake: RecordingTelegram, sender: TelegramSender
) -> None:
    blocked = {
        "ok": False,
        "error_code": 403,
        "description": "Forbidden: bot was blocked by the user",
    }
    fake.fail("sendMessage", 403, blocked)
    with pytest.raises(Exception, match="blocked"):
        await sender.send("10001", [Reply("Reminder")])
