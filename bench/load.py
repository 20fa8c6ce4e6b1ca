"""Load benchmark: simulated members ask FAQ questions through the real Telegram webhook
and Slack events paths of ``optobot serve`` (the fakes of tests/fakes on 127.0.0.1), on
SQLite and PostgreSQL, beside the bare echo of ``bench/echo.py`` in the same run. Prints one
JSON document: updates/s, reply p50/p99, peak RSS, ratio to the echo. Not part of the tests.

    .venv/bin/python bench/load.py [--members N] [--seconds S] [--postgres URL]

PostgreSQL: the URL given (or OPTOBOT_BENCH_DATABASE_URL; a throw-away server started as in
``.ci/run`` will do), else skipped.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import math
import os
import random
import socket
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: the fakes live in tests/, not installed
    sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from handlers.ideas import PHRASES as OPENS_THE_IDEA_FORM  # noqa: E402
from knowledge.evaluation import read_cases  # noqa: E402
from tests.fakes import slack_api, telegram_api  # noqa: E402
from tests.fakes.server import Call  # noqa: E402

TIMEOUT = 15.0
"""Seconds a question waits for its answer before it counts as failed."""
SECRET = "bench-webhook-secret"
_ids = itertools.count(int(time.time() * 1000) % 10**9 * 1000)
"""Members, update ids and Slack timestamps unique across runs on one database."""


class Failed(Exception):
    """A question got no answer or a wrong status."""


class Chat:
    """One member's chat at the fake API: when its turn was answered. A Slack turn carries
    a tag (its thread_ts): Bolt acks before it replies, so a late reply must not count."""

    def __init__(self) -> None:
        self.tag: str | None = None
        self.at = 0.0
        self.answered = asyncio.Event()

    def reply(self, tag: str | None = None) -> None:
        if tag == self.tag and not self.answered.is_set():
            self.at = time.perf_counter()
            self.answered.set()


class Telegram(telegram_api.FakeTelegram):
    """The Bot API fake, each reply routed to its chat instead of one call list."""

    def __init__(self) -> None:
        super().__init__()
        self.chats: dict[str, Chat] = {}

    async def record(self, call: Call) -> None:
        if call.method in ("sendMessage", "sendDocument"):
            self.chats.setdefault(str(call.params["chat_id"]), Chat()).reply()


class Slack(slack_api.FakeSlack):
    """The Web API fake, each reply routed to its channel by its thread."""

    def __init__(self) -> None:
        super().__init__()
        self.chats: dict[str, Chat] = {}

    async def record(self, call: Call) -> None:
        if call.method in ("chat.postMessage", "chat.postEphemeral"):
            thread = call.params.get("thread_ts")
            chat = self.chats.setdefault(str(call.params.get("channel")), Chat())
            chat.reply(str(thread) if thread else None)


class Member:
    """One member in a private chat, posting what the platform would post."""

    def __init__(self, number: int, language: str, fake: Telegram | Slack, url: str) -> None:
        self.number, self.language, self.url = number, language, url
        self.telegram = isinstance(fake, Telegram)
        self.chat = fake.chats.setdefault(str(number) if self.telegram else f"D{number}", Chat())
        if isinstance(fake, Slack):
            fake.locales[f"U{number}"] = "de-DE" if language == "de" else "en-US"

    def update(self, text: str) -> tuple[bytes, dict[str, str], str | None]:
        """The body, its authenticating headers and the turn's tag."""
        if self.telegram:
            user = {"id": self.number, "is_bot": False, "first_name": "M"}
            message = {"message_id": next(_ids), "from": user | {"language_code": self.language}}
            message |= {"chat": {"id": self.number, "type": "private"}, "text": text}
            body = json.dumps({"update_id": next(_ids), "message": message | {"date": 0}})
            return body.encode(), {"X-Telegram-Bot-Api-Secret-Token": SECRET}, None
        tag, ts = f"1800000000.{next(_ids)}", f"1800000000.{next(_ids)}"
        event = {"type": "message", "channel": f"D{self.number}", "user": f"U{self.number}"}
        event |= {"ts": ts, "text": text, "thread_ts": tag, "channel_type": "im"}
        body = {"type": "event_callback", "team_id": "T0001", "api_app_id": "A0001"}
        body |= {"event": event, "event_id": f"Ev{next(_ids)}", "event_time": int(time.time())}
        encoded = json.dumps(body).encode()
        return encoded, slack_api.sign(encoded), tag

    async def ask(self, http: aiohttp.ClientSession, text: str) -> float:
        """Seconds to the turn's first reply at the fake."""
        body, headers, self.chat.tag = self.update(text)
        self.chat.answered.clear()
        start = time.perf_counter()
        headers |= {"Content-Type": "application/json"}
        async with http.post(self.url, data=body, headers=headers) as response:
            answer = await response.read()
        if response.status != 200:
            raise Failed(f"status {response.status}")
        if self.telegram and b'"method"' in answer:  # a method the webhook answer names
            self.chat.reply()
        try:
            await asyncio.wait_for(self.chat.answered.wait(), TIMEOUT)
        except TimeoutError:
            raise Failed("no reply") from None
        return self.chat.at - start


class Phase:
    """All members against one server for ``seconds``, question after question."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline = time.perf_counter() + seconds
        self.reply: list[float] = []
        self.errors: Counter[str] = Counter()

    async def live(self, http: aiohttp.ClientSession, member: Member, texts: list[str]) -> None:
        rng = random.Random(member.number)
        await asyncio.sleep(rng.random())  # members arrive over the first second
        while time.perf_counter() < self.deadline:
            try:
                self.reply.append(await member.ask(http, rng.choice(texts)))
            except (Failed, aiohttp.ClientError) as error:
                self.errors[str(error) or type(error).__name__] += 1
                await asyncio.sleep(0.5)

    def summary(self) -> dict[str, Any]:
        return {
            "updates": len(self.reply),
            "updates_per_s": round(len(self.reply) / self.seconds, 1),
            "reply_ms": {"p50": percentile(self.reply, 50), "p99": percentile(self.reply, 99)},
            "errors": dict(self.errors),
        }


def percentile(seconds: list[float], share: float) -> float:
    """Nearest rank, in milliseconds."""
    ordered = sorted(seconds) or [0.0]
    return round(ordered[max(0, math.ceil(share / 100 * len(ordered)) - 1)] * 1000, 1)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def run(*argv: Any, log: Path, env: dict[str, str] | None = None) -> Any:
    """A child process, its output to ``log``."""
    with log.open("ab") as out:
        return await asyncio.create_subprocess_exec(
            *map(str, argv), env=env, stdout=out, stderr=out
        )


def peak_rss_mb(pid: int) -> float:
    """The kernel's high-water mark of the process's memory."""
    status = Path(f"/proc/{pid}/status").read_text()
    return round(int(status.split("VmHWM:")[1].split()[0]) / 1024, 1)


def environment(port: int, workdir: Path, telegram: Telegram, slack: Slack) -> dict[str, str]:
    """Only these variables, so a developer's .env or shell cannot leak in."""
    kept = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    return kept | {
        "TELEGRAM_BOT_TOKEN": telegram_api.TOKEN,
        "TELEGRAM_API_BASE_URL": telegram.base_url,
        "SLACK_BOT_TOKEN": slack_api.TOKEN,
        "SLACK_SIGNING_SECRET": slack_api.SIGNING_SECRET,
        "SLACK_API_URL": slack.api_url,
        "OPTOBOT_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "OPTOBOT_TELEGRAM_WEBHOOK_SECRET": SECRET,
        "OPTOBOT_HTTP_HOST": "127.0.0.1",
        "OPTOBOT_HTTP_PORT": str(port),
        "OPTOBOT_METRICS_PORT": "0",
        "OPTOBOT_DATA_DIR": str(workdir / "var"),
        "OPTOBOT_RATE_LIMIT_PER_MINUTE": "1000000",  # the members are no flood
        "OPTOBOT_TELEGRAM_MESSAGES_PER_SECOND": "100000",  # and the fake is no Telegram
        "PYTHONPATH": str(ROOT),
    }


@contextlib.asynccontextmanager
async def serving(argv: list[str], env: dict[str, str], port: int, log: Path) -> AsyncIterator[int]:
    """The server from its first 200 on /healthz (its pid) to SIGTERM, SIGKILL if it hangs."""
    child = await run(*argv, env=env, log=log)
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(300):
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                        if response.status == 200:
                            break
                if child.returncode is not None:
                    raise RuntimeError(f"{argv[-1]} exited {child.returncode}, see {log}")
                await asyncio.sleep(0.3)
            else:
                raise RuntimeError(f"{argv[-1]} not healthy after 90 s, see {log}")
        yield child.pid
    finally:
        if child.returncode is None:
            child.terminate()
            try:
                await asyncio.wait_for(child.wait(), 20)
            except TimeoutError:
                child.kill()


async def measure(
    name: str, url: str | None, args: argparse.Namespace, temp: Path, texts: dict[str, list[str]]
) -> dict[str, Any]:
    """One server (optobot on database ``url``, or the echo without one) and all members."""
    print(f"[load] {name} …", file=sys.stderr, flush=True)
    (workdir := temp / name).mkdir()
    port = free_port()
    async with Telegram() as telegram, Slack() as slack:
        env = environment(port, workdir, telegram, slack)
        argv = [sys.executable, "-m", *(["bot", "serve"] if url else ["bench.echo"])]
        env |= {"OPTOBOT_DATABASE_URL": url} if url else {}  # serve syncs the trainings first
        async with serving(argv, env, port, workdir / "server.log") as pid:
            members = []
            for index in range(args.members):  # Telegram and Slack, de and en, in turn
                fake, path = [(telegram, "telegram/webhook"), (slack, "slack/events")][index % 2]
                language = ("de", "en")[index // 2 % 2]
                address = f"http://127.0.0.1:{port}/{path}"
                members.append(Member(next(_ids), language, fake, address))
            phase = Phase(args.seconds)
            async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
                await asyncio.gather(*(phase.live(http, m, texts[m.language]) for m in members))
            result = phase.summary() | {"peak_rss_mb": peak_rss_mb(pid)}
    print(f"[load] {name}: {json.dumps(result)}", file=sys.stderr, flush=True)
    return result


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    texts: dict[str, list[str]] = {"de": [], "en": []}
    for case in read_cases(ROOT / "tests" / "knowledge" / "eval_set.yaml"):
        if not OPENS_THE_IDEA_FORM.search(case.question):  # that would leave the form open
            texts[case.language].append(case.question)
    report: dict[str, Any] = {"config": {k: v for k, v in vars(args).items() if k != "postgres"}}
    with tempfile.TemporaryDirectory(prefix="optobot-load-") as folder:
        temp = Path(folder)
        report["echo"] = await measure("echo", None, args, temp, texts)
        sqlite = f"sqlite+aiosqlite:///{folder}/optobot.sqlite3"
        report["sqlite"] = await measure("sqlite", sqlite, args, temp, texts)
        report["postgresql"] = {"skipped": "no --postgres URL"}
        if args.postgres:
            report["postgresql"] = await measure("postgresql", args.postgres, args, temp, texts)
    for name in ("sqlite", "postgresql"):
        if "updates_per_s" in report[name] and report["echo"]["updates_per_s"]:
            ratio = report[name]["updates_per_s"] / report["echo"]["updates_per_s"]
            report[name]["ratio_to_echo"] = round(ratio, 3)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=20, help="simulated members (20)")
    parser.add_argument("--seconds", type=float, default=15, help="seconds per server (15)")
    parser.add_argument("--postgres", default=os.environ.get("OPTOBOT_BENCH_DATABASE_URL"))
    print(json.dumps(asyncio.run(bench(parser.parse_args())), indent=2))


if __name__ == "__main__":
    main()
