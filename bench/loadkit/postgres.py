"""A throw-away PostgreSQL cluster for one bench run: initdb in a temp dir, a unix socket
there, port 55450, stopped and deleted at the end.

The server binaries are the installed ones; as root they run as ``postgres`` (PostgreSQL
refuses to run as root). Durability settings stay at their defaults, so commits cost what
they cost in production.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pwd
import shutil
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bench.loadkit.processes import process_cpu

BIN = Path("/usr/lib/postgresql/15/bin")
PORT = 55450
DATABASE = "optobot"

DatabaseCpu = Callable[[], float] | None
"""The database server's CPU seconds so far; None when they cannot be known (a server
given by URL is not ours to find)."""
Work = Callable[[str, DatabaseCpu], Awaitable[dict[str, Any]]]


class PostgresUnavailable(Exception):
    """The cluster could not be made; the bench reports PostgreSQL as skipped."""


class ThrowawayPostgres:
    def __init__(self, port: int = PORT) -> None:
        self.port = port
        self.root = Path(tempfile.mkdtemp(prefix="optobot-bench-pg-"))
        self.data = self.root / "data"
        self.socket = self.root
        self._as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@/{DATABASE}?host={self.socket}&port={self.port}"

    async def start(self) -> str:
        if not (BIN / "initdb").exists():
            raise PostgresUnavailable(f"no PostgreSQL server in {BIN}")
        if self._as_postgres:
            user = pwd.getpwnam("postgres")
            os.chown(self.root, user.pw_uid, user.pw_gid)
        await self._run(
            BIN / "initdb", "-D", self.data, "-U", "postgres", "-A", "trust", "-E", "UTF8"
        )
        options = f"-p {self.port} -k {self.socket} -c listen_addresses=''"
        log = self.root / "postgres.log"
        await self._run(BIN / "pg_ctl", "-D", self.data, "-l", log, "-o", options, "-w", "start")
        await self._run(
            BIN / "createdb", "-h", self.socket, "-p", str(self.port), "-U", "postgres", DATABASE
        )
        return self.url

    def cpu_seconds(self) -> float:
        """CPU of the postmaster and its backends, those alive now and those that have
        exited: a pool closes connections it has no room for, most of them as a phase
        ends, and their backends' CPU would drop out of the count with them."""
        pid_file = self.data / "postmaster.pid"
        try:
            postmaster = int(pid_file.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return 0.0
        total = process_cpu(postmaster, reaped=True)
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit() and _parent(entry) == postmaster:
                total += process_cpu(int(entry.name))
        return total

    async def stop(self) -> None:
        if self.data.exists():
            with contextlib.suppress(PostgresUnavailable):
                await self._run(BIN / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)

    async def _run(self, *argv: object) -> None:
        try:
            process = await asyncio.create_subprocess_exec(
                *self._as_postgres,
                *(str(arg) for arg in argv),
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
            )
        except OSError as error:
            raise PostgresUnavailable(f"cannot run {argv[0]}: {error}") from None
        output, _ = await process.communicate()
        if process.returncode != 0:
            last = output.decode(errors="replace").strip().splitlines()[-3:]
            raise PostgresUnavailable(f"{Path(str(argv[0])).name} failed: {' / '.join(last)}")


async def on_postgresql(
    url: str | None, work: Work, announce: Callable[[str], None] = lambda _: None
) -> dict[str, Any]:
    """``work`` on the server at ``url``, else on a throw-away cluster whose CPU it can
    count; ``{"skipped": why}`` when no cluster can be made."""
    if url:
        return await work(url, None)
    cluster = ThrowawayPostgres()
    try:
        started = await cluster.start()
        announce(f"throw-away cluster on port {cluster.port}")
        return await work(started, cluster.cpu_seconds)
    except PostgresUnavailable as error:
        announce(f"skipped: {error}")
        return {"skipped": str(error)}
    finally:
        await cluster.stop()


def _parent(entry: Path) -> int | None:
    try:
        return int((entry / "stat").read_text().rpartition(")")[2].split()[1])
    except (OSError, ValueError, IndexError):
        return None
