"""Fixtures: a database per test (SQLite, and PostgreSQL when OPTOBOT_TEST_DATABASE_URL is
set), settings that ignore the developer's .env, the App, a clock and conversations."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.app import App, build_app
from bot.logs import RedactingFilter
from bot.settings import Settings
from bot.templates import TEMPLATES_DIR
from tests.conversation import Clock, Conversation

POSTGRES_URL = os.environ.get("OPTOBOT_TEST_DATABASE_URL")
BACKENDS = ["sqlite", "postgresql"] if POSTGRES_URL else ["sqlite"]
TEST_TEMPLATES = Path(__file__).parent / "templates"


async def reset_postgres(url: str) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


async def drop_connections(url: str) -> int:
    """What a PostgreSQL restart does to a pool: every other session of the database is
    terminated; returns how many were."""
    killer = create_async_engine(url)
    async with killer.begin() as connection:
        killed = await connection.scalar(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    await killer.dispose()
    return int(killed)


@pytest.fixture(autouse=True)
def root_logging() -> Iterator[None]:
    """No handler of ``configure_logging`` outlives its test: a CLI command run in-process
    logs to the test's captured stderr, which is closed once the test ends, and a thread
    logging later would meet a closed file. pytest's own handlers stay as they are."""
    root = logging.getLogger()
    level = root.level
    yield
    root.handlers[:] = [handler for handler in root.handlers if not ours(handler)]
    root.setLevel(level)


def ours(handler: logging.Handler) -> bool:
    return any(isinstance(check, RedactingFilter) for check in handler.filters)


@pytest.fixture(params=BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """Every backend the run has: tests using this fixture are the storage contract."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'optobot.sqlite3'}"
    else:
        assert POSTGRES_URL is not None
        await reset_postgres(POSTGRES_URL)
        yield POSTGRES_URL


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'optobot.sqlite3'}"


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def make_settings(tmp_path: Path, sqlite_url: str) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "data_dir": tmp_path / "var",
            "database_url": sqlite_url,
            "metrics_port": 0,  # any free port: tests run side by side
        }
        values.update(overrides)
        return Settings(_env_file=None, **values)

    return make


@pytest.fixture
async def make_app(
    make_settings: Callable[..., Settings], clock: Clock
) -> AsyncIterator[Callable[..., Any]]:
    """Build Apps (several on one database stand for restarts or workers)."""
    apps: list[App] = []

    async def make(**overrides: Any) -> App:
        app = await build_app(make_settings(**overrides), clock=clock)
        app.services.templates.env.loader.searchpath.append(str(TEST_TEMPLATES))  # type: ignore[union-attr]
        apps.append(app)
        return app

    yield make
    for app in apps:
        await app.database.dispose()


@pytest.fixture
async def app(make_app: Callable[..., Any]) -> App:
    return await make_app()


@pytest.fixture
async def db_app(make_app: Callable[..., Any], database_url: str) -> App:
    """The App on every backend of the run."""
    return await make_app(database_url=database_url)


@pytest.fixture
def talk(app: App) -> Callable[..., Conversation]:
    def start(**options: Any) -> Conversation:
        return Conversation(app.assistant, **options)

    return start


@pytest.fixture
def templates_dir() -> Path:
    return TEMPLATES_DIR
