"""Several ``serve`` processes on one port: ``optobot serve --workers N``.

Python uses one core per process. The workers are ordinary ``serve`` processes bound to the
same address with ``SO_REUSEPORT``, so the kernel spreads the webhook connections over
them and no load balancer is needed on one machine; the database already keeps them from
answering an event or delivering a message twice. This process only starts them, passes
signals on (SIGTERM, SIGINT to stop, SIGHUP to reload the knowledge base) and stops all
when one dies, so the orchestrator restarts the whole group.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from types import FrameType

from bot import metrics
from bot.channels import registry
from bot.private_files import private_directory
from bot.settings import Settings
from bot.storage import Database

log = logging.getLogger(__name__)

PASSED_ON = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
STOPPING = (signal.SIGTERM, signal.SIGINT)


class WorkersUnsupported(Exception):
    """The configuration cannot run several workers; says why in one line."""


def check(settings: Settings) -> None:
    """Refuses a configuration in which a configured channel cannot share the work."""
    for spec in registry.specs():
        problem = spec.workers_problem(settings) if spec.configured(settings) else None
        if problem is not None:
            raise WorkersUnsupported(problem)


def supervise(settings: Settings, count: int) -> int:
    """Run ``count`` workers until a signal stops them; the worst exit code is ours."""
    check(settings)
    prepare(settings)
    with tempfile.TemporaryDirectory(prefix="optobot-metrics-") as counters:
        env = dict(
            os.environ,
            OPTOBOT_HTTP_REUSE_PORT="true",
            OPTOBOT_LOG_FORMAT=settings.log_format,
            OPTOBOT_LOG_LEVEL=settings.log_level,
            **{metrics.SHARED_DIRECTORY: counters},  # one /metrics total, fresh per start
        )
        return _run(settings, count, env)


def _run(settings: Settings, count: int, env: dict[str, str]) -> int:
    """Start the workers and wait until all have ended, passing signals on meanwhile."""
    command = [sys.executable, "-m", "bot", "serve"]
    children = {
        child.pid: child for child in (subprocess.Popen(command, env=env) for _ in range(count))
    }
    stopping = False

    def send(signum: int) -> None:
        for child in children.values():
            child.send_signal(signum)

    def pass_on(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = stopping or signum in STOPPING
        send(signal.SIGTERM if signum in STOPPING else signum)

    previous = {signum: signal.signal(signum, pass_on) for signum in PASSED_ON}
    log.info("%d workers on %s:%s", count, settings.http_host, settings.http_port)
    worst = 0
    try:
        while children:
            pid, status = os.wait()  # a signal runs pass_on, then the wait goes on
            if children.pop(pid, None) is None:
                continue
            code = os.waitstatus_to_exitcode(status)
            worst = max(worst, code if code >= 0 else 1)
            if not stopping:
                log.error("worker %s exited with %s: stopping the others", pid, code)
                stopping, worst = True, max(worst, 1)
                send(signal.SIGTERM)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return worst


def prepare(settings: Settings) -> None:
    """What the workers share, made once before they start and race for it: the schema
    and what the channels prepare (Telegram's generated webhook secret)."""
    private_directory(Path(settings.data_dir))
    asyncio.run(_migrate(settings))
    for spec in registry.specs():
        if spec.configured(settings):
            spec.prepare(settings)


async def _migrate(settings: Settings) -> None:
    database = Database(settings.effective_database_url)
    try:
        await database.upgrade()
    finally:
        await database.dispose()
