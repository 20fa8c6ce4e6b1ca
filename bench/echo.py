"""The bare baseline of ``bench/load.py``: a python-telegram-bot Application and a Bolt
AsyncApp that echo each text, behind one aiohttp server on uvloop as ``optobot serve`` is
built, so the ratio to it shows what optobot adds to the platform libraries.

    python -m bench.echo    # with the TELEGRAM_*, SLACK_* and OPTOBOT_HTTP_* variables
"""

from __future__ import annotations

import asyncio
import hmac
import os
import signal
from typing import Any

import uvloop
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


async def echo_telegram(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None and message.text is not None
    await context.bot.send_message(message.chat_id, message.text)


async def echo_slack(event: dict[str, Any], client: AsyncWebClient) -> None:
    # chat.postMessage, not ``say``: in a DM thread ``say`` first looks up the thread context
    await client.chat_postMessage(
        channel=event["channel"], text=event.get("text") or "", thread_ts=event.get("thread_ts")
    )


async def main() -> None:
    env = os.environ
    telegram = (
        Application.builder()
        .token(env["TELEGRAM_BOT_TOKEN"])
        .base_url(env["TELEGRAM_API_BASE_URL"])
        .updater(None)
        .build()
    )
    telegram.add_handler(MessageHandler(filters.TEXT, echo_telegram))
    client = AsyncWebClient(token=env["SLACK_BOT_TOKEN"], base_url=env["SLACK_API_URL"])
    bolt = AsyncApp(client=client, signing_secret=env["SLACK_SIGNING_SECRET"])
    bolt.event("message")(echo_slack)
    secret = env["OPTOBOT_TELEGRAM_WEBHOOK_SECRET"].encode()

    async def webhook(request: web.Request) -> web.Response:
        if not hmac.compare_digest(request.headers.get(SECRET_HEADER, "").encode(), secret):
            return web.Response(status=403)
        await telegram.process_update(Update.de_json(await request.json(), telegram.bot))
        return web.Response()

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    async def healthz(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    server = web.Application()
    server.add_routes(
        [
            web.post("/telegram/webhook", webhook),
            web.post("/slack/events", events),
            web.get("/healthz", healthz),
        ]
    )
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with telegram:
        await telegram.start()
        runner = web.AppRunner(server, handle_signals=False)
        await runner.setup()
        await web.TCPSite(runner, env["OPTOBOT_HTTP_HOST"], int(env["OPTOBOT_HTTP_PORT"])).start()
        await stop.wait()
        await runner.cleanup()
        await telegram.stop()


if __name__ == "__main__":
    uvloop.run(main())
