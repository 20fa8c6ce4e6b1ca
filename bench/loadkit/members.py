"""Simulated members: each writes and presses in its own chat through the real HTTP path.

A Telegram member posts updates to the webhook, which answers 200 only after the update
was handled, so its replies are in the inbox by then. A Slack member posts signed events
and block actions to ``/slack/events``; Bolt acks first, so the member waits for the reply
of this turn (known by the ``thread_ts`` the turn carries) to reach the fake Web API.

Reply latency is from the POST to the first reply at the fake; Slack's ack latency is the
HTTP response time of the POST.
"""

from __future__ import annotations

import itertools
import json
import random
import time
from typing import Any, Protocol
from urllib.parse import urlencode

import aiohttp

from bench.loadkit.far_side import Inbox, LoadSlack, LoadTelegram, Want
from bench.loadkit.generator import Gate, StepFailed, Tally
from tests.fakes.slack_api import sign

TIMEOUT = 15.0
"""Seconds a member waits for a reply or a button before the step counts as failed."""
TELEGRAM_SECRET = "bench-webhook-secret"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_serial = itertools.count(int(time.time() * 1000) % 10**9 * 1000)
"""Update ids, message ids and Slack timestamps unique across runs on one database."""


class Member(Protocol):
    channel: str
    language: str
    number: int

    async def say(self, text: str) -> None: ...

    async def press(self, want: Want, rng: random.Random | None = None) -> None: ...

    def has(self, want: Want) -> bool: ...

    def shows(self, want: Want) -> bool: ...


def exact(action: str) -> Want:
    return lambda candidate: candidate == action


def starts(prefix: str, suffix: str = "") -> Want:
    return lambda candidate: candidate.startswith(prefix) and candidate.endswith(suffix)


async def _pick(inbox: Inbox, want: Want, rng: random.Random | None) -> tuple[dict[str, Any], str]:
    try:
        message, actions = await inbox.wait_button(want, TIMEOUT)
    except TimeoutError:
        raise StepFailed(f"no button to press after {inbox.newest()}") from None
    return message, rng.choice(actions) if rng is not None else actions[0]


class _Simulated:
    """What both kinds of member share: who they are, how they post, what they see."""

    inbox: Inbox

    def __init__(
        self,
        number: int,
        language: str,
        *,
        http: aiohttp.ClientSession,
        url: str,
        gate: Gate,
        tally: Tally,
    ) -> None:
        self.number, self.language = number, language
        self.http, self.url, self.gate, self.tally = http, url, gate, tally

    def has(self, want: Want) -> bool:
        """Some recent message carries a wanted button."""
        return self.inbox.find(want) is not None

    def shows(self, want: Want) -> bool:
        """The newest message carries a wanted button."""
        return self.inbox.newest_has(want)


class TelegramMember(_Simulated):
    channel = "telegram"

    def __init__(self, number: int, language: str, *, fake: LoadTelegram, **common: Any) -> None:
        super().__init__(number, language, **common)
        self.user = {
            "id": number,
            "is_bot": False,
            "first_name": f"Member{number}",
            "language_code": language,
        }
        self.chat = {"id": number, "first_name": f"Member{number}", "type": "private"}
        self.inbox = fake.inbox(number)

    async def say(self, text: str) -> None:
        message: dict[str, Any] = {
            "message_id": next(_serial),
            "from": self.user,
            "chat": self.chat,
            "date": int(time.time()),
            "text": text,
        }
        if text.startswith("/"):
            length = len(text.split(maxsplit=1)[0])
            message["entities"] = [{"offset": 0, "length": length, "type": "bot_command"}]
        await self._post({"message": message})

    async def press(self, want: Want, rng: random.Random | None = None) -> None:
        message, data = await _pick(self.inbox, want, rng)
        query = {
            "id": f"q{self.number}-{next(_serial)}",
            "from": self.user,
            "message": message,
            "chat_instance": str(self.number),
            "data": data,
        }
        await self._post({"callback_query": query})

    async def _post(self, update: dict[str, Any]) -> None:
        await self.gate.enter()
        body = json.dumps({"update_id": next(_serial), **update})
        headers = {"Content-Type": "application/json", SECRET_HEADER: TELEGRAM_SECRET}
        self.inbox.begin()
        start = time.perf_counter()
        try:
            async with self.http.post(self.url, data=body, headers=headers) as response:
                answer = await response.read()
                status = response.status
        except aiohttp.ClientError as error:
            raise StepFailed(f"webhook: {type(error).__name__}") from None
        if status != 200:
            raise StepFailed(f"webhook status {status}")
        if answer and json.loads(answer).get("method") == "answerCallbackQuery":
            self.inbox.alerted()  # Telegram runs the method a webhook response names
        answered = self.inbox.first_reply or self.inbox.first_alert
        if answered is None:
            raise StepFailed("no reply")
        self.tally.step(self.channel, reply=answered - start)


class SlackMember(_Simulated):
    channel = "slack"

    def __init__(self, number: int, language: str, *, fake: LoadSlack, **common: Any) -> None:
        super().__init__(number, language, **common)
        self.user = f"U{number:08d}"
        self.dm = f"D{number:08d}"
        fake.locales[self.user] = "de-DE" if language == "de" else "en-US"
        self.inbox = fake.inbox(self.dm)

    async def say(self, text: str) -> None:
        tag = self._tag()
        ts = self._tag()
        event = {
            "type": "message",
            "channel": self.dm,
            "user": self.user,
            "text": text,
            "ts": ts,
            "event_ts": ts,
            "thread_ts": tag,
            "channel_type": "im",
        }
        envelope = {
            "token": "verification-token-test",
            "team_id": "T0001",
            "api_app_id": "A0001",
            "event": event,
            "type": "event_callback",
            "event_id": f"Ev{next(_serial)}",
            "event_time": int(time.time()),
        }
        await self._post(json.dumps(envelope), "application/json", tag)

    async def press(self, want: Want, rng: random.Random | None = None) -> None:
        message, value = await _pick(self.inbox, want, rng)
        element = _element(message, value)
        tag = self._tag()
        payload = {
            "type": "block_actions",
            "user": {"id": self.user, "username": self.user.lower(), "team_id": "T0001"},
            "api_app_id": "A0001",
            "token": "verification-token-test",
            "container": {
                "type": "message",
                "message_ts": message["ts"],
                "channel_id": self.dm,
                "is_ephemeral": False,
            },
            "trigger_id": f"{next(_serial)}.trigger",
            "team": {"id": "T0001", "domain": "bench"},
            "channel": {"id": self.dm, "name": "directmessage"},
            "message": {**message, "thread_ts": tag},
            "state": {"values": {}},
            "actions": [
                {
                    "action_id": element["action_id"],
                    "block_id": "b1",
                    "text": element["text"],
                    "value": value,
                    "type": "button",
                    "action_ts": self._tag(),
                }
            ],
        }
        body = urlencode({"payload": json.dumps(payload)})
        await self._post(body, "application/x-www-form-urlencoded", tag)

    def _tag(self) -> str:
        return f"1800000000.{next(_serial)}"

    async def _post(self, body: str, content_type: str, tag: str) -> None:
        await self.gate.enter()
        raw = body.encode()
        headers = {"Content-Type": content_type, **sign(raw)}
        self.inbox.begin(tag)
        start = time.perf_counter()
        try:
            async with self.http.post(self.url, data=raw, headers=headers) as response:
                await response.read()
                status = response.status
        except aiohttp.ClientError as error:
            raise StepFailed(f"events: {type(error).__name__}") from None
        acked = time.perf_counter()
        if status != 200:
            raise StepFailed(f"events status {status}")
        try:
            answered = await self.inbox.wait_reply(TIMEOUT)
        except TimeoutError:
            raise StepFailed("no reply") from None
        self.tally.step(self.channel, reply=answered - start, ack=acked - start)


def _element(message: dict[str, Any], value: str) -> dict[str, Any]:
    """The pressed button of a message, for the action_id and label Slack sends back."""
    for block in message.get("blocks", []):
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            if element.get("value") == value:
                return dict(element)
    raise StepFailed("button gone")
