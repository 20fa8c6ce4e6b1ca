"""The bare baselines behind one aiohttp server on uvloop, the way ``optobot serve`` is
built: a python-telegram-bot Application whose webhook route calls ``process_update`` and
echoes with ``send_message``, and a Bolt AsyncApp that acks and echoes with
``chat.postMessage``. No database, no rate limiter: what the platform libraries cost on
their own.

With ``OPTOBOT_DATABASE_URL`` set it is the *floor* instead: each event's id is first
recorded in one transaction (optobot's own ``record_event`` through a SQLAlchemy session),
the least any bot does that runs as several workers and must not answer an event twice;
an event seen before gets no echo. ``--processes N`` runs it as N processes on one port
(``SO_REUSEPORT``), as ``optobot serve --workers N`` runs the assistant.

    python -m bench.loadkit.echo [--processes N]    # with the variables of ``optobot serve``
"""

from __future__ import annotations

import argparse
import asyncio
import hmac
import os
import signal
import subprocess
import sys
from typing import Any

import uvloop
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from bot.storage import Database, utcnow
from bot.storage.dialogues import record_event

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


async def first_time(database: Database | None, channel: str, event_id: str) -> bool:
    """True for a new event; always True without a database (the bare echo)."""
    if database is None:
        return True
    async with database.transaction() as session:
        return await record_event(session, channel, event_id, utcnow())


def echo_telegram(database: Database | None) -> MessageHandler:  # type: ignore[type-arg]
    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None and message.text is not None
        if await first_time(database, "telegram", str(update.update_id)):
            await context.bot.send_message(message.chat_id, message.text)

    return MessageHandler(filters.TEXT, echo)


def telegram_route(application: Application, secret: str) -> web.RouteDef:  # type: ignore[type-arg]
    async def webhook(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return web.Response(status=403)
        update = Update.de_json(await request.json(), application.bot)
        await application.process_update(update)
        return web.Response(status=200)

    return web.post("/telegram/webhook", webhook)


def slack_route(bolt: AsyncApp, database: Database | None) -> web.RouteDef:
    @bolt.event("message")
    async def echo_slack(
        event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        if not await first_time(database, "slack", body["event_id"]):
            return
        # chat.postMessage, not ``say``: in a DM thread Bolt's ``say`` first looks up the
        # assistant-thread context (conversations.replies), which is no echo any more
        await client.chat_postMessage(
            channel=event["channel"], text=event.get("text") or "", thread_ts=event.get("thread_ts")
        )

    async def events(request: web.Request) -> web.Response:
        response = await bolt.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(response)

    return web.post("/slack/events", events)


def run(processes: int) -> None:
    """This process and ``processes - 1`` more on the same port; SIGTERM is passed on."""
    argv = [sys.executable, "-m", "bench.loadkit.echo"]
    others = [subprocess.Popen(argv) for _ in range(processes - 1)]
    try:
        uvloop.run(main())  # the loop of ``optobot serve``: the ratio compares our code only
    finally:
        for other in others:
            other.send_signal(signal.SIGTERM)
        for other in others:
            other.wait()


async def main() -> None:
    env = os.environ
    application = (
        Application.builder()
        .token(env["TELEGRAM_BOT_TOKEN"])
        .base_url(env["TELEGRAM_API_BASE_URL"])
        .updater(None)
        .build()
    )
    url = env.get("OPTOBOT_DATABASE_URL")
    database = Database(url) if url else None
    application.add_handler(echo_telegram(database))
    client = AsyncWebClient(token=env["SLACK_BOT_TOKEN"], base_url=env["SLACK_API_URL"])
    bolt = AsyncApp(client=client, signing_secret=env["SLACK_SIGNING_SECRET"])
    server = web.Application()
    server.add_routes(
        [
            telegram_route(application, env["OPTOBOT_TELEGRAM_WEBHOOK_SECRET"]),
            slack_route(bolt, database),
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
        host, port = env["OPTOBOT_HTTP_HOST"], int(env["OPTOBOT_HTTP_PORT"])
        # every process binds with SO_REUSEPORT (the port is a fresh one the bench chose)
        await web.TCPSite(runner, host, port, reuse_port=True).start()
        await stop.wait()
        await runner.cleanup()
        await application.stop()
    if database is not None:
        await database.dispose()


async def healthz(request: web.Request) -> web.Response:
    return web.Response(text="ok")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", type=int, default=1, help="processes on the port (1)")
    run(parser.parse_args().processes)
