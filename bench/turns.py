"""What optobot's own turn costs, without the channels: the sessions of the load benchmark
(FAQ questions, idea forms, training registrations) sent straight to the Assistant, one
member at a time, on SQLite and PostgreSQL. Prints JSON; not part of the tests.

    .venv/bin/python bench/turns.py [--sessions N] [--only sqlite|postgresql] [--postgres URL]

``bench/load.py`` measures the whole path under load on a shared host, where one run may
differ from the next by a third and the platform libraries take half the time. Here
nothing runs at once, so CPU and wall time per turn and the SQL statements per turn
(BEGIN and COMMIT not counted) show what a change to the turn itself gained or cost.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: the load kit and tests/ are not installed
    sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402

from bench.loadkit.far_side import Want  # noqa: E402
from bench.loadkit.generator import StepFailed  # noqa: E402
from bench.loadkit.mix import Questions, assistant_mix  # noqa: E402
from bench.loadkit.postgres import on_postgresql  # noqa: E402
from bot.app import App, open_app  # noqa: E402
from bot.assistant import Assistant  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.trainings import sync  # noqa: E402
from knowledge.catalogue import CATALOGUE_FILE, load  # noqa: E402
from tests.conversation import Conversation  # noqa: E402

EVAL_SET = ROOT / "tests" / "knowledge" / "eval_set.yaml"
BACKENDS = ("sqlite", "postgresql")
MEMBERS = 20
"""Members taking turns at sessions, so most turns are by members the assistant knows."""
WARM_UP = 40
"""Sessions before measuring: members known, caches filled and connections open, as in a
running server."""
SHOWN = 8
"""Messages a member still sees buttons on, as in the load benchmark's inbox."""


class DirectMember:
    """A member of the load benchmark's mix talking to the Assistant itself. A pressed
    message loses its buttons, as the channels do."""

    def __init__(self, assistant: Assistant, number: int, language: str, channel: str) -> None:
        self.number, self.language, self.channel = number, language, channel
        user = f"turns-{uuid.uuid4().hex[:12]}"
        self.chat = Conversation(assistant, channel=channel, user=user, locale=language)
        self.turns = 0
        self._shown: list[list[str]] = []

    async def say(self, text: str) -> None:
        await self._send(text=text)

    async def press(self, want: Want, rng: random.Random | None = None) -> None:
        for actions in reversed(self._shown):
            wanted = [action for action in actions if want(action)]
            if wanted:
                actions.clear()
                await self._send(action=rng.choice(wanted) if rng else wanted[0])
                return
        raise StepFailed("no button to press")

    def has(self, want: Want) -> bool:
        return any(want(action) for actions in self._shown for action in actions)

    def shows(self, want: Want) -> bool:
        return bool(self._shown) and any(want(action) for action in self._shown[-1])

    async def _send(self, *, text: str | None = None, action: str | None = None) -> None:
        # event ids of their own: a database kept from an earlier run has seen "evt-1"
        incoming = replace(self.chat.incoming(text=text, action=action), event_id=uuid.uuid4().hex)
        replies = await self.chat.send(incoming)
        self.turns += 1
        self._shown += [[choice.action for choice in reply.choices] for reply in replies]
        del self._shown[:-SHOWN]


async def measure(app: App, questions: Questions, sessions: int) -> dict[str, Any]:
    """``sessions`` sessions of the mix after a warm-up, the members taking turns."""
    executed = 0
    engine = app.database.engine.sync_engine

    def count(*_: Any) -> None:
        nonlocal executed
        executed += 1

    event.listen(engine, "before_cursor_execute", count)
    async with app.database.transaction() as session:
        await sync(session, load(CATALOGUE_FILE), now=app.services.clock())
    pick = assistant_mix(questions)
    rng = random.Random(11)
    members = [
        DirectMember(
            app.assistant,
            number,
            "de" if number % 4 < 2 else "en",
            "telegram" if number % 2 == 0 else "slack",
        )
        for number in range(MEMBERS)
    ]
    kinds: dict[str, Counter[str]] = {}  # sessions, turns, statements; seconds as floats
    for number in range(WARM_UP + sessions):
        name, session_of = pick(rng)
        member = members[number % MEMBERS]
        turns, statements = member.turns, executed
        cpu, wall = time.process_time(), time.perf_counter()
        await session_of(member, rng)
        if number < WARM_UP:
            continue
        tally = kinds.setdefault(name, Counter())
        tally["sessions"] += 1
        tally["turns"] += member.turns - turns
        tally["cpu"] += time.process_time() - cpu
        tally["wall"] += time.perf_counter() - wall
        tally["statements"] += executed - statements
    event.remove(engine, "before_cursor_execute", count)
    every = sum(kinds.values(), Counter[str]())
    return {**_per_turn(every), "by_session": {k: _per_turn(v) for k, v in kinds.items()}}


def _per_turn(tally: Counter[str]) -> dict[str, Any]:
    turns = tally["turns"] or 1
    return {
        "sessions": tally["sessions"],
        "turns": tally["turns"],
        "cpu_ms_per_turn": round(1000 * tally["cpu"] / turns, 3),
        "wall_ms_per_turn": round(1000 * tally["wall"] / turns, 3),
        "statements_per_turn": round(tally["statements"] / turns, 2),
    }


async def backend(url: str, questions: Questions, sessions: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="optobot-turns-") as data:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            data_dir=Path(data),
            database_url=url,
            rate_limit_per_minute=1_000_000,
        )
        async with open_app(settings) as app:
            return await measure(app, questions, sessions)


async def main(args: argparse.Namespace) -> dict[str, Any]:
    questions = Questions.read(EVAL_SET)
    report: dict[str, Any] = {"sessions": args.sessions}
    wanted = args.only or BACKENDS
    if "sqlite" in wanted:
        with tempfile.TemporaryDirectory(prefix="optobot-turns-") as folder:
            sqlite = f"sqlite+aiosqlite:///{Path(folder) / 'turns.sqlite3'}"
            report["sqlite"] = await backend(sqlite, questions, args.sessions)
    if "postgresql" in wanted:
        report["postgresql"] = await on_postgresql(
            args.postgres, lambda url, _cpu: backend(url, questions, args.sessions)
        )
    return report


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=300, help="measured sessions (300)")
    parser.add_argument(
        "--only", action="append", choices=BACKENDS, help="run only this backend (repeatable)"
    )
    parser.add_argument(
        "--postgres",
        default=os.environ.get("OPTOBOT_BENCH_DATABASE_URL"),
        help="PostgreSQL URL (postgresql+asyncpg://…); default: a throw-away cluster",
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(arguments())), indent=2))
