"""Two processes that start together on one empty database both sync the trainings
catalogue (each has its own data directory, so neither knows the other did): one inserts,
the other finds the rows, and neither fails on a duplicate key."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bot.cli.trainings import sync_on_start
from bot.storage import Training
from knowledge.catalogue import CATALOGUE_FILE, load


async def test_two_starts_at_once_sync_the_catalogue_once(
    make_app: Callable[..., Any], database_url: str, tmp_path: Path
) -> None:
    apps = [
        await make_app(database_url=database_url, data_dir=tmp_path / name)
        for name in ("one", "two")
    ]
    await asyncio.gather(*(sync_on_start(app) for app in apps))
    async with apps[0].database.transaction() as session:
        count = (await session.execute(select(func.count()).select_from(Training))).scalar()
    assert count == len(load(CATALOGUE_FILE))
