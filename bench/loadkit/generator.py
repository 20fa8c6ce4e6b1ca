"""Many members at once for a while: one phase of a load run and its tally.

Each member runs sessions back to back (a closed loop); the :class:`Gate` ends the phase
and, when paced, spaces all members' steps to a fixed rate, so latency can be measured
at a given load rather than only at saturation. A step that fails is counted, and the
member starts over with ``/cancel``.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import random
import resource
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bench.loadkit.members import Member

Session = Callable[["Member", random.Random], Awaitable[None]]
Pick = Callable[[random.Random], tuple[str, Session]]
PAUSE_AFTER_FAILURE = 0.5


class Finished(Exception):
    """The phase is over: the member stops before its next step."""


class StepFailed(Exception):
    """A step got no answer, a wrong status or no button to press; says which."""


class Gate:
    """Every step passes here: after the deadline nobody does, and at most ``rate`` a
    second do when paced (a slot nobody takes is lost, no backlog builds up)."""

    def __init__(self, seconds: float, rate: float | None = None) -> None:
        self.start = time.perf_counter()
        self.deadline = self.start + seconds
        self.interval = 1 / rate if rate else 0.0
        self._next = self.start

    async def enter(self) -> None:
        now = time.perf_counter()
        if self.interval:
            slot = max(now, self._next)
            self._next = slot + self.interval
            if slot > now:
                await asyncio.sleep(slot - now)
        if time.perf_counter() >= self.deadline:
            raise Finished


@dataclass
class Tally:
    """What a phase measured. Steps finished after the deadline count for latency only."""

    gate: Gate
    reply_s: list[float] = field(default_factory=list)
    ack_s: list[float] = field(default_factory=list)
    in_window: Counter[str] = field(default_factory=Counter)
    sessions: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)

    def step(self, channel: str, *, reply: float, ack: float | None = None) -> None:
        self.reply_s.append(reply)
        if ack is not None:
            self.ack_s.append(ack)
        if time.perf_counter() <= self.gate.deadline:
            self.in_window[channel] += 1

    def summary(self) -> dict[str, Any]:
        seconds = self.gate.deadline - self.gate.start
        updates = sum(self.in_window.values())
        return {
            "updates": updates,
            "updates_per_s": round(updates / seconds, 1),
            "by_channel": dict(self.in_window),
            "reply_ms": _percentiles(self.reply_s),
            "slack_ack_ms": _percentiles(self.ack_s),
            "sessions": dict(self.sessions),
            "errors": dict(self.errors),
        }


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share / 100 * len(ordered)) - 1)]


def _percentiles(seconds: Sequence[float]) -> dict[str, float]:
    return {
        "p50": round(percentile(seconds, 50) * 1000, 1),
        "p99": round(percentile(seconds, 99) * 1000, 1),
        "max": round(max(seconds, default=0.0) * 1000, 1),
    }


async def run_phase(
    members: Sequence[Member], pick: Pick, tally: Tally, *, seed: int = 7
) -> dict[str, Any]:
    """All members until the gate closes; the tally's summary plus the bench's own CPU."""

    async def live(member: Member, rng: random.Random) -> None:
        await asyncio.sleep(rng.random())  # members arrive over the first second
        while True:
            name, session = pick(rng)
            try:
                await session(member, rng)
                tally.sessions[name] += 1
            except Finished:
                return
            except StepFailed as failure:
                tally.errors[f"{member.channel}: {failure}"] += 1
                await asyncio.sleep(PAUSE_AFTER_FAILURE)
                with contextlib.suppress(StepFailed, Finished):
                    await member.say("/cancel")

    cpu_before = _own_cpu()
    await asyncio.gather(
        *(live(member, random.Random(seed * 100_003 + member.number)) for member in members)
    )
    summary = tally.summary()
    elapsed = time.perf_counter() - tally.gate.start
    summary["bench_cpu"] = round((_own_cpu() - cpu_before) / elapsed, 2)
    return summary


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
