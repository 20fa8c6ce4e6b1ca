"""``optobot outbox …`` as the office's admin uses it: what is listed, what can be retried."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import build_app
from bot.cli import main
from bot.delivery.outbox import enqueue
from bot.settings import Settings
from bot.storage import OutboxMessage

STATUSES = ("sent", "superseded", "failed")


@pytest.fixture
def rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """One row in each finished or failed status, by status."""
    monkeypatch.setenv("OPTOBOT_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("OPTOBOT_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}")

    async def seed() -> dict[str, int]:
        app = await build_app(Settings(_env_file=None))
        try:
            async with app.database.transaction() as session:
                for status in STATUSES:
                    payload = {"channel": "slack", "chat_id": "C1", "replies": []}
                    await enqueue(session, key=status, target="slack", kind="t", payload=payload)
                found = list((await session.execute(select(OutboxMessage))).scalars())
                for row in found:
                    row.status = row.key
                return {row.key: row.id for row in found}
        finally:
            await app.database.dispose()

    return asyncio.run(seed())


def statuses() -> dict[str, str]:
    async def read() -> dict[str, str]:
        app = await build_app(Settings(_env_file=None))
        try:
            async with app.database.transaction() as session:
                found = (await session.execute(select(OutboxMessage))).scalars()
                return {row.key: row.status for row in found}
        finally:
            await app.database.dispose()

    return asyncio.run(read())


def test_a_superseded_edit_is_listed_by_its_status_and_never_queued_again(
    rows: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["outbox", "list", "--status", "superseded", "--format", "json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert [(row["id"], row["status"]) for row in listing] == [(rows["superseded"], "superseded")]
    assert main(["outbox", "retry", str(rows["superseded"])]) == 1
    assert "no unsent message" in capsys.readouterr().err
    assert main(["outbox", "retry", "--all"]) == 0
    assert statuses() == {"sent": "sent", "superseded": "superseded", "failed": "pending"}
