"""The database: engine, transactions and migrations, the same for SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import CursorResult, Result, Table, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from bot.private_files import private_directory, private_file, tighten

log = logging.getLogger(__name__)
T = TypeVar("T")

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
MIGRATION_LOCK = 7_411_003  # pg advisory lock id: one worker migrates at a time
CATALOGUE_LOCK = 7_411_004  # pg advisory lock id: one process syncs the trainings at a time


class Database:
    """One engine and its sessions.

    SQLite serialises writers: in-process with a lock, across processes with
    ``BEGIN IMMEDIATE`` and a busy timeout. PostgreSQL relies on row locks taken by callers.
    """

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self.is_postgres = self.url.get_backend_name() == "postgresql"
        # an error's text then leaves out the row values, which hold members' data
        options: dict[str, Any] = {"echo": echo, "hide_parameters": True}
        if self.is_sqlite:
            database = self.url.database
            if database and database != ":memory:":
                _private_sqlite(Path(database))
            options["connect_args"] = {"timeout": 30}
        else:
            # No pre-ping: on asyncpg it costs three round trips (BEGIN, ping, ROLLBACK) at
            # every checkout. A connection lost to a restart fails its first statement
            # instead, the pool drops all older connections, and callers that must not
            # lose work retry once (see ``run``).
            options.update(pool_size=10, max_overflow=10)
        self.engine = create_async_engine(self.url, **options)
        if self.is_sqlite:
            _serialise_sqlite_writers(self.engine.sync_engine)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._write_lock = asyncio.Lock() if self.is_sqlite else None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction, committed on success, rolled back on error."""
        lock: AbstractAsyncContextManager[Any] = self._write_lock or nullcontext()
        async with lock, self.sessions() as session, session.begin():
            yield session

    async def run(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """``work`` in one transaction, run once more on a fresh connection if the first
        one was lost (a restart, a failover): nothing of the first try was committed."""
        try:
            async with self.transaction() as session:
                return await work(session)
        except DBAPIError as error:
            if not connection_lost(error):
                raise
        log.warning("database connection lost; the transaction runs again")
        async with self.transaction() as session:
            return await work(session)

    async def upgrade(self) -> None:
        """Bring the schema to the newest migration; safe to call from several workers."""
        async with self.engine.begin() as connection:
            if self.is_postgres:
                await connection.execute(
                    text("SELECT pg_advisory_xact_lock(:id)"), {"id": MIGRATION_LOCK}
                )
            await connection.run_sync(_upgrade)

    async def ping(self) -> None:
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()


Insert = postgresql.Insert | sqlite.Insert
INSERTS: dict[str, Callable[[Table | type[object]], Insert]] = {
    "postgresql": postgresql.insert,
    "sqlite": sqlite.insert,
}
"""The INSERT with ``ON CONFLICT`` of each backend, by dialect name."""


def dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


async def one_at_a_time(session: AsyncSession, lock: int) -> None:
    """Hold ``lock`` until the session's transaction ends, so a second process doing the
    same work waits and then sees the first one's rows. On PostgreSQL an advisory
    transaction lock; SQLite serialises its writers already."""
    if dialect(session) == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": lock})


def upsert_insert(session: AsyncSession) -> Callable[[Table | type[object]], Insert]:
    """The INSERT construct that knows ``ON CONFLICT`` on the session's backend."""
    return INSERTS[dialect(session)]


def rows_touched(result: Result[Any]) -> int:
    """The rows an UPDATE or DELETE touched: its result is a CursorResult, which the hints
    of ``AsyncSession.execute`` do not say."""
    assert isinstance(result, CursorResult)
    return result.rowcount


def connection_lost(error: BaseException) -> bool:
    """The database went away under a pooled connection (a restart, a failover): the
    transaction was rolled back, so the work may run again on a fresh connection."""
    return isinstance(error, DBAPIError) and error.connection_invalidated


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection) -> None:
    command.upgrade(alembic_config(connection), "heads")


def _private_sqlite(path: Path) -> None:
    """The database file exists 0600 before SQLite opens it: SQLite gives its WAL, SHM
    and journal files the database file's mode. Files an older version made 0644 are
    tightened."""
    if not path.parent.exists():
        private_directory(path.parent)
    private_file(path)
    for suffix in ("-wal", "-shm", "-journal"):
        tighten(path.with_name(path.name + suffix))


def _serialise_sqlite_writers(sync_engine: Any) -> None:
    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
