"""The office on ``optobot serve --workers 2``: a session opened through one worker is valid in
the other, on SQLite and (with ``OPTOBOT_TEST_DATABASE_URL``) on PostgreSQL.

Every request goes on a fresh connection, so the kernel hands each to either worker; the
access log names the worker of each request, and both must have served office pages.
"""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.channels.telegram_support import RecordingTelegram
from tests.channels.test_telegram_webhook import free_port
from tests.cli import run
from tests.test_serve_workers import children, two_workers, worker_env

PAGES = 24
CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')


@pytest.fixture
async def fake() -> AsyncIterator[RecordingTelegram]:
    async with RecordingTelegram() as fake:
        yield fake


def office_pids(log: str) -> set[int]:
    pattern = re.compile(r"aiohttp\.access\[(\d+)\]: .*\"GET /office/")
    return {int(pid) for pid in pattern.findall(log)}


async def fresh(jar: aiohttp.CookieJar, method: str, url: str, **kwargs: object) -> tuple[int, str]:
    """One request on a connection of its own (so either worker may answer it)."""
    connector = aiohttp.TCPConnector(force_close=True)
    async with (
        aiohttp.ClientSession(cookie_jar=jar, connector=connector) as session,
        session.request(method, url, **kwargs) as response,  # type: ignore[arg-type]
    ):
        return response.status, await response.text()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="SO_REUSEPORT as on Linux")
async def test_a_session_opened_in_one_worker_is_valid_in_the_other(
    fake: RecordingTelegram, tmp_path: Path, database_url: str
) -> None:
    """Both workers start on an empty database: they migrate and sync the trainings
    catalogue at the same moment, and neither may fail on the other's rows."""
    port, metrics_port = free_port(), free_port()
    env = worker_env(fake, tmp_path, port, metrics_port)
    env.update(
        OPTOBOT_STAFF_TELEGRAM_IDS="[4711]",
        OPTOBOT_STAFF_LANGUAGE="en",
        OPTOBOT_DATABASE_URL=database_url,
    )
    log = tmp_path / "serve.log"
    url = f"http://127.0.0.1:{port}"
    async with two_workers(env, url, log) as parent:
        made = await asyncio.to_thread(
            run,
            "office",
            "link",
            "--staff",
            "telegram:4711",
            data_dir=tmp_path / "var",
            env={k: v for k, v in env.items() if k.startswith(("OPTOBOT_", "TELEGRAM_"))},
        )
        assert made.returncode == 0, made.stderr
        link = made.stdout.strip().splitlines()[-1]
        assert link.startswith(f"{url}/office/signin/")

        jar = aiohttp.CookieJar(unsafe=True)  # cookies for 127.0.0.1
        status, page = await fresh(jar, "GET", link)
        assert status == 200 and "Sign in as" in page
        status, page = await fresh(
            jar, "POST", f"{url}/office/signin", data={"token": link.rsplit("/", 1)[1]}
        )
        assert status == 200 and "Leads" in page
        csrf = CSRF.search(page)
        assert csrf
        for n in range(PAGES):
            path = ("/office/", "/office/leads", "/office/trainings")[n % 3]
            status, page = await fresh(jar, "GET", url + path)
            assert status == 200, (path, page)
            assert "Sign out" in page, path
        status, page = await fresh(
            jar,
            "POST",
            f"{url}/office/language",
            data={"csrf": csrf.group(1), "language": "de", "next": "/office/"},
        )
        assert status == 200 and "Kennzahlen" in page
        assert "Trainings" in (await fresh(jar, "GET", f"{url}/office/trainings"))[1]
        await asyncio.sleep(0.5)  # the access log's last lines
        assert office_pids(log.read_text()) == set(children(parent.pid))  # both served
    text = log.read_text()
    assert parent.returncode == 0, text
    assert "Traceback" not in text, text
