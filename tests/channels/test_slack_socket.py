"""Socket Mode: the same Bolt app, fed over a WebSocket instead of /slack/events."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import WSMsgType, web

from bot.channels import slack_blocks as blocks
from bot.channels.slack import EVENTS_PATH, SlackChannel
from tests.channels.slack_support import DM, MEMBER, fixture, slack_settings
from tests.conversation import Conversation
from tests.fakes.server import Call
from tests.fakes.slack_api import FakeSlack

APP_TOKEN = "xapp-1-test"


class SocketSlack(FakeSlack):
    """The fake Web API plus the Socket Mode endpoint apps.connections.open points to."""

    def __init__(self) -> None:
        super().__init__()
        self.to_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.from_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    def routes(self, app: web.Application) -> None:
        app.router.add_get("/link", self._link)
        super().routes(app)

    def on_apps_connections_open(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"url": self.url.replace("http://", "ws://") + "/link"}

    async def _link(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        await self.record(Call("socket.connected", {}))
        await socket.send_json({"type": "hello", "num_connections": 1})
        reader = asyncio.ensure_future(self._read(socket))
        try:
            while not socket.closed:
                envelope = await self.to_app.get()
                await socket.send_json(envelope)
        finally:
            reader.cancel()
        return socket

    async def _read(self, socket: web.WebSocketResponse) -> None:
        async for message in socket:
            if message.type == WSMsgType.TEXT:
                await self.from_app.put(json.loads(message.data))


@asynccontextmanager
async def connected(
    make_app: Callable[..., Any], fake: SocketSlack
) -> AsyncIterator[tuple[SocketSlack, SlackChannel]]:
    """The channel in Socket Mode, connected to the fake's WebSocket."""
    async with fake:
        fake.locales[MEMBER] = "en-US"
        app = await make_app(
            **slack_settings(fake, slack_signing_secret=None, slack_app_token=APP_TOKEN)
        )
        channel = SlackChannel(app)
        server = web.Application()
        channel.install(server)
        assert all(route.resource.canonical != EVENTS_PATH for route in server.router.routes())
        await channel.start()
        try:
            await fake.wait_for("socket.connected")
            yield fake, channel
        finally:
            await channel.stop()
        assert not channel.running


async def test_socket_mode_connects_answers_and_acknowledges(
    make_app: Callable[..., Any],
) -> None:
    async with connected(make_app, SocketSlack()) as (fake, channel):
        assert channel.running
        [opened] = fake.called("apps.connections.open")
        assert opened.headers["Authorization"] == f"Bearer {APP_TOKEN}"
        envelope = fixture("event_message_im")
        envelope["event"]["text"] = "/help"
        await fake.to_app.put(
            {
                "envelope_id": "env-1",
                "type": "events_api",
                "accepts_response_payload": False,
                "retry_attempt": 0,
                "payload": envelope,
            }
        )
        ack = await asyncio.wait_for(fake.from_app.get(), 5)
        assert ack["envelope_id"] == "env-1"
        [reply] = await fake.wait_for("chat.postMessage")
        assert reply.params["channel"] == DM and "/optobot language" in reply.params["text"]


async def test_the_slash_command_through_socket_mode(make_app: Callable[..., Any]) -> None:
    """Issue 32: ``/optobot language de`` arrives as a ``slash_commands`` envelope; the
    envelope is acknowledged at once and the answer comes to the DM."""
    async with connected(make_app, SocketSlack()) as (fake, channel):
        fields = fixture("slash_command")
        fields.update(text="language de", response_url=f"{fake.url}/response/socket-1")
        await fake.to_app.put(
            {
                "envelope_id": "env-cmd-1",
                "type": "slash_commands",
                "accepts_response_payload": True,
                "payload": fields,
            }
        )
        ack = await asyncio.wait_for(fake.from_app.get(), 5)
        assert ack == {"envelope_id": "env-cmd-1"}
        [reply] = await fake.wait_for("chat.postMessage")
        await channel.idle()
        twin = Conversation(channel.app.assistant, channel="slack", user="U0TWIN")
        expected = await twin.say("/language de")
        assert reply.params["channel"] == DM
        assert [reply.params["text"]] == [m.text for m in blocks.messages(expected[0])]
