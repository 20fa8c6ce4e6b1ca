"""Background jobs that run every so often while a process serves."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

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
