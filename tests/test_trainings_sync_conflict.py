"""Trainings made or edited in the office live in the database: ``trainings sync`` seeds
from the file but never overwrites an office edit silently (it reports the conflict), and
``--overwrite ID`` takes the file's version."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.app import App
from bot.storage import Training
from bot.trainings import changes
from bot.trainings.catalogue import COLUMNS, columns, sync
from bot.trainings.notices import TrainingNotices
from knowledge.catalogue import CATALOGUE_FILE, load
from tests.test_registrations_cli import env, run, with_app
from tests.trainings_catalogue import sync_catalogue

__all__ = ["env"]

JAPAN = "japan-business-2027-01"


def changed_file(tmp_path: Path, seats: int) -> Path:
    """The shipped catalogue with the Japan training's seats changed in the file."""
    text = CATALOGUE_FILE.read_text(encoding="utf-8")
    head, tail = text.split(f"id: {JAPAN}", 1)
    path = tmp_path / "trainings.yaml"
    path.write_text(head + f"id: {JAPAN}" + tail.replace("seats: 14", f"seats: {seats}", 1))
    return path


async def office_edit(app: App, **changed: Any) -> None:
    """What saving the office's form does: :func:`bot.trainings.changes.edit`."""
    item = next(t for t in load() if t.id == JAPAN)
    async with app.database.transaction() as session:
        services = app.services
        notices = TrainingNotices(session, app.settings, services.templates, services.clock())
        await changes.edit(session, notices, dataclasses.replace(item, **changed))


async def seats(app: App) -> int:
    async with app.database.transaction() as session:
        training = await session.get(Training, JAPAN)
        assert training is not None
        return training.seats


async def test_an_office_edit_survives_a_sync_of_an_unchanged_file(make_app: Any) -> None:
    app = await make_app()
    await sync_catalogue(app)
    await office_edit(app, seats=20, place="Zoom")
    report = await sync_catalogue(app)
    assert report.conflicts == [] and JAPAN in report.unchanged
    assert await seats(app) == 20


async def test_a_file_changed_too_is_a_conflict_until_overwritten(
    make_app: Any, database_url: str, tmp_path: Path
) -> None:
    app = await make_app(database_url=database_url)
    await sync_catalogue(app)
    await office_edit(app, seats=20)
    path = changed_file(tmp_path, 16)
    report = await sync_catalogue(app, path)
    assert report.conflicts == [JAPAN] and JAPAN not in report.updated
    assert await seats(app) == 20
    async with app.database.transaction() as session:
        report = await sync(session, load(path), now=app.services.clock(), overwrite=[JAPAN])
    assert report.updated == [JAPAN] and report.conflicts == []
    assert await seats(app) == 16
    again = await sync_catalogue(app, path)  # the file's version now, no office edit
    assert again.conflicts == [] and JAPAN in again.unchanged


async def test_a_training_made_in_the_office_is_not_deleted_by_sync(make_app: Any) -> None:
    app = await make_app()
    item = next(t for t in load() if t.id == JAPAN)
    async with app.database.transaction() as session:
        services = app.services
        notices = TrainingNotices(session, app.settings, services.templates, services.clock())
        await changes.create(session, notices, dataclasses.replace(item, id="office-only"))
    report = await sync_catalogue(app)
    assert "office-only" not in report.deleted
    async with app.database.transaction() as session:
        ids = set((await session.execute(select(Training.id))).scalars())
    assert "office-only" in ids and JAPAN in ids


def test_the_cli_reports_the_conflict_and_overwrite_takes_the_file(
    env: dict[str, str], capsys: Any, tmp_path: Path
) -> None:
    code, out, _ = run(capsys, "sync")
    assert code == 0
    with_app(env, lambda app: office_edit(app, seats=20))
    path = changed_file(tmp_path, 16)
    code, out, _ = run(capsys, "sync", "--file", str(path))
    assert code == 0
    assert f"conflict: {JAPAN} was edited in the office" in out
    assert f"--overwrite {JAPAN}" in out
    assert with_app(env, seats) == 20
    code, out, _ = run(capsys, "list", "--format", "json")
    japan = next(row for row in json.loads(out) if row["id"] == JAPAN)
    assert japan["origin"] == "file, edited in the office"
    code, out, _ = run(capsys, "sync", "--file", str(path), "--overwrite", JAPAN)
    assert code == 0 and f"updated: 1 ({JAPAN})" in out and "conflict" not in out
    assert with_app(env, seats) == 16
    code, out, _ = run(capsys, "list", "--format", "json")
    assert next(row for row in json.loads(out) if row["id"] == JAPAN)["origin"] == "file"


async def test_an_edited_training_gone_from_the_file_is_a_conflict_not_a_deletion(
    make_app: Any, tmp_path: Path
) -> None:
    app = await make_app()
    await sync_catalogue(app)
    await office_edit(app, seats=20)
    text = CATALOGUE_FILE.read_text(encoding="utf-8")
    head, tail = text.split(f"  - id: {JAPAN}", 1)
    path = tmp_path / "trainings.yaml"
    path.write_text(head + tail[tail.index("  - id: ") :], encoding="utf-8")
    report = await sync_catalogue(app, path)
    assert report.conflicts == [JAPAN] and JAPAN not in report.deleted
    assert await seats(app) == 20


async def test_a_training_synced_before_fingerprints_is_no_false_conflict(make_app: Any) -> None:
    """Trainings synced before migration 0007 have no fingerprint; the first office edit
    takes the stored version as the file's, so an unchanged file is no conflict."""
    app = await make_app()
    await sync_catalogue(app)
    async with app.database.transaction() as session:
        for training in (await session.execute(select(Training))).scalars():
            training.catalogue_digest = None
    await office_edit(app, seats=20)
    report = await sync_catalogue(app)
    assert report.conflicts == [] and await seats(app) == 20
    item = next(t for t in load() if t.id == JAPAN)
    assert set(columns(item)) == set(COLUMNS)
