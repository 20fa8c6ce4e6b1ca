"""The server under test as a child process, so its CPU and memory are its own.

Peak RSS is the kernel's high-water mark (``VmHWM`` in ``/proc/<pid>/status``) and CPU
time comes from ``/proc/<pid>/stat``: psutil is not a dependency. The child runs in a
temp dir with only the variables given, so a developer's ``.env`` cannot leak in.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import time
from pathlib import Path

import aiohttp

TICKS = os.sysconf("SC_CLK_TCK")
LISTEN = "0A"
"""The state of a listening socket in ``/proc/net/tcp``."""
PASSED_ON = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "PYTHONPATH")
"""The only variables of the bench's environment a child sees, besides its own."""


class ChildFailed(Exception):
    """The child exited or never became healthy; the message ends with its log's tail."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def child_env(**variables: str) -> dict[str, str]:
    env = {name: os.environ[name] for name in PASSED_ON if name in os.environ}
    env.update(variables)
    return env


class Child:
    def __init__(self, argv: list[str], env: dict[str, str], cwd: Path, log: Path) -> None:
        self.argv, self.env, self.cwd, self.log = argv, env, cwd, log
        self.process: asyncio.subprocess.Process | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    async def run(self, seconds: float = 120) -> None:
        """Run to the end (a one-off command such as ``trainings sync``)."""
        await self._spawn()
        assert self.process is not None
        code = await asyncio.wait_for(self.process.wait(), seconds)
        if code != 0:
            raise ChildFailed(f"{' '.join(self.argv[1:])} exited {code}: {self.tail()}")

    async def start(
        self, port: int, seconds: float = 90, *, processes: int = 1, in_a_row: int = 12
    ) -> None:
        """Start and wait until ``processes`` sockets listen on ``port`` and ``/healthz``
        answers 200 ``in_a_row`` times, each on a new connection.

        Every server here (``serve --workers N``, the echo with ``--processes N``) binds in
        each process with ``SO_REUSEPORT`` once that process is ready, and the kernel hands
        each new connection to one of the sockets listening then. The members' keep-alive
        connections opened while one process listened would stay with it for the whole
        phase, and the others would idle; so all must listen first. The health answers say
        the ones listening can serve (the assistant's reports its database and channels).
        """
        await self._spawn()
        assert self.process is not None
        health_url = f"http://127.0.0.1:{port}/healthz"
        deadline = time.monotonic() + seconds
        healthy = 0
        connector = aiohttp.TCPConnector(force_close=True)
        async with aiohttp.ClientSession(connector=connector) as http:
            while time.monotonic() < deadline:
                if self.process.returncode is not None:
                    raise ChildFailed(f"exited {self.process.returncode}: {self.tail()}")
                if listening_sockets(port) < processes:
                    await asyncio.sleep(0.1)
                    continue
                try:
                    async with http.get(health_url) as response:
                        healthy = healthy + 1 if response.status == 200 else 0
                except aiohttp.ClientError:
                    healthy = 0
                if healthy >= in_a_row:
                    return
                await asyncio.sleep(0.02 if healthy else 0.2)
        await self.stop()
        raise ChildFailed(f"not healthy after {seconds}s: {self.tail()}")

    async def _spawn(self) -> None:
        output = self.log.open("ab")
        try:
            self.process = await asyncio.create_subprocess_exec(
                *self.argv, env=self.env, cwd=self.cwd, stdout=output, stderr=output
            )
        finally:
            output.close()

    def pids(self) -> list[int]:
        """The child and its own children (``serve --workers`` runs the workers there)."""
        path = Path(f"/proc/{self.pid}/task/{self.pid}/children")
        try:
            return [self.pid, *(int(pid) for pid in path.read_text().split())]
        except OSError:
            return [self.pid]

    def peak_rss_mb(self) -> float:
        """The largest high-water mark of any one process."""
        return max(peak_rss_mb(pid) for pid in self.pids())

    def cpu_by_process(self) -> dict[int, float]:
        """CPU seconds of the child and of each of its own children, by process id."""
        return {pid: process_cpu(pid) for pid in self.pids()}

    async def stop(self, seconds: float = 20) -> int | None:
        """SIGTERM (the server finishes what is in flight), SIGKILL if it hangs."""
        if self.process is None or self.process.returncode is not None:
            return self.process.returncode if self.process else None
        self.process.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.process.wait(), seconds)
        except TimeoutError:
            self.process.kill()
            return await self.process.wait()

    def tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def peak_rss_mb(pid: int) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def process_cpu(pid: int, *, reaped: bool = False) -> float:
    """User plus system CPU seconds of one process (0 when it is gone); with ``reaped``
    also those of its children that have exited and been waited for, which the kernel
    adds to the parent (cutime and cstime)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat.rpartition(")")[2].split()
    own = int(fields[11]) + int(fields[12])
    children = int(fields[13]) + int(fields[14]) if reaped else 0
    return (own + children) / TICKS


def listening_sockets(port: int) -> int:
    """Sockets listening on ``port`` on any address, IPv4 or IPv6 (``/proc/net/tcp*``)."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, state = fields[1], fields[3]
            if state == LISTEN and int(local.rpartition(":")[2], 16) == port:
                count += 1
    return count


def host_busy_seconds() -> float:
    """CPU seconds all cores of the machine spent busy (first line of ``/proc/stat``), to
    tell how much of a phase's CPU went to other processes on a shared host."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / TICKS
