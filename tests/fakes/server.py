"""A recording HTTP fake on 127.0.0.1: the far side of a platform API in tests."""

from __future__ import annotations

import asyncio
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any, Self

from aiohttp import web
from aiohttp.test_utils import TestServer


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Failure:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


class FakeServer:
    """Records every call; ``fail(method, …)`` makes the next calls of a method fail."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._failures: dict[str, deque[Failure]] = defaultdict(deque)
        self._changed = asyncio.Condition()
        self._server: TestServer | None = None

    def routes(self, app: web.Application) -> None:
        raise NotImplementedError

    async def start(self) -> None:
        await self.start_on(None)

    async def start_on(self, port: int | None) -> None:
        """Listen on ``port`` (one a client was pointed at before the fake was up)."""
        app = web.Application()
        self.routes(app)
        self._server = TestServer(app, host="127.0.0.1", port=port)
        await self._server.start_server()

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.close()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.port}"

    def fail(
        self, method: str, status: int, body: dict[str, Any], times: int = 1, **headers: str
    ) -> None:
        for _ in range(times):
            self._failures[method].append(Failure(status, body, headers))

    def take_failure(self, method: str) -> Failure | None:
        queue = self._failures.get(method)
        return queue.popleft() if queue else None

    async def record(self, call: Call) -> None:
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    def called(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    async def wait_for(self, method: str, count: int = 1, seconds: float = 5.0) -> list[Call]:
        """Wait until ``method`` was called ``count`` times (work after an ack is async)."""

        async def enough() -> None:
            async with self._changed:
                await self._changed.wait_for(lambda: len(self.called(method)) >= count)

        try:
            await asyncio.wait_for(enough(), seconds)
        except TimeoutError:
            seen = [call.method for call in self.calls]
            raise AssertionError(
                f"{method} called {len(self.called(method))}x, not {count}x: {seen}"
            ) from None
        return self.called(method)
