"""The real Telegram channel against the fake Bot API, and updates built from the fixtures.

``TelegramRun.push`` queues an update for getUpdates and waits until the channel has handled
it: an extra handler in a later PTB group marks each update done, so a test knows an ignored
update was ignored, not merely not reached yet.
"""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import ContextTypes, TypeHandler

from bot.app import App
from bot.channels.telegram import TelegramChannel
from tests.fakes.server import Call
from tests.fakes.telegram_api import BOT_ID, BOT_USERNAME, TOKEN, FakeTelegram

FIXTURES = Path(__file__).parent / "fixtures" / "telegram"
ALICE = {"id": 10001, "is_bot": False, "first_name": "Alice", "language_code": "en"}
BOB = {"id": 10002, "is_bot": False, "first_name": "Bob", "language_code": "en"}
CLARA = {"id": 10003, "is_bot": False, "first_name": "Clara", "language_code": "de"}
GROUP = {"id": -1001000000001, "title": "Test Group", "type": "supergroup"}


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def private_chat(user: dict[str, Any]) -> dict[str, Any]:
    return {"id": user["id"], "first_name": user["first_name"], "type": "private"}


def text_update(
    text: str,
    user: dict[str, Any] = ALICE,
    chat: dict[str, Any] | None = None,
    **message: Any,
) -> dict[str, Any]:
    """A message like update_private_text.json; commands get their bot_command entity."""
    update = fixture("update_private_text")
    del update["update_id"]
    body = update["message"]
    body.update(text=text, chat=chat or private_chat(user), **message)
    body["from"] = user
    if text.startswith("/"):
        length = len(text.split(maxsplit=1)[0])
        body["entities"] = [{"offset": 0, "length": length, "type": "bot_command"}]
    return update


class RecordingTelegram(FakeTelegram):
    """The fake Bot API that also remembers the messages it returned, to press their buttons."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list[dict[str, Any]] = []

    def message(self, params: dict[str, Any], **extra: Any) -> dict[str, Any]:
        message = super().message(params, **extra)
        self.messages.append(message)
        return message

    def texts(self, chat_id: int | None = None) -> list[str]:
        return [
            str(call.params["text"])
            for call in self.called("sendMessage")
            if chat_id is None or call.params["chat_id"] == chat_id
        ]

    def messages_sent_to(self, chat_id: int) -> list[int]:
        """The ids of the messages sent (not edited) to a chat, oldest first."""
        return [
            m["message_id"]
            for m in self.messages
            if m["chat"]["id"] == chat_id and "edit_date" not in m
        ]

    def last_with_button(self, wanted: str, chat_id: int | None = None) -> tuple[dict, dict]:
        """The newest message with a button whose label or data contains ``wanted``."""
        for message in reversed(self.messages):
            if chat_id is not None and message["chat"]["id"] != chat_id:
                continue
            markup = message.get("reply_markup") or {}
            for row in markup.get("inline_keyboard", []):
                for button in row:
                    if wanted == button["callback_data"] or wanted.casefold() in (
                        button["text"].casefold()
                    ):
                        return message, button
        raise AssertionError(f"no button {wanted!r} in any message")


class TelegramRun:
    def __init__(self, fake: RecordingTelegram, app: App, channel: TelegramChannel) -> None:
        self.fake = fake
        self.app = app
        self.channel = channel
        self._done: dict[int, asyncio.Event] = {}
        self.handled: list[int] = []
        channel.application.add_handler(TypeHandler(Update, self._mark_done), group=1)

    async def _mark_done(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        self.handled.append(update.update_id)
        self._done.setdefault(update.update_id, asyncio.Event()).set()

    async def push(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update for polling (with the next update id) and wait until handled."""
        update = copy.deepcopy(update)
        update.pop("update_id", None)
        pushed = self.fake.push_update(update)
        done = self._done.setdefault(pushed["update_id"], asyncio.Event())
        await asyncio.wait_for(done.wait(), 10)
        return pushed

    async def say(self, text: str, user: dict[str, Any] = ALICE, **message: Any) -> list[Call]:
        """Send a text; the sendMessage calls it caused."""
        before = len(self.fake.called("sendMessage"))
        await self.push(text_update(text, user, **message))
        return self.fake.called("sendMessage")[before:]

    async def press(
        self, wanted: str, user: dict[str, Any] = ALICE, chat_id: int | None = None
    ) -> dict[str, Any]:
        message, button = self.fake.last_with_button(wanted, chat_id)
        return await self.push(press_update(message, button["callback_data"], user))


def press_update(message: dict[str, Any], data: str, user: dict[str, Any]) -> dict[str, Any]:
    """A button press like update_callback_query.json, on a message the bot sent."""
    update = fixture("update_callback_query")
    del update["update_id"]
    query = update["callback_query"]
    query.update(id=f"cb-{message['message_id']}-{data}", data=data, message=message)
    query["from"] = user
    return update


def telegram_settings(fake: FakeTelegram) -> dict[str, Any]:
    return {
        "telegram_bot_token": TOKEN,
        "telegram_api_base_url": fake.base_url,
        "telegram_api_base_file_url": fake.base_file_url,
    }


@asynccontextmanager
async def telegram_run(
    make_app: Callable[..., Any], fake: RecordingTelegram | None = None, **settings: Any
) -> AsyncIterator[TelegramRun]:
    """The fake Bot API, an App on it and the started polling channel.

    Pass the ``fake`` of an earlier run to restart on the same far side.
    """
    async with AsyncExitStack() as stack:
        if fake is None:
            fake = await stack.enter_async_context(RecordingTelegram())
        app = await make_app(**telegram_settings(fake), **settings)
        channel = TelegramChannel(app)
        run = TelegramRun(fake, app, channel)
        await channel.start()
        stack.push_async_callback(channel.stop)
        yield run


__all__ = [
    "ALICE",
    "BOB",
    "BOT_ID",
    "BOT_USERNAME",
    "CLARA",
    "GROUP",
    "RecordingTelegram",
    "TelegramRun",
    "fixture",
    "press_update",
    "telegram_run",
    "telegram_settings",
    "text_update",
]
