"""A Slack workspace for tests: the real Bolt app behind /slack/events on 127.0.0.1, the fake
Web API on the far side, and requests signed like Slack signs them."""

from __future__ import annotations

import copy
import itertools
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient, TestServer

from bot.app import App
from bot.channels.slack import EVENTS_PATH, SlackChannel
from tests.fakes.server import Call
from tests.fakes.slack_api import SIGNING_SECRET, TOKEN, FakeSlack, sign

FIXTURES = Path(__file__).parent / "fixtures" / "slack"
MEMBER = "U0001"
DM = "D0001"
STAFF = "U0STAFF"
STAFF_CHANNEL = "C0STAFF"

_ids = itertools.count(1)


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def slack_settings(fake: FakeSlack, **overrides: Any) -> dict[str, Any]:
    return {
        "slack_bot_token": TOKEN,
        "slack_signing_secret": SIGNING_SECRET,
        "slack_api_url": fake.api_url,
        "staff_slack_channel": STAFF_CHANNEL,
        "staff_slack_ids": STAFF,
        **overrides,
    }


class Workspace:
    def __init__(self, app: App, fake: FakeSlack, channel: SlackChannel, http: TestClient) -> None:
        self.app = app
        self.fake = fake
        self.channel = channel
        self.http = http

    # raw requests ----------------------------------------------------------------------

    async def post(
        self,
        body: str,
        *,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
        timestamp: int | None = None,
        secret: str = SIGNING_SECRET,
    ) -> ClientResponse:
        signed = sign(body, secret, timestamp)
        return await self.http.post(
            EVENTS_PATH,
            data=body.encode(),
            headers={"Content-Type": content_type, **signed, **(headers or {})},
        )

    async def event(
        self, event: dict[str, Any], *, event_id: str | None = None, retry: int | None = None
    ) -> ClientResponse:
        envelope = fixture("event_message_im")
        envelope["event"] = event
        envelope["event_id"] = event_id or f"Ev{next(_ids):06d}"
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        return await self.post(json.dumps(envelope), headers=headers if retry else None)

    def slash_command(self, text: str, *, user: str = MEMBER, channel: str = DM) -> dict[str, Any]:
        """The fields of ``/optobot <text>``; its response_url leads to the fake."""
        number = next(_ids)
        fields = fixture("slash_command")
        fields.update(
            user_id=user,
            user_name=user.lower(),
            channel_id=channel,
            channel_name="directmessage" if channel.startswith("D") else "general",
            text=text,
            response_url=f"{self.fake.url}/response/cmd-{number}",
            trigger_id=f"{number}.1000000001.{number:032x}",
        )
        return fields

    async def command(self, text: str, *, user: str = MEMBER, channel: str = DM) -> ClientResponse:
        """``/optobot <text>`` typed by ``user`` in ``channel``: form-encoded and signed."""
        body = urlencode(self.slash_command(text, user=user, channel=channel))
        return await self.post(body, content_type="application/x-www-form-urlencoded")

    async def interact(self, payload: dict[str, Any]) -> ClientResponse:
        body = urlencode({"payload": json.dumps(payload)})
        return await self.post(body, content_type="application/x-www-form-urlencoded")

    # what a member does ----------------------------------------------------------------

    def message_event(self, text: str, *, user: str = MEMBER, channel: str = DM) -> dict[str, Any]:
        event = fixture("event_message_im")["event"]
        ts = f"1735690000.{next(_ids):06d}"
        event.update(user=user, channel=channel, text=text, ts=ts, event_ts=ts)
        return event

    async def dm(self, text: str, *, user: str = MEMBER, channel: str = DM) -> list[Call]:
        """Write in the DM and wait for the answer to arrive at the fake."""
        before = len(self.fake.called("chat.postMessage"))
        response = await self.event(self.message_event(text, user=user, channel=channel))
        assert response.status == 200
        return await self.posted(before)

    async def posted(self, before: int) -> list[Call]:
        """The messages posted since ``before``, once the work after the ack is done."""
        await self.fake.wait_for("chat.postMessage", before + 1)
        await self.channel.idle()
        return self.fake.called("chat.postMessage")[before:]

    def button(self, wanted: str) -> tuple[Call, dict]:
        """The newest message (posted or updated) with a button whose action is ``wanted``,
        or whose label contains it."""
        calls = [c for c in self.fake.calls if c.method in ("chat.postMessage", "chat.update")]
        for call in reversed(calls):
            element = _find(call.params.get("blocks", []), wanted)
            if element is not None:
                return call, element
        raise AssertionError(f"no button {wanted!r}")

    async def press(
        self,
        label: str,
        *,
        user: str = MEMBER,
        call: Call | None = None,
        channel: str | None = None,
    ) -> ClientResponse:
        """Press a button of a posted message, as block_actions from ``user``."""
        found, element = self.button(label) if call is None else (call, _element(call, label))
        channel = channel or found.params["channel"]
        ts = f"1700000000.{next(_ids):06d}"
        payload = block_actions(user, channel, ts, element, found.params)
        return await self.interact(payload)

    async def choose(self, wanted: str, *, user: str = MEMBER) -> list[Call]:
        """Press a button and wait for the messages that answer it."""
        before = len(self.fake.called("chat.postMessage"))
        response = await self.press(wanted, user=user)
        assert response.status == 200
        return await self.posted(before)

    async def press_home(self, label: str, *, user: str = MEMBER) -> ClientResponse:
        view = self.fake.called("views.publish")[-1].params["view"]
        element = _element(Call("views.publish", {"blocks": view["blocks"]}), label)
        payload = block_actions(user, None, None, element, {})
        payload["container"] = {"type": "view", "view_id": "V0HOME"}
        payload["view"] = {**view, "id": "V0HOME"}
        del payload["message"], payload["channel"]
        return await self.interact(payload)


def _find(blocks: list[dict[str, Any]], wanted: str) -> dict[str, Any] | None:
    elements = [
        element for block in blocks if block["type"] == "actions" for element in block["elements"]
    ]
    exact = [element for element in elements if element["value"] == wanted]
    labelled = [e for e in elements if wanted.casefold() in e["text"]["text"].casefold()]
    return next(iter(exact or labelled), None)


def _element(call: Call, wanted: str) -> dict[str, Any]:
    element = _find(call.params.get("blocks", []), wanted)
    if element is None:
        raise AssertionError(f"no button {wanted!r} in {call.params.get('blocks')}")
    return element


def block_actions(
    user: str, channel: str | None, ts: str | None, element: dict[str, Any], message: dict
) -> dict[str, Any]:
    """The fixture's block_actions payload for one press of ``element``."""
    payload = copy.deepcopy(fixture("block_actions"))
    payload["user"] = {
        "id": user,
        "username": user.lower(),
        "name": user.lower(),
        "team_id": "T0001",
    }
    message_ts = message.get("ts") or "1700000000.000001"
    payload["container"] = {
        "type": "message",
        "message_ts": message_ts,
        "channel_id": channel,
        "is_ephemeral": False,
    }
    payload["channel"] = {"id": channel, "name": "direct"}
    payload["message"] = {
        "type": "message",
        "user": "U0BOT",
        "bot_id": "B0001",
        "text": message.get("text", ""),
        "ts": message_ts,
        "blocks": message.get("blocks", []),
    }
    if message.get("thread_ts"):
        payload["message"]["thread_ts"] = message["thread_ts"]
    payload["state"] = {"values": {}}
    payload["actions"] = [
        {
            "action_id": element["action_id"],
            "block_id": "b1",
            "text": element["text"],
            "value": element["value"],
            "type": "button",
            "action_ts": ts or f"1700000001.{next(_ids):06d}",
        }
    ]
    return payload


@asynccontextmanager
async def workspace(
    make_app: Callable[..., Any], fake: FakeSlack | None = None, **overrides: Any
) -> AsyncIterator[Workspace]:
    """The app behind a real aiohttp server, its Slack channel installed and started."""
    fake = fake or FakeSlack()
    fake.locales.update({MEMBER: "en-US", STAFF: "en-GB"})
    await fake.start()
    app = await make_app(**slack_settings(fake, **overrides))
    channel = SlackChannel(app)
    server = web.Application()
    channel.install(server)
    http = TestClient(TestServer(server, host="127.0.0.1"))
    await http.start_server()
    await channel.start()
    # the token was checked at start; what the tests look at is what their events cause
    assert [call.method for call in fake.calls] == ["auth.test"]
    fake.calls.clear()
    try:
        yield Workspace(app, fake, channel, http)
    finally:
        await channel.stop()
        await http.close()
        await fake.stop()


def submission(view: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """The fixture's view_submission for the opened modal with these inputs."""
    payload = copy.deepcopy(fixture("view_submission"))
    payload["user"]["id"] = MEMBER
    payload["view"].update(
        blocks=view["blocks"],
        callback_id=view["callback_id"],
        private_metadata=view["private_metadata"],
        state={"values": {step: {"answer": value} for step, value in values.items()}},
    )
    return payload
