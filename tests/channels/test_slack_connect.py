"""Issue 27 item 23: the Slack token is checked at start, and /healthz says what is true.

A token Slack refuses stops ``optobot serve`` with one line and exit code 1; a Slack that
cannot be reached is tried again while ``serve`` runs, and ``/healthz`` reports Slack down
until it answers.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.channels import slack_connect
from bot.channels.base import ChannelStartError
from bot.channels.slack import SlackChannel
from bot.server import http_app
from tests.channels.slack_support import slack_settings
from tests.fakes.slack_api import SIGNING_SECRET, FakeSlack

REPOSITORY = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def serve(tmp_path: Path, env: dict[str, str]) -> tuple[int, str]:
    """``optobot serve`` as a subprocess (the test's loop keeps serving the fake)."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("OPTOBOT_", "TELEGRAM_", "SLACK_"))
    }
    environment.update(
        OPTOBOT_DATA_DIR=str(tmp_path / "var"),
        OPTOBOT_HTTP_HOST="127.0.0.1",
        OPTOBOT_HTTP_PORT=str(free_port()),
        PYTHONUNBUFFERED="1",
        **env,
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "serve",
        env=environment,
        cwd=REPOSITORY,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, stderr.decode()


async def test_a_token_slack_refuses_stops_serve_with_one_line(tmp_path: Path) -> None:
    """Also: SLACK_BOT_TOKEN in the environment gives no Bolt warning that a token goes
    unused (Bolt reads that variable itself when handed a client of ours)."""
    async with FakeSlack() as fake:
        fake.fail("auth.test", 200, {"ok": False, "error": "invalid_auth"}, times=5)
        code, stderr = await serve(
            tmp_path,
            {
                "SLACK_BOT_TOKEN": "xoxb-bogus",
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_API_URL": fake.api_url,
            },
        )
    assert code == 1
    problems = [line for line in stderr.splitlines() if "WARNING" in line or "ERROR" in line]
    assert problems == [], stderr
    assert stderr.splitlines()[-1] == (
        "optobot serve: Slack rejected SLACK_BOT_TOKEN (invalid_auth): copy the Bot User "
        "OAuth Token (xoxb-…) from the app's settings on api.slack.com/apps again"
    )
    assert "will be unused" not in stderr and "xoxb-bogus" not in stderr
    assert len(fake.called("auth.test")) == 1


async def test_a_refused_app_token_stops_socket_mode(make_app: Callable[..., Any]) -> None:
    async with FakeSlack() as fake:
        fake.fail("apps.connections.open", 200, {"ok": False, "error": "invalid_auth"})
        app = await make_app(
            **slack_settings(fake, slack_signing_secret=None, slack_app_token="xapp-1-bogus")
        )
        channel = SlackChannel(app)
        with pytest.raises(ChannelStartError, match="Slack rejected SLACK_APP_TOKEN"):
            await channel.start()
        assert not channel.running
        await channel.stop()


async def health(client: TestClient) -> tuple[int, dict[str, Any]]:
    response = await client.get("/healthz")
    return response.status, json.loads(await response.text())


async def test_an_unreachable_slack_is_tried_again_and_healthz_tells_the_truth(
    make_app: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(slack_connect, "FIRST_PAUSE", 0.05)
    port = free_port()
    fake = FakeSlack()
    app = await make_app(
        slack_bot_token="xoxb-test",
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=f"http://127.0.0.1:{port}/api/",
    )
    channel = SlackChannel(app)
    async with TestClient(TestServer(http_app(app, [channel]))) as client:  # type: ignore[list-item]
        await channel.start()  # nobody listens on the port: no exception, tried again
        try:
            assert not channel.running
            status, report = await health(client)
            assert status == 503 and report["channels"] == {"slack": False}
            await fake.start_on(port)
            for _ in range(200):
                if channel.running:
                    break
                await asyncio.sleep(0.05)
            assert channel.running
            status, report = await health(client)
            assert status == 200 and report["channels"] == {"slack": True}
            assert fake.called("auth.test")
        finally:
            await channel.stop()
            await fake.stop()
    assert not channel.running


async def test_slack_unwell_at_start_is_tried_again(
    make_app: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(slack_connect, "FIRST_PAUSE", 0.05)
    async with FakeSlack() as fake:
        fake.fail("auth.test", 503, {"ok": False, "error": "service_unavailable"}, times=2)
        app = await make_app(**slack_settings(fake))
        channel = SlackChannel(app)
        await channel.start()
        try:
            assert not channel.running
            await fake.wait_for("auth.test", 3)
            for _ in range(100):
                if channel.running:
                    break
                await asyncio.sleep(0.05)
            assert channel.running
        finally:
            await channel.stop()
