"""The long-running process: channels, background workers and one HTTP server."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from contextlib import suppress

from aiohttp import web

from bot import metrics, retention
from bot.app import App, open_app
from bot.channels.base import Channel
from bot.curation import digest as gaps_digest
from bot.curation import reload as knowledge_reload
from bot.delivery.worker import delivering
from bot.office.web import install as install_office
from bot.settings import Settings
from bot.trainings.reminders import ReminderScheduler

log = logging.getLogger(__name__)


APP = web.AppKey("optobot", App)
CHANNELS = web.AppKey("channels", list)


class NoChannelConfigured(Exception):
    pass


class ChannelStartError(Exception):
    """A channel cannot start (a rejected token, an unreachable API); says why in one line."""


def configured_channels(app: App) -> list[Channel]:
    """The channels whose credentials are set, imported only when needed."""
    settings = app.settings
    channels: list[Channel] = []
    if settings.telegram_bot_token:
        from bot.channels.telegram import TelegramChannel

        channels.append(TelegramChannel(app))
    if settings.slack_bot_token and (settings.slack_signing_secret or settings.slack_app_token):
        from bot.channels.slack import SlackChannel

        channels.append(SlackChannel(app))
    return channels


def check_channels(settings: Settings) -> None:
    if settings.telegram_bot_token or (
        settings.slack_bot_token and (settings.slack_signing_secret or settings.slack_app_token)
    ):
        return
    raise NoChannelConfigured(
        "no channel is configured: set TELEGRAM_BOT_TOKEN for Telegram, and/or "
        "SLACK_BOT_TOKEN with SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN "
        "(Socket Mode) for Slack; `optobot chat` needs none of them"
    )


async def healthz(request: web.Request) -> web.Response:
    app: App = request.app[APP]
    channels: list[Channel] = request.app[CHANNELS]
    report: dict[str, object] = {"channels": {c.name: c.running for c in channels}}
    healthy = all(c.running for c in channels)
    try:
        await app.database.ping()
        report["database"] = "ok"
        report["outbox"] = await metrics.outbox_backlog(app.database)
    except Exception as error:  # the report says what is wrong
        report["database"] = f"error: {type(error).__name__}"
        healthy = False
    report["status"] = "ok" if healthy else "unavailable"
    return web.json_response(report, status=200 if healthy else 503)


async def metrics_endpoint(request: web.Request) -> web.Response:
    app: App = request.app[APP]
    body = await metrics.render(app.database)
    return web.Response(body=body, headers={"Content-Type": metrics.CONTENT_TYPE})


def http_app(app: App, channels: list[Channel]) -> web.Application:
    """The public HTTP server: health, the office and the routes the channels need."""
    server = web.Application()
    server[APP] = app
    server[CHANNELS] = channels
    server.router.add_get("/healthz", healthz)
    for channel in channels:
        channel.install(server)
    install_office(server, app)
    return server


def metrics_app(app: App) -> web.Application:
    """``/metrics`` alone, for a listener of its own (``OPTOBOT_METRICS_HOST``, by default
    this machine only): the figures are not for whoever reaches the webhooks."""
    server = web.Application()
    server[APP] = app
    server.router.add_get("/metrics", metrics_endpoint)
    return server


def _runner(server: web.Application, settings: Settings) -> web.AppRunner:
    access = logging.getLogger("aiohttp.access") if settings.http_access_log else None
    return web.AppRunner(server, handle_signals=False, access_log=access)


async def serve(
    settings: Settings,
    *,
    stop: asyncio.Event | None = None,
    ready: Callable[[], None] | None = None,
) -> None:
    """Serve until ``stop`` is set (SIGTERM, Ctrl-C); ``ready`` is called once the channels
    run and the port is bound, with everything the process keeps loaded."""
    check_channels(settings)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        with suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    async with open_app(settings) as app:
        app.services.templates.compile_all()
        knowledge = app.services.knowledge
        if knowledge is not None:  # staff edited the files: `kill -HUP <pid>` serves them
            with suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(signal.SIGHUP, knowledge.reload)
        channels = configured_channels(app)
        runners = [_runner(http_app(app, channels), settings), _runner(metrics_app(app), settings)]
        for runner in runners:
            await runner.setup()
        senders = {channel.name: channel.sender for channel in channels}
        async with (
            delivering(app, senders),
            ReminderScheduler(app.services).running(),
            retention.running(app.services),
            knowledge_reload.running(app.services),
            gaps_digest.running(app.services),
        ):
            try:
                for channel in channels:
                    await channel.start()
                    log.info("channel %s running", channel.name)
                # bound only now, so a worker never takes an update it cannot handle yet
                addresses = [
                    (settings.http_host, settings.http_port),
                    (settings.metrics_host, settings.metrics_port),
                ]
                for runner, (host, port) in zip(runners, addresses, strict=True):
                    site = web.TCPSite(runner, host, port, reuse_port=settings.http_reuse_port)
                    await site.start()
                log.info("HTTP server on %s:%s", settings.http_host, settings.http_port)
                log.info("metrics on %s", ", ".join(map(str, runners[1].addresses)))
                for channel in channels:
                    await channel.announce()
                if ready is not None:
                    ready()
                await stop.wait()
                log.info("stopping: no new updates, finishing those in flight")
            finally:
                await _stop_taking_updates(channels, runners)
        log.info("stopped")


async def _stop_taking_updates(channels: list[Channel], runners: list[web.AppRunner]) -> None:
    """The HTTP server stops listening and finishes the requests in flight (a webhook's
    update is handled inside its request), then the channels stop polling and finish what
    they took.

    Runs before the outbox worker stops, so replies and staff messages of updates still in
    flight are queued and sent.
    """
    for runner in runners:
        await runner.cleanup()
    for channel in reversed(channels):
        with suppress(Exception):
            await channel.stop()
