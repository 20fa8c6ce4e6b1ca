"""/healthz of the public HTTP server, /metrics on a listener of its own."""

from __future__ import annotations

import re
import socket

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot.app import App
from bot.server import http_app, metrics_app
from bot.settings import Settings
from bot.storage import Database, QuestionLog
from tests.conversation import Conversation


class StubChannel:
    """A channel whose running state the test sets (the real ones have their own tests)."""

    name = "telegram"

    def __init__(self, running: bool) -> None:
        self.running = running

    def install(self, server: web.Application) -> None:
        pass


async def get(app: App, path: str, running: bool = True) -> tuple[int, str]:
    async with TestClient(TestServer(http_app(app, [StubChannel(running)]))) as client:  # type: ignore[list-item]
        response = await client.get(path)
        return response.status, await response.text()


async def scrape(app: App) -> tuple[int, str]:
    async with TestClient(TestServer(metrics_app(app))) as client:
        response = await client.get("/metrics")
        return response.status, await response.text()


async def test_healthz_reports_database_channels_and_outbox(app: App) -> None:
    status, body = await get(app, "/healthz")
    assert status == 200
    assert '"database": "ok"' in body and '"telegram": true' in body and '"outbox"' in body


async def test_healthz_is_503_when_a_channel_is_down(app: App) -> None:
    status, body = await get(app, "/healthz", running=False)
    assert status == 503 and '"status": "unavailable"' in body


async def test_healthz_is_503_when_the_database_is_gone(app: App) -> None:
    """A database server nobody listens for. Not an SQLite file that cannot be opened:
    aiosqlite stops its thread after a failed connect without waiting for it, and on a
    loaded machine that thread reported to this test's closed event loop, an error that
    pytest pinned on the next test (test_metrics_count_updates_by_channel)."""
    await app.database.dispose()
    with socket.socket() as probe:  # a port just free, so nothing answers there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app.services.database = Database(f"postgresql+asyncpg://optobot@127.0.0.1:{port}/gone")
    status, body = await get(app, "/healthz")
    assert status == 503 and "error" in body


async def test_metrics_count_updates_by_channel(app: App) -> None:
    await Conversation(app.assistant, channel="telegram", user="42").say("/help")
    status, body = await scrape(app)
    assert status == 200
    assert 'optobot_updates_total{channel="telegram"}' in body
    assert "optobot_handler_seconds_bucket" in body and "optobot_outbox" in body


async def test_metrics_give_the_database_figures_with_their_labels(app: App) -> None:
    chat = Conversation(app.assistant, channel="telegram", user="42")
    await chat.say("Which funding programmes support a cooperation with Japan?")
    _, body = await scrape(app)
    [(decision, count)] = re.findall(r'^optobot_faq_replies\{decision="(\w+)"\} (\S+)$', body, re.M)
    async with app.database.sessions() as session:
        logged = (await session.execute(select(QuestionLog.decision))).scalars().all()
    assert logged == [decision] and float(count) == 1.0
    assert "# TYPE optobot_leads gauge" in body and "# TYPE optobot_outbox gauge" in body


async def test_metrics_are_not_served_where_the_webhooks_are(app: App) -> None:
    await Conversation(app.assistant, channel="telegram", user="42").say("/help")
    status, body = await get(app, "/metrics")
    assert status == 404 and "optobot_updates" not in body


def test_the_metrics_listener_is_this_machine_only_unless_told() -> None:
    settings = Settings(_env_file=None)
    assert (settings.metrics_host, settings.metrics_port) == ("127.0.0.1", 9464)
    assert settings.http_port != settings.metrics_port
