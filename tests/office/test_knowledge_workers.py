"""Two real ``optobot serve`` processes on PostgreSQL: an entry saved in the office (here
straight through the function the office's save calls) is answered by both workers within
seconds, neither restarted."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from bot.curation.versions import save
from bot.settings import KNOWLEDGE_DIR
from bot.storage import Database, KnowledgeVersion, utcnow
from bot.trainings.catalogue import sync
from knowledge.base import KnowledgeBase
from knowledge.catalogue import CATALOGUE_FILE, load
from knowledge.entries import dump_entry, entry_as_dict
from tests.channels.telegram_support import ALICE, BOB, RecordingTelegram
from tests.conftest import POSTGRES_URL, reset_postgres
from tests.office.support import SVEN
from tests.test_workers import message, post, two_workers

pytestmark = pytest.mark.skipif(POSTGRES_URL is None, reason="needs OPTOBOT_TEST_DATABASE_URL")

NDA = "ip-nda"
QUESTION = "Is there an NDA template?"
NEW = "The office's NDA template, edited a moment ago, is in the members' area."


async def answered(fake: RecordingTelegram, url: str, user: dict[str, Any], wanted: str) -> bool:
    """Ask through the worker at ``url`` until the answer says ``wanted`` (20 s at most)."""
    for _ in range(20):
        before = len(fake.texts(user["id"]))
        await post(url, message(QUESTION, user))
        for _ in range(50):
            if len(fake.texts(user["id"])) > before:
                break
            await asyncio.sleep(0.1)
        if any(wanted in text for text in fake.texts(user["id"])[before:]):
            return True
        await asyncio.sleep(1)
    return False


async def test_both_workers_answer_a_saved_entry_within_seconds(tmp_path: Path) -> None:
    assert POSTGRES_URL is not None
    await reset_postgres(POSTGRES_URL)
    database = Database(POSTGRES_URL)
    await database.upgrade()
    async with database.transaction() as session:  # both workers then find it unchanged
        await sync(session, load(CATALOGUE_FILE), now=utcnow())
    try:
        async with RecordingTelegram() as fake, two_workers(fake, tmp_path) as (one, two):
            assert await answered(fake, one, ALICE, "NDA")
            assert not any("edited a moment ago" in text for text in fake.texts())
            base = KnowledgeBase(KNOWLEDGE_DIR / "entries")
            data = entry_as_dict(base.get(NDA))
            data["en"]["answer"] = NEW
            async with database.transaction() as session:
                saved = await save(session, base, NDA, dump_entry(data), SVEN, utcnow())
            assert isinstance(saved, KnowledgeVersion)
            started = asyncio.get_running_loop().time()
            assert await answered(fake, one, ALICE, "edited a moment ago")
            assert await answered(fake, two, BOB, "edited a moment ago")
            assert asyncio.get_running_loop().time() - started < 30
    finally:
        await database.dispose()
