"""Issue 24, item 9: the data directory is 0700, the SQLite database and its WAL and SHM
files 0600, also for files an older version created 0644 in a 0755 directory."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conversation import Conversation


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    """The umask most machines have, under which SQLite made its files 0644."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_the_database_and_its_wal_and_shm_files_are_private(
    make_app: Callable[..., Any], tmp_path: Path
) -> None:
    app = await make_app(database_url=None)  # SQLite in the data directory
    await Conversation(app.assistant).say("/start")
    data = tmp_path / "var"
    files = {path.name: mode(path) for path in data.iterdir()}
    assert mode(data) == 0o700
    assert {"optobot.sqlite3", "optobot.sqlite3-wal", "optobot.sqlite3-shm"} <= set(files)
    assert set(files.values()) == {0o600}, files


async def test_files_an_older_version_left_readable_are_tightened(
    make_app: Callable[..., Any], tmp_path: Path
) -> None:
    data = tmp_path / "var"
    data.mkdir(mode=0o755)
    for name in ("optobot.sqlite3", "optobot.sqlite3-wal", "optobot.sqlite3-shm"):
        (data / name).touch(mode=0o644)
    await make_app(database_url=None)
    assert mode(data) == 0o700
    assert {mode(path) for path in data.iterdir()} == {0o600}
