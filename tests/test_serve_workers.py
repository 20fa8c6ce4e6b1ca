"""``optobot serve --workers 2``: two processes on one port, each update answered once.

Runs on SQLite, so it runs everywhere; the PostgreSQL side of several workers (row locks,
outbox, reminders) is tests/test_workers.py.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest

from bot.channels.telegram import WEBHOOK_PATH
from tests.channels.telegram_support import ALICE, RecordingTelegram
from tests.channels.test_telegram_webhook import free_port
from tests.cli import run
from tests.test_workers import SECRET, message, post, until_healthy

ROOT = Path(__file__).resolve().parent.parent
MEMBERS = 24


def worker_env(
    fake: RecordingTelegram, tmp_path: Path, port: int, metrics_port: int
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPTOBOT_", "SLACK_"))}
    env.update(
        OPTOBOT_DATA_DIR=str(tmp_path / "var"),
        OPTOBOT_HTTP_HOST="127.0.0.1",
        OPTOBOT_HTTP_PORT=str(port),
        OPTOBOT_METRICS_PORT=str(metrics_port),
        OPTOBOT_PUBLIC_URL=f"http://127.0.0.1:{port}",
        OPTOBOT_TELEGRAM_WEBHOOK_SECRET=SECRET,
        TELEGRAM_BOT_TOKEN=fake.token,
        TELEGRAM_API_BASE_URL=fake.base_url,
        TELEGRAM_API_BASE_FILE_URL=fake.base_file_url,
        OPTOBOT_HTTP_ACCESS_LOG="true",
    )
    return env


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


@asynccontextmanager
async def two_workers(
    env: dict[str, str], url: str, log: Path
) -> AsyncIterator[asyncio.subprocess.Process]:
    """``optobot serve --workers 2`` (its output in ``log``) from the moment both workers
    run to SIGTERM; the parent's exit code is its ``returncode`` after the block."""
    with log.open("w") as output:
        parent = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "serve",
            "--workers",
            "2",
            env=env,
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        await until_healthy(url, parent, log)
        for _ in range(100):  # the second worker may still be starting
            if (await asyncio.to_thread(log.read_text)).count("channel telegram running") == 2:
                break
            await asyncio.sleep(0.1)
        assert len(children(parent.pid)) == 2, await asyncio.to_thread(log.read_text)
        yield parent
    finally:
        parent.send_signal(signal.SIGTERM)
        await asyncio.wait_for(parent.wait(), 60)


async def scraped_updates(url: str, scrapes: int = 30) -> set[int]:
    """The update count of many scrapes; fresh connections reach either worker."""
    pattern = re.compile(r'^optobot_updates_total\{channel="telegram"\} (\S+)$', re.M)
    seen = set()
    for _ in range(scrapes):
        async with aiohttp.ClientSession() as session, session.get(url + "/metrics") as response:
            seen.update(int(float(value)) for value in pattern.findall(await response.text()))
    return seen


def webhook_pids(log: str) -> set[int]:
    """The workers that answered a webhook post, from their access log lines."""
    pattern = re.compile(r"aiohttp\.access\[(\d+)\]: .*POST " + re.escape(WEBHOOK_PATH))
    return {int(pid) for pid in pattern.findall(log)}


@pytest.fixture
async def fake() -> AsyncIterator[RecordingTelegram]:
    async with RecordingTelegram() as fake:
        yield fake


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="SO_REUSEPORT as on Linux")
async def test_two_workers_share_one_port_and_answer_each_update_once(
    fake: RecordingTelegram, tmp_path: Path
) -> None:
    port, metrics_port = free_port(), free_port()
    log = tmp_path / "serve.log"
    url = f"http://127.0.0.1:{port}"
    async with two_workers(worker_env(fake, tmp_path, port, metrics_port), url, log) as parent:
        users = [dict(ALICE, id=30_000 + n, first_name=f"M{n}") for n in range(MEMBERS)]
        updates = [message("hello", user) for user in users]
        await asyncio.gather(*(post(url, update) for update in updates))
        await post(url, updates[0])  # a redelivery, to whichever worker the kernel picks
        for _ in range(100):
            if all(fake.texts(user["id"]) for user in users):
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(1)
        assert [len(fake.texts(user["id"])) for user in users] == [1] * MEMBERS
        scraped = await scraped_updates(f"http://127.0.0.1:{metrics_port}")
        assert scraped == {MEMBERS + 1}  # the same total from either
        assert webhook_pids(log.read_text()) == set(children(parent.pid))  # both took a share
    text = log.read_text()
    assert parent.returncode == 0, text
    assert text.count("channel telegram running") == 2, text
    assert text.count("stopped") >= 2, text


def test_several_workers_need_the_telegram_webhook(tmp_path: Path) -> None:
    result = run(
        "serve",
        "--workers",
        "2",
        data_dir=tmp_path,
        env={"TELEGRAM_BOT_TOKEN": "123:abc"},
    )
    assert result.returncode == 2
    assert "OPTOBOT_PUBLIC_URL" in result.stderr
