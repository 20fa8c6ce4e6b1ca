"""The aiohttp transport under PTB: what a slow, closed or broken Bot API turns into.

The happy paths (texts, keyboards, documents) run through it in every Telegram test; here
the failures PTB's retry and error handling depend on.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.channels.telegram_http import AiohttpRequest


async def _slow(request: web.Request) -> web.Response:
    await asyncio.sleep(2)
    return web.json_response({"ok": True, "result": True})


async def _form(request: web.Request) -> web.Response:
    form = await request.post()
    return web.json_response({"ok": True, "result": dict(form)})


@pytest.fixture
async def api() -> AsyncIterator[str]:
    server = web.Application()
    server.router.add_post("/slow", _slow)
    server.router.add_post("/form", _form)
    runner = web.AppRunner(server)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


@pytest.fixture
async def transport() -> AsyncIterator[AiohttpRequest]:
    request = AiohttpRequest(read_timeout=0.2)
    await request.initialize()
    yield request
    await request.shutdown()


async def test_parameters_arrive_as_form_fields(api: str, transport: AiohttpRequest) -> None:
    data = RequestData(
        [RequestParameter.from_input("chat_id", 42), RequestParameter.from_input("text", "Grüße")]
    )
    status, payload = await transport.do_request(api + "/form", "POST", data)
    assert status == 200
    assert json.loads(payload)["result"] == {"chat_id": "42", "text": "Grüße"}


async def test_a_slow_api_is_a_timeout(api: str, transport: AiohttpRequest) -> None:
    with pytest.raises(TimedOut):
        await transport.do_request(api + "/slow", "POST")


async def test_a_closed_port_is_a_network_error(transport: AiohttpRequest) -> None:
    with pytest.raises(NetworkError, match="aiohttp"):
        await transport.do_request("http://127.0.0.1:9/nothing", "POST")


async def test_used_before_initialize_says_so() -> None:
    with pytest.raises(RuntimeError, match="not initialized"):
        await AiohttpRequest().do_request("http://127.0.0.1:9/", "POST")
