"""The bare baselines behind one aiohttp server on uvloop, the way ``optobot serve`` is
built: a python-telegram-bot Application whose webhook route calls ``process_update`` and
echoes with ``send_message``, and a Bolt AsyncApp that acks and echoes with ``say``. No
database, no rate limiter: what the platform libraries cost on their own.

    python -m bench.loadkit.echo     # with the same variables as ``optobot serve``
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


def telegram_route(application: Application, secret: str) -> web.RouteDef:  # type: ignore[type-arg]
    async def webhook(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return web.Response(status=403)
        update = Update.de_json(await request.json(), application.bot)
        await application.process_update(update)
        return web.Response(status=200)

    return web.post("/telegram/webhook", webhook)


def slack_route(bolt: AsyncApp) -> web.RouteDef:
    @bolt.event("message")
    async def echo_slack(event: dict[str, Any], client: AsyncWebClient) -> None:
        # chat.postMessage, not ``say``: in a DM thread Bolt's ``say`` first looks up the
        # assistant-thread context (conversations.replies), which is no echo any more
        await client.chat_postMessage(
            channel=event["channel"], text=event.get("text") or "", thread_ts=event.get("thread_ts")
        )

    async def events(request: web.Request) -> web.Response:
        response = await bolt.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(response)

    return web.post("/slack/events", events)


async def main() -> None:
    env = os.environ
    application = (
        Application.builder()
        .token(env["TELEGRAM_BOT_TOKEN"])
        .base_url(env["TELEGRAM_API_BASE_URL"])
        .updater(None)
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT, echo_telegram))
    client = AsyncWebClient(token=env["SLACK_BOT_TOKEN"], base_url=env["SLACK_API_URL"])
    bolt = AsyncApp(client=client, signing_secret=env["SLACK_SIGNING_SECRET"])
    server = web.Application()
    server.add_routes(
        [
            telegram_route(application, env["OPTOBOT_TELEGRAM_WEBHOOK_SECRET"]),
            slack_route(bolt),
            web.get("/healthz", healthz),
        ]
    )
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(signum, stop.set)
    async with application:
        await application.start()
        runner = web.AppRunner(server, handle_signals=False)
        await runner.setup()
        await web.TCPSite(runner, env["OPTOBOT_HTTP_HOST"], int(env["OPTOBOT_HTTP_PORT"])).start()
        await stop.wait()
        await runner.cleanup()
        await application.stop()


async def healthz(request: web.Request) -> web.Response:
    return web.Response(text="ok")


if __name__ == "__main__":
    uvloop.run(main())  # the event loop of ``optobot serve``: the ratio compares our code only
