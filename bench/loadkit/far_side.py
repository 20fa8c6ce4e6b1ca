"""The far side of a load run: the fake Bot API and Web API of the channel tests, with an
inbox per chat instead of one list of every call.

The test fakes keep every call and let a test scan them; at thousands of calls a second
that scan would be the bench's own bottleneck. Here each reply is routed as it arrives to
the :class:`Inbox` of its chat, which keeps the time of the turn's first reply and the
few newest messages that still carry buttons.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter, OrderedDict
from collections.abc import Callable
from typing import Any

from tests.fakes.server import Call
from tests.fakes.slack_api import FakeSlack
from tests.fakes.telegram_api import FakeTelegram

Want = Callable[[str], bool]
"""Which button a member is after, by its action (callback_data or Slack value)."""
KEPT = 8
"""Messages remembered per chat: enough for the buttons a member may still press."""
TELEGRAM_REPLIES = frozenset({"sendMessage", "sendDocument", "editMessageText"})
SLACK_REPLIES = frozenset({"chat.postMessage", "chat.postEphemeral"})


class Inbox:
    """One chat as its member sees it: when this turn was answered, which buttons show.

    A turn carries a ``tag`` when replies of an earlier turn may still be arriving (Slack
    answers after its ack): only a reply with the same tag answers the turn.
    """

    def __init__(self) -> None:
        self.tag: str | None = None
        self.first_reply: float | None = None
        self.first_alert: float | None = None
        self._replied = asyncio.Event()
        self._shown = asyncio.Event()
        self._messages: OrderedDict[Any, tuple[dict[str, Any], list[str]]] = OrderedDict()

    def begin(self, tag: str | None = None) -> None:
        self.tag, self.first_reply, self.first_alert = tag, None, None
        self._replied.clear()

    def replied(self, tag: str | None = None) -> None:
        if self.first_reply is None and tag == self.tag:
            self.first_reply = time.perf_counter()
            self._replied.set()

    def alerted(self) -> None:
        """A pressed button was answered (Telegram's answerCallbackQuery)."""
        if self.first_alert is None:
            self.first_alert = time.perf_counter()

    async def wait_reply(self, seconds: float) -> float:
        await asyncio.wait_for(self._replied.wait(), seconds)
        assert self.first_reply is not None
        return self.first_reply

    def show(self, key: Any, message: dict[str, Any], actions: list[str]) -> None:
        """A message sent or edited; an edit without buttons takes them away."""
        self._messages.pop(key, None)
        self._messages[key] = (message, actions)
        while len(self._messages) > KEPT:
            self._messages.popitem(last=False)
        self._shown.set()

    def newest(self) -> str:
        """The last message shown and its buttons, for a failure that says what was seen."""
        if not self._messages:
            return "nothing shown"
        message, actions = next(reversed(self._messages.values()))
        text = str(message.get("text") or "")[:50]
        return f"{text!r} {actions[:4]}"

    def newest_has(self, want: Want) -> bool:
        if not self._messages:
            return False
        _, actions = next(reversed(self._messages.values()))
        return any(want(action) for action in actions)

    def find(self, want: Want) -> tuple[dict[str, Any], list[str]] | None:
        """The newest message with a wanted button, and all its wanted actions."""
        for message, actions in reversed(self._messages.values()):
            wanted = [action for action in actions if want(action)]
            if wanted:
                return message, wanted
        return None

    async def wait_button(self, want: Want, seconds: float) -> tuple[dict[str, Any], list[str]]:
        deadline = time.perf_counter() + seconds
        while (found := self.find(want)) is None:
            self._shown.clear()
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError
            await asyncio.wait_for(self._shown.wait(), left)
        return found


class LoadTelegram(FakeTelegram):
    """The fake Bot API; callback query ids start with ``q<chat>-`` so alerts find their
    chat."""

    def __init__(self) -> None:
        super().__init__()
        self.inboxes: dict[int, Inbox] = {}
        self.methods: Counter[str] = Counter()

    def inbox(self, chat_id: int) -> Inbox:
        return self.inboxes.setdefault(chat_id, Inbox())

    async def record(self, call: Call) -> None:
        self.methods[call.method] += 1
        if call.method in TELEGRAM_REPLIES:
            self.inbox(int(call.params["chat_id"])).replied()
        elif call.method == "answerCallbackQuery":
            query = str(call.params.get("callback_query_id", ""))
            if query.startswith("q"):
                self.inbox(int(query[1:].partition("-")[0])).alerted()

    def message(self, params: dict[str, Any], **extra: Any) -> dict[str, Any]:
        message = super().message(params, **extra)
        keyboard = (message.get("reply_markup") or {}).get("inline_keyboard", [])
        actions = [button["callback_data"] for row in keyboard for button in row]
        self.inbox(int(message["chat"]["id"])).show(message["message_id"], message, actions)
        return message


class LoadSlack(FakeSlack):
    """The fake Web API; a turn's replies are known by their ``thread_ts``."""

    def __init__(self) -> None:
        super().__init__()
        self.inboxes: dict[str, Inbox] = {}
        self.methods: Counter[str] = Counter()

    def inbox(self, channel: str) -> Inbox:
        return self.inboxes.setdefault(channel, Inbox())

    async def record(self, call: Call) -> None:
        self.methods[call.method] += 1
        if call.method in SLACK_REPLIES:
            thread = call.params.get("thread_ts")
            self.inbox(str(call.params.get("channel"))).replied(str(thread) if thread else None)

    def on_chat_postMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        answer = super().on_chat_postMessage(params)
        self._show(str(params.get("channel")), answer["ts"], params)
        return answer

    def on_chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        answer = super().on_chat_update(params)
        self._show(str(params.get("channel")), str(params.get("ts")), params)
        return answer

    def _show(self, channel: str, ts: str, params: dict[str, Any]) -> None:
        blocks = params.get("blocks") or []
        if isinstance(blocks, str):  # a form-encoded call sends them as JSON text
            blocks = json.loads(blocks)
        message = {
            "type": "message",
            "user": "U0BOT",
            "bot_id": "B0001",
            "text": params.get("text", ""),
            "ts": ts,
            "blocks": blocks,
        }
        actions = [
            element["value"]
            for block in blocks
            if block.get("type") == "actions"
            for element in block.get("elements", [])
            if "value" in element
        ]
        self.inbox(channel).show(ts, message, actions)
