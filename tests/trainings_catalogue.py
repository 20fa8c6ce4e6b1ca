"""Putting the shipped catalogue (or a small one written by the test) into the database."""

from __future__ import annotations

from pathlib import Path

from bot.app import App
from bot.trainings.catalogue import SyncReport, sync
from knowledge.catalogue import CATALOGUE_FILE, load


async def sync_catalogue(app: App, path: Path = CATALOGUE_FILE) -> SyncReport:
    async with app.database.transaction() as session:
        return await sync(session, load(path), now=app.services.clock())
