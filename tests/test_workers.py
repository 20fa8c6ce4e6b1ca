"""Two real ``optobot serve`` processes on one PostgreSQL database, behind one webhook address.

The test plays the load balancer: it sends Telegram updates to either worker, the same update
to both (a redelivery), and two messages of one member to both at once. Nothing is answered
twice, no lead or reminder is delivered twice, the member's dialogue stays consistent, and
SIGTERM ends both workers cleanly.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from bot.channels.telegram import WEBHOOK_PATH
from bot.storage import (
    ChannelIdentity,
    Database,
    DialogueState,
    Lead,
    Member,
    Registration,
    Training,
    utcnow,
)
from tests.channels.telegram_support import ALICE, BOB, RecordingTelegram, text_update
from tests.channels.test_telegram_webhook import HEADER, free_port
from tests.conftest import POSTGRES_URL, reset_postgres

pytestmark = pytest.mark.skipif(POSTGRES_URL is None, reason="needs OPTOBOT_TEST_DATABASE_URL")

ROOT = Path(__file__).resolve().parent.parent
SECRET = "shared-webhook-secret"
STAFF_CHAT = -1002000000001
CAROL = "10003"
INVALID_CHOICE = "Please pick one of the options"
ANSWERS: dict[str, str | tuple[str, ...]] = {
    "field": "1",
    "regions": ("1", "done"),  # a typed region ticks, "done" ends
    "partner": "1",
    "description": "Joining glass to metal with ultrashort laser pulses, with a lab in Rochester.",
    "stage": "1",
    "funding": "1",
    "timeline": "1",
    "organisation": "Beispiel Photonics GmbH",
    "contact_name": "Bob Example",
    "email": "bob@example.org",
    "phone": "skip",
    "consent": "yes",
    "_sum": "yes",
}
_update_ids = itertools.count(1)


async def seed_reminder(database: Database) -> None:
    """Carol holds a seat in a training that starts in ten hours: her reminder is due."""
    now = utcnow()
    async with database.transaction() as session:
        member = Member(language="en", created_at=now)
        session.add(
            ChannelIdentity(channel="telegram", user_id=CAROL, chat_id=CAROL, member=member)
        )
        texts = {
            "title": {"de": "Japan kompakt", "en": "Japan in brief"},
            "description": {"de": "Etikette", "en": "Etiquette"},
        }
        session.add(
            Training(
                id="jp-now",
                topic="japan",
                texts=texts,
                starts_at=now + timedelta(hours=10),
                ends_at=now + timedelta(hours=12),
                place="Jena",
                language="de",
                seats=10,
                deadline=now + timedelta(hours=5),
            )
        )
        await session.flush()
        session.add(
            Registration(
                uid="reg-carol@test",
                training_id="jp-now",
                member_id=member.id,
                status="confirmed",
                position=1,
                name="Carol",
                language="en",
                created_at=now - timedelta(days=2),
            )
        )


@asynccontextmanager
async def two_workers(fake: RecordingTelegram, tmp_path: Path) -> AsyncIterator[list[str]]:
    ports = [free_port(), free_port()]
    processes: list[asyncio.subprocess.Process] = []
    logs = [tmp_path / f"worker-{number}.log" for number in range(2)]
    for number, port in enumerate(ports):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OPTOBOT_", "SLACK_"))}
        env.update(
            OPTOBOT_DATABASE_URL=str(POSTGRES_URL),
            OPTOBOT_DATA_DIR=str(tmp_path / f"worker-{number}"),
            OPTOBOT_HTTP_HOST="127.0.0.1",
            OPTOBOT_HTTP_PORT=str(port),
            OPTOBOT_METRICS_PORT="0",
            OPTOBOT_PUBLIC_URL="http://127.0.0.1:8443",  # the load balancer's address
            OPTOBOT_TELEGRAM_WEBHOOK_SECRET=SECRET,
            OPTOBOT_STAFF_TELEGRAM_CHAT_ID=str(STAFF_CHAT),
            TELEGRAM_BOT_TOKEN=fake.token,
            TELEGRAM_API_BASE_URL=fake.base_url,
            TELEGRAM_API_BASE_FILE_URL=fake.base_file_url,
        )
        with logs[number].open("w") as log:
            processes.append(
                await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "bot",
                    "serve",
                    env=env,
                    cwd=ROOT,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        for url, process, log in zip(urls, processes, logs, strict=True):
            await until_healthy(url, process, log)
        yield urls
    finally:
        for process in processes:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
        codes = [await asyncio.wait_for(process.wait(), 60) for process in processes]
        texts = [await asyncio.to_thread(log.read_text) for log in logs]
        assert codes == [0, 0], texts
        assert all("stopped" in text for text in texts), texts


async def until_healthy(url: str, process: asyncio.subprocess.Process, log: Path) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(300):
            if process.returncode is not None:
                raise AssertionError(await asyncio.to_thread(log.read_text))
            try:
                async with session.get(url + "/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise AssertionError(f"{url} never became healthy: {await asyncio.to_thread(log.read_text)}")


async def post(url: str, update: dict[str, Any]) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.post(url + WEBHOOK_PATH, json=update, headers={HEADER: SECRET}) as response,
    ):
        assert response.status == 200, await response.text()


def message(text: str, user: dict[str, Any]) -> dict[str, Any]:
    return {"update_id": next(_update_ids), **text_update(text, user)}


async def bob_state(database: Database) -> DialogueState:
    async with database.transaction() as session:
        query = select(DialogueState).filter_by(channel="telegram", user_id=str(BOB["id"]))
        return (await session.execute(query)).scalar_one()


async def settle(fake: RecordingTelegram, chat: int, count: int, seconds: float = 20) -> None:
    """Wait until ``count`` messages reached ``chat``, then a little longer for any extra."""
    for _ in range(int(seconds * 10)):
        if len(fake.texts(chat)) >= count:
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(3)  # longer than a delivery pass: a duplicate would show up now


async def test_two_serve_processes_on_postgresql_answer_and_deliver_once(tmp_path: Path) -> None:
    assert POSTGRES_URL is not None
    await reset_postgres(POSTGRES_URL)
    database = Database(POSTGRES_URL)
    await database.upgrade()
    await seed_reminder(database)
    try:
        async with RecordingTelegram() as fake, two_workers(fake, tmp_path) as (one, two):
            # the same update reaches both workers at once: one reply
            start = message("/start", ALICE)
            await asyncio.gather(post(one, start), post(two, start))
            assert len(fake.texts(ALICE["id"])) == 1

            # two messages of one member reach different workers at once
            await post(one, message("/idea", BOB))
            before = len(fake.texts(BOB["id"]))
            await asyncio.gather(
                post(one, message("Glass welding with ultrashort pulses", BOB)),
                post(two, message("Laser technology", BOB)),
            )
            replies = fake.texts(BOB["id"])[before:]
            state = await bob_state(database)
            assert state.step == "regions" or any(INVALID_CHOICE in r for r in replies), replies

            # the rest of the dialogue alternates between the workers
            for url in itertools.islice(itertools.cycle((two, one)), 20):
                state = await bob_state(database)
                if state.form is None:
                    break
                answers = ANSWERS[str(state.step)]
                for answer in answers if isinstance(answers, tuple) else (answers,):
                    await post(url, message(answer, BOB))
            assert (await bob_state(database)).form is None

            await settle(fake, STAFF_CHAT, 1)
            await settle(fake, int(CAROL), 1)
            async with database.transaction() as session:
                [ref] = (await session.execute(select(Lead.ref))).scalars().all()
            staff_cards = fake.texts(STAFF_CHAT)
            assert len(staff_cards) == 1 and ref in staff_cards[0]
            assert len(fake.texts(int(CAROL))) == 1  # the reminder, once
    finally:
        await database.dispose()
