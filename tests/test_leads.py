"""Lead references: counted in the database, so workers never share or skip a number."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from bot.app import App
from bot.leads.records import next_ref
from tests.conversation import Clock


class Abandoned(Exception):
    """A turn that failed after taking a number: its transaction is rolled back."""


async def take_number(app: App, clock: Clock, *, abandon: bool = False) -> str:
    async with app.database.transaction() as session:
        ref = await next_ref(session, "idea", clock())
        await asyncio.sleep(0.01)  # the lead's own work, while others wait for the counter
        if abandon:
            raise Abandoned
    return ref


async def test_two_workers_number_leads_without_gaps_or_repeats(
    make_app: Callable[..., Any], database_url: str, clock: Clock
) -> None:
    workers = [await make_app(database_url=database_url) for _ in range(2)]
    tries = [take_number(workers[index % 2], clock, abandon=index == 2) for index in range(7)]
    results = await asyncio.gather(*tries, return_exceptions=True)
    refs = [result for result in results if isinstance(result, str)]
    assert [type(result) for result in results].count(Abandoned) == 1
    assert sorted(refs) == [f"IDEA-2026-{number:04d}" for number in range(1, 7)]
    assert await take_number(workers[0], clock) == "IDEA-2026-0007"
