"""The Telegram channel by polling: the real PTB Application against the fake Bot API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.channels.telegram_support import (
    ALICE,
    BOB,
    BOT_ID,
    CLARA,
    GROUP,
    RecordingTelegram,
    fixture,
    press_update,
    telegram_run,
    text_update,
)
from tests.conversation import Conversation

MakeApp = Callable[..., Any]


def buttons(call: Any) -> list[tuple[str, str]]:
    markup = call.params.get("reply_markup") or {"inline_keyboard": []}
    return [(b["text"], b["callback_data"]) for row in markup["inline_keyboard"] for b in row]


async def test_start_publishes_the_commands_in_german_and_english(make_app: MakeApp) -> None:
    """Every command in the menus is one the handlers know, in that language."""
    async with telegram_run(make_app) as run:
        menus = {
            call.params.get("language_code"): [c["command"] for c in call.params["commands"]]
            for call in run.fake.called("setMyCommands")
        }
        assert run.channel.running
        templates = run.app.services.templates
        for code in ("de", "en"):
            for number, command in enumerate(menus[code]):
                chat = Conversation(run.app.assistant, user=f"{code}-{number}", locale=code)
                await chat.say(f"/{command}")
                unknown = templates.render(code, "unknown_command", name=command)
                assert chat.text and chat.text != unknown, command
    assert menus["en"] == [
        "start",
        "idea",
        "trainings",
        "mytrainings",
        "privacy",
        "language",
        "help",
        "cancel",
    ]
    assert menus["de"] == [
        "start",
        "idee",
        "schulungen",
        "meinetrainings",
        "datenschutz",
        "sprache",
        "help",
        "abbrechen",
    ]
    assert menus[None] == menus["de"]  # the default language's menu for everyone else
    assert not run.channel.running


async def test_start_in_english_with_menu_buttons(make_app: MakeApp) -> None:
    async with telegram_run(make_app) as run:
        [sent] = await run.say("/start", ALICE)
    assert sent.params["chat_id"] == ALICE["id"]
    assert sent.params["parse_mode"] == "HTML"
    assert "Welcome to <b>optobot</b>" in sent.params["text"]
    labels = [label for label, _ in buttons(sent)]
    assert "Deutsch" in " ".join(labels)
    assert all(len(action.encode()) <= 64 for _, action in buttons(sent))


async def test_start_in_german_from_the_users_language_code(make_app: MakeApp) -> None:
    async with telegram_run(make_app) as run:
        [sent] = await run.say("/start", CLARA)
    assert "Willkommen bei <b>optobot</b>" in sent.params["text"]
    assert "English" in " ".join(label for label, _ in buttons(sent))


async def test_the_fixture_command_update_is_answered(make_app: MakeApp) -> None:
    async with telegram_run(make_app) as run:
        await run.push(fixture("update_command_start"))
        [sent] = run.fake.called("sendMessage")
    assert sent.params["chat_id"] == 10001 and "Welcome" in sent.params["text"]


async def test_a_pressed_button_is_answered_and_its_keyboard_removed(make_app: MakeApp) -> None:
    async with telegram_run(make_app) as run:
        await run.say("/start", ALICE)
        pressed = await run.press("Deutsch")
        [answer] = run.fake.called("answerCallbackQuery")
        [disarmed] = run.fake.called("editMessageReplyMarkup")
        texts = run.fake.texts(ALICE["id"])
    assert answer.params["callback_query_id"] == pressed["callback_query"]["id"]
    assert "text" not in answer.params  # nothing to say: the new message says it
    assert disarmed.params["message_id"] == pressed["callback_query"]["message"]["message_id"]
    assert "reply_markup" not in disarmed.params  # Telegram's way of removing the keyboard
    assert len(texts) == 2 and "Deutsch" in texts[1]


async def test_declining_forget_replaces_the_question_with_the_answer(make_app: MakeApp) -> None:
    async with telegram_run(make_app) as run:
        await run.say("/forget", ALICE)
        pressed = await run.press("privacy:forget:no")
        [edited] = run.fake.called("editMessageText")
        texts = run.fake.texts(ALICE["id"])
    assert edited.params["message_id"] == pressed["callback_query"]["message"]["message_id"]
    assert "everything stays" in edited.params["text"] and not edited.params.get("reply_markup")
    assert len(texts) == 1 and "delete your data" in texts[0]  # only the question was sent


async def test_an_unknown_button_gets_an_alert_and_nothing_else(make_app: MakeApp) -> None:
    async with telegram_run(make_app) as run:
        await run.say("/start", ALICE)
        message, _ = run.fake.last_with_button("Deutsch")
        message["reply_markup"]["inline_keyboard"][0][0]["callback_data"] = "gone:1"
        await run.press("gone:1")
        [answer] = run.fake.called("answerCallbackQuery")
        assert not run.fake.called("editMessageReplyMarkup")
        assert len(run.fake.called("sendMessage")) == 1
    assert answer.params["show_alert"] is True
    assert answer.params["text"] == "This button is no longer active."


async def test_a_button_without_data_is_still_answered(make_app: MakeApp) -> None:
    async with telegram_run(make_app) as run:
        update = fixture("update_callback_query")
        del update["callback_query"]["data"]
        update["callback_query"]["game_short_name"] = "none"
        await run.push(update)
        [answer] = run.fake.called("answerCallbackQuery")
    assert answer.params["text"] == "This button is no longer active."


async def test_group_message_without_mention_is_ignored(make_app: MakeApp) -> None:
    async with telegram_run(make_app) as run:
        assert await run.say("what is ZIM?", BOB, chat=GROUP) == []
        assert await run.say("/start@other_bot", BOB, chat=GROUP) == []
        await run.push(fixture("update_sticker") | _in_group())
        assert run.fake.called("sendMessage") == []


def _in_group() -> dict[str, Any]:
    sticker = fixture("update_sticker")["message"]
    return {"message": sticker | {"chat": GROUP, "from": BOB}}


async def test_group_message_with_mention_is_answered_in_the_group(make_app: MakeApp) -> None:
    async with telegram_run(make_app) as run:
        update = fixture("update_group_mention")
        update["message"]["text"] = "@test_bot /start"
        update["message"]["entities"][0]["length"] = len("@test_bot")
        await run.push(update)
        [sent] = run.fake.called("sendMessage")
    assert sent.params["chat_id"] == GROUP["id"]
    assert "Welcome" in sent.params["text"]
    assert sent.params["reply_parameters"]["message_id"] == update["message"]["message_id"]


async def test_group_commands_for_this_bot_and_replies_to_it_are_answered(
    make_app: MakeApp,
) -> None:
    async with telegram_run(make_app) as run:
        [answer] = await run.say("/start@test_bot", BOB, chat=GROUP)
        bot_message = run.fake.messages[-1]
        replied = await run.say("/help", BOB, chat=GROUP, reply_to_message=bot_message)
        assert bot_message["from"]["id"] == BOT_ID
    assert answer.params["chat_id"] == GROUP["id"] and "Welcome" in answer.params["text"]
    assert len(replied) == 1 and "/language" in replied[0].params["text"]


async def test_sticker_and_edit_in_private_get_a_short_note(make_app: MakeApp) -> None:
    async with telegram_run(make_app) as run:
        await run.push(fixture("update_sticker"))
        await run.push(fixture("update_edited_message"))
        sticker, edited = run.fake.called("sendMessage")
    assert sticker.params["text"].startswith("I read text only")
    assert "new message" in edited.params["text"]


async def test_issue_24_stickers_photos_and_edits_count_towards_the_rate_limit(
    make_app: MakeApp,
) -> None:
    """15 stickers used to get 15 notes with a limit of 3: the notes skipped the limiter."""
    async with telegram_run(make_app, rate_limit_per_minute=3) as run:
        for number in range(15):
            update = fixture("update_sticker" if number % 2 else "update_edited_message")
            await run.push(update)
        texts = run.fake.texts()
    assert len(texts) == 4
    assert "writing very fast" in texts[3] and "Please try again in" in texts[3]


async def test_issue_24_forged_presses_are_counted_on_their_own_budget(
    make_app: MakeApp,
) -> None:
    """A custom client can send any callback_data, as fast as it likes."""
    async with telegram_run(
        make_app, rate_limit_per_minute=2, rate_limit_presses_per_minute=3
    ) as run:
        await run.say("/start")
        message, _ = run.fake.last_with_button("menu:ask")
        for number in range(10):
            await run.push(press_update(message, "menu:ask" if number % 2 else "", ALICE))
        answers = run.fake.called("answerCallbackQuery")
        asked = [t for t in run.fake.texts() if "Just type your question" in t]
        assert len(answers) == 10  # every press is answered, or its button keeps spinning
        alerts = [a.params.get("text") or "" for a in answers]
        assert "writing very fast" in alerts[3] and not any(alerts[4:])
        assert len(asked) == 1  # of the three within the budget, one had data
        assert len(await run.say("/help")) == 1  # messages keep their own budget


async def test_notes_follow_the_language_the_member_chose(make_app: MakeApp) -> None:
    async with telegram_run(make_app) as run:
        await run.say("/language de", ALICE)
        await run.push(fixture("update_sticker"))
    assert run.fake.texts()[-1].startswith("Ich lese nur Text")


async def test_429_is_waited_out_and_the_message_delivered(make_app: MakeApp) -> None:
    too_many = {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 1",
        "parameters": {"retry_after": 1},
    }
    async with telegram_run(make_app) as run:
        run.fake.fail("sendMessage", 429, too_many)
        await run.say("/start", ALICE)
        first, second = run.fake.called("sendMessage")
    assert first.params == second.params


async def test_a_polling_outage_is_retried_not_fatal(make_app: MakeApp) -> None:
    async with telegram_run(make_app) as run:
        bad_gateway = {"ok": False, "error_code": 502, "description": "Bad Gateway"}
        run.fake.fail("getUpdates", 502, bad_gateway)
        [sent] = await run.say("/start", ALICE)
        assert run.channel.running
    assert "Welcome" in sent.params["text"]


async def test_updates_redelivered_after_a_restart_are_answered_once(make_app: MakeApp) -> None:
    async with RecordingTelegram() as fake:
        async with telegram_run(make_app, fake) as first:
            await first.say("/start", ALICE)
        async with telegram_run(make_app, fake) as second:  # polls again from offset 0
            await second.say("/help", ALICE)
        texts = fake.texts()
    assert second.handled == [*first.handled, second.handled[-1]]  # /start came twice
    assert len(texts) == 2 and "Welcome" in texts[0] and "/language" in texts[1]


def test_update_with_text_builder_matches_fixture_shape() -> None:
    built = text_update("hello bot")
    original = fixture("update_private_text")
    assert built["message"].keys() == original["message"].keys()
