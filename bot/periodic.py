"""Background jobs that run every so often while a process serves."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.turn import Services

log = logging.getLogger(__name__)


@asynccontextmanager
async def every(
    seconds: float, job: Callable[[], Awaitable[object]], *, name: str
) -> AsyncIterator[None]:
    """Run ``job`` now and then every ``seconds`` until the block ends.

    A failing pass is logged and the next one tries again: one bad pass must not end it.
    """

    async def loop() -> None:
        while True:
            try:
                await job()
            except Exception:
                log.exception("%s failed", name)
            await asyncio.sleep(seconds)

    task = asyncio.create_task(loop(), name=name)
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


@dataclass(frozen=True)
class Job:
    """Work a serving process does every ``seconds`` (the list is :data:`bot.jobs.JOBS`)."""

    name: str
    seconds: float | Callable[[Services], float]
    """A fixed interval, or one read from the services (a setting)."""
    run: Callable[[Services], Awaitable[object]]

    def interval(self, services: Services) -> float:
        return self.seconds(services) if callable(self.seconds) else self.seconds


@asynccontextmanager
async def running(jobs: Sequence[Job], services: Services) -> AsyncIterator[None]:
    """Every job of ``jobs``, each on its own schedule, until the block ends."""
    async with AsyncExitStack() as stack:
        for job in jobs:
            await stack.enter_async_context(
                every(job.interval(services), partial(job.run, services), name=job.name)
            )
        yield
