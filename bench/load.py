"""Load benchmark: simulated members through the real Telegram webhook and Slack events
paths of ``optobot serve`` (real PTB and Bolt, the fake platform APIs of tests/fakes on
127.0.0.1), on SQLite and PostgreSQL, beside the bare echo of ``bench/echo.py`` in the
same run. Prints one JSON document; progress goes to stderr. Not part of the tests.

    .venv/bin/python bench/load.py [--members N] [--seconds S] [--max-steps N] [--postgres URL]

Each member runs sessions back to back (FAQ questions, sometimes a thumbs up or down, one
training registration, one project idea) until the time or the steps are used up. The
server is a child process, so its peak RSS is its own. PostgreSQL: the URL given (or
OPTOBOT_BENCH_DATABASE_URL; it gets members, leads and registrations written), else a
throw-away cluster when the server binaries are installed, else skipped.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import glob
import itertools
import json
import math
import os
import random
import shutil
import socket
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: the fakes live in tests/, not installed
    sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from handlers.ideas import PHRASES as OPENS_THE_IDEA_FORM  # noqa: E402
from knowledge.evaluation import read_cases  # noqa: E402
from tests.fakes import slack_api, telegram_api  # noqa: E402
from tests.fakes.server import Call  # noqa: E402

TIMEOUT = 15.0
"""Seconds a step waits for its reply before it counts as failed."""
SECRET = "bench-webhook-secret"
REGISTRATION = """/trainings | tr:show: | tr:reg: | Member {n} | Photon GmbH
    | member{n}@photon.example | f:member:pick:yes | f:consent:pick:yes | f:_sum:ok"""
IDEA = """/idea | Fibre sensors for bridges {n} | f:field:pick:laser | f:regions:tick:japan
    | f:regions:done | f:partner:pick:research
    | We drill micro holes in glass with ultrashort pulses and look for a partner.
    | f:stage:pick:prototype | f:funding:pick:funding-zim | f:timeline:pick:next_year | Photon GmbH
    | Member {n} | member{n}@photon.example | skip | f:consent:pick:yes | f:_sum:ok"""
"""The forms' steps; one with a colon and no space is a button (its action or a prefix)."""
_ids = itertools.count(int(time.time() * 1000) % 10**9 * 1000)
"""Members, update ids and Slack timestamps unique across runs on one database."""


class Failed(Exception):
    """A step got no answer, a wrong status or no button to press."""


class Inbox:
    """One chat at the fake API: when the turn was answered, the newest messages' buttons.
    A Slack turn carries a tag (its thread_ts): Bolt acks before it replies."""

    def __init__(self) -> None:
        self.tag: str | None = None
        self.at = 0.0
        self.answered = asyncio.Event()
        self.shown: dict[Any, tuple[dict[str, Any], list[str]]] = {}

    def reply(self, tag: str | None = None) -> None:
        if tag == self.tag and not self.answered.is_set():
            self.at = time.perf_counter()
            self.answered.set()

    def show(self, key: Any, message: dict[str, Any], actions: list[str]) -> None:
        """A message sent or edited (an edit without buttons takes them away)."""
        self.shown.pop(key, None)
        self.shown[key] = (message, actions)
        while len(self.shown) > 8:
            del self.shown[next(iter(self.shown))]

    def buttons(self, prefix: str, suffix: str = "", *, newest: bool = False) -> list[Any]:
        """The newest message with a wanted button and its wanted actions; [] if none."""
        for message, actions in reversed(list(self.shown.values())[-1 if newest else 0 :]):
            if found := [a for a in actions if a.startswith(prefix) and a.endswith(suffix)]:
                return [message, found]
        return []


class Telegram(telegram_api.FakeTelegram):
    """The Bot API fake, each reply routed to its chat's inbox instead of one call list."""

    def __init__(self) -> None:
        super().__init__()
        self.inboxes: dict[Any, Inbox] = {}

    async def record(self, call: Call) -> None:
        if call.method in ("sendMessage", "sendDocument", "editMessageText"):
            self.inboxes.setdefault(int(call.params["chat_id"]), Inbox()).reply()

    def message(self, params: dict[str, Any], **extra: Any) -> dict[str, Any]:
        message = super().message(params, **extra)
        rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
        inbox = self.inboxes.setdefault(int(message["chat"]["id"]), Inbox())
        inbox.show(message["message_id"], message, [b["callback_data"] for r in rows for b in r])
        return message


class Slack(slack_api.FakeSlack):
    """The Web API fake, each reply routed to its channel's inbox by its thread."""

    def __init__(self) -> None:
        super().__init__()
        self.inboxes: dict[Any, Inbox] = {}

    async def record(self, call: Call) -> None:
        if call.method in ("chat.postMessage", "chat.postEphemeral"):
            thread = call.params.get("thread_ts")
            inbox = self.inboxes.setdefault(str(call.params.get("channel")), Inbox())
            inbox.reply(str(thread) if thread else None)

    def on_chat_postMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        answer = super().on_chat_postMessage(params)
        self._show(params, answer["ts"])
        return answer

    def on_chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        inbox = self._show(params, str(params.get("ts")))
        if "✓ " not in json.dumps(params.get("blocks"), ensure_ascii=False):
            inbox.reply(inbox.tag)  # an answer in place of the pressed message, not its tick
        return super().on_chat_update(params)

    def _show(self, params: dict[str, Any], ts: str) -> Inbox:
        blocks = params.get("blocks") or []
        blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
        actions = [e["value"] for b in blocks for e in b.get("elements", []) if "value" in e]
        inbox = self.inboxes.setdefault(str(params.get("channel")), Inbox())
        inbox.show(ts, {"type": "message", "user": "U0BOT", "ts": ts, "blocks": blocks}, actions)
        return inbox


class Member:
    """One member in a private chat, posting what the platform would post."""

    def __init__(self, number: int, language: str, fake: Telegram | Slack, url: str) -> None:
        self.number, self.language, self.url = number, language, url
        self.telegram = isinstance(fake, Telegram)
        self.chat: Any = number if self.telegram else f"D{number}"
        self.user = {"id": number, "is_bot": False, "first_name": "M", "language_code": language}
        if isinstance(fake, Slack):
            fake.locales[f"U{number}"] = "de-DE" if language == "de" else "en-US"
        self.inbox = fake.inboxes.setdefault(self.chat, Inbox())

    async def say(self, http: aiohttp.ClientSession, text: str) -> tuple[float, float | None]:
        if self.telegram:
            chat, now = {"id": self.number, "type": "private"}, int(time.time())
            message = {"message_id": next(_ids), "from": self.user, "chat": chat, "date": now}
            if text.startswith("/"):
                command = {"offset": 0, "length": len(text.split()[0]), "type": "bot_command"}
                message["entities"] = [command]
            return await self._telegram(http, {"message": {**message, "text": text}})
        tag, ts = f"1800000000.{next(_ids)}", f"1800000000.{next(_ids)}"
        event = {"type": "message", "channel": self.chat, "user": f"U{self.number}", "ts": ts}
        event |= {"text": text, "thread_ts": tag, "channel_type": "im"}
        body = {"type": "event_callback", "team_id": "T0001", "api_app_id": "A0001"}
        body |= {"event": event, "event_id": f"Ev{next(_ids)}", "event_time": int(time.time())}
        return await self._post(http, json.dumps(body).encode(), "application/json", tag)

    async def press(
        self, http: aiohttp.ClientSession, message: dict[str, Any], action: str
    ) -> tuple[float, float | None]:
        if self.telegram:
            query = {"id": f"q{next(_ids)}", "from": self.user, "message": message}
            query |= {"chat_instance": str(self.number), "data": action}
            return await self._telegram(http, {"callback_query": query})
        tag = f"1800000000.{next(_ids)}"
        blocks = message["blocks"]
        button = next(e for b in blocks for e in b.get("elements", []) if e.get("value") == action)
        container = {"type": "message", "message_ts": message["ts"], "channel_id": self.chat}
        payload = {"type": "block_actions", "api_app_id": "A0001", "trigger_id": tag}
        payload |= {"user": {"id": f"U{self.number}", "team_id": "T0001"}, "team": {"id": "T0001"}}
        payload |= {"channel": {"id": self.chat}, "container": container, "state": {"values": {}}}
        payload |= {
            "message": {**message, "thread_ts": tag},
            "actions": [{**button, "action_ts": tag}],
        }
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return await self._post(http, body, "application/x-www-form-urlencoded", tag)

    async def _telegram(self, http: aiohttp.ClientSession, update: dict[str, Any]) -> Any:
        body = json.dumps({"update_id": next(_ids), **update}).encode()
        return await self._post(http, body, "application/json", None, SECRET)

    async def _post(
        self, http: aiohttp.ClientSession, body: bytes, kind: str, tag: str | None, secret: str = ""
    ) -> tuple[float, float | None]:
        """Reply latency to the turn's first reply at the fake; the ack is Slack's alone."""
        headers = {"Content-Type": kind}
        headers |= {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else slack_api.sign(body)
        self.inbox.tag = tag
        self.inbox.answered.clear()
        start = time.perf_counter()
        async with http.post(self.url, data=body, headers=headers) as response:
            answer = await response.read()
        acked = time.perf_counter()
        if response.status != 200:
            raise Failed(f"status {response.status}")
        if secret and b'"method"' in answer:  # Telegram runs a method the webhook answer names
            self.inbox.reply()
        try:
            await asyncio.wait_for(self.inbox.answered.wait(), TIMEOUT)
        except TimeoutError:
            raise Failed("no reply") from None
        return self.inbox.at - start, None if secret else acked - start


def steps(script: str) -> tuple[str, ...]:
    return tuple(step.strip() for step in script.replace("\n", " ").split(" | "))


class Phase:
    """All members against one server for ``seconds`` or ``max_steps`` steps at most."""

    def __init__(self, seconds: float, max_steps: int, *, forms: bool) -> None:
        self.seconds, self.max_steps, self.forms = seconds, max_steps, forms
        self.deadline = time.perf_counter() + seconds
        self.reply: list[float] = []
        self.ack: list[float] = []
        self.sessions: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()

    def open(self) -> bool:
        return time.perf_counter() < self.deadline and len(self.reply) < self.max_steps

    async def step(self, http: aiohttp.ClientSession, member: Member, step: str, rng: Any) -> None:
        if not self.open():
            raise TimeoutError
        if ":" in step and " " not in step:
            if not (found := member.inbox.buttons(step)):
                raise Failed(f"no button {step}")
            reply, ack = await member.press(http, found[0], rng.choice(found[1]))
        else:
            reply, ack = await member.say(http, step.format(n=member.number))
        self.reply.append(reply)
        self.ack += [] if ack is None else [ack]

    async def live(self, http: aiohttp.ClientSession, member: Member, texts: list[str]) -> None:
        """Sessions back to back; the echo (no forms given) gets questions only."""
        rng = random.Random(member.number)
        forms = {"registration": steps(REGISTRATION), "idea": steps(IDEA)} if self.forms else {}
        await asyncio.sleep(rng.random())  # members arrive over the first second
        with contextlib.suppress(TimeoutError):
            while self.open():
                name, session = "faq", (rng.choice(texts),)
                if forms and rng.random() < 0.25:
                    name = rng.choice(list(forms))
                    session = forms.pop(name)  # each form once: a second one offers old data
                if member.inbox.buttons("f:", ":cancel", newest=True):
                    session = ("/cancel", *session)  # a question taken for a form's start
                try:
                    for step in session:
                        await self.step(http, member, step, rng)
                    if self.forms and rng.random() < 0.25 and member.inbox.buttons("fb:"):
                        await self.step(http, member, "fb:", rng)
                    self.sessions[name] += 1
                except (Failed, aiohttp.ClientError) as error:
                    self.errors[f"{name}: {error or type(error).__name__}"] += 1
                    await asyncio.sleep(0.5)
                    await self.step(http, member, "/cancel", rng)

    def summary(self) -> dict[str, Any]:
        return {
            "updates": len(self.reply),
            "updates_per_s": round(len(self.reply) / self.seconds, 1),
            "reply_ms": {"p50": percentile(self.reply, 50), "p99": percentile(self.reply, 99)},
            "slack_ack_ms": {"p99": percentile(self.ack, 99)},
            "sessions": dict(self.sessions),
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


async def run(*argv: Any, log: Path, env: dict[str, str] | None = None, wait: bool = True) -> Any:
    """A child process, its output to ``log``; waited for unless ``wait`` is False."""
    with log.open("ab") as out:
        child = await asyncio.create_subprocess_exec(
            *map(str, argv), env=env, stdout=out, stderr=out
        )
    if wait and await asyncio.wait_for(child.wait(), 120) != 0:
        raise RuntimeError(f"{Path(argv[-1]).name} failed, see {log}")
    return child


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


def peak_rss_mb(pid: int) -> float:
    """The kernel's high-water mark of the process's memory."""
    status = Path(f"/proc/{pid}/status").read_text()
    return round(int(status.split("VmHWM:")[1].split()[0]) / 1024, 1)


@contextlib.asynccontextmanager
async def serving(argv: list[str], env: dict[str, str], port: int, log: Path) -> AsyncIterator[int]:
    """The server from its first 200 on /healthz (its pid) to SIGTERM, SIGKILL if it hangs."""
    child = await run(*argv, env=env, log=log, wait=False)
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
    """One server (the assistant on ``url``, or the echo without one) and all members."""
    print(f"[load] {name} …", file=sys.stderr, flush=True)
    (workdir := temp / name).mkdir()
    port = free_port()
    async with Telegram() as telegram, Slack() as slack:
        env = environment(port, workdir, telegram, slack)  # type: ignore[arg-type]
        argv = [sys.executable, "-m", "bench.echo"]
        if url:
            env["OPTOBOT_DATABASE_URL"] = url
            argv = [sys.executable, "-m", "bot", "trainings", "sync"]
            await run(*argv, env=env, log=workdir / "sync.log")
            argv[3:] = ["serve"]
        async with serving(argv, env, port, workdir / "server.log") as pid:
            members = []
            for index in range(args.members):
                fake, path = [(telegram, "telegram/webhook"), (slack, "slack/events")][index % 2]
                language = ("de", "en")[index // 2 % 2]
                members.append(
                    Member(next(_ids), language, fake, f"http://127.0.0.1:{port}/{path}")
                )
            phase = Phase(args.seconds, args.max_steps, forms=bool(url))
            async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
                await asyncio.gather(*(phase.live(http, m, texts[m.language]) for m in members))
            result = phase.summary() | {"peak_rss_mb": peak_rss_mb(pid)}
    print(f"[load] {name}: {json.dumps(result)}", file=sys.stderr, flush=True)
    return result


@contextlib.asynccontextmanager
async def postgresql(url: str | None) -> AsyncIterator[tuple[str | None, str | None]]:
    """The URL given, else a throw-away cluster; yields (url, None) or (None, why not)."""
    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
    if url or not bins:
        yield url, None if url else "no PostgreSQL server binaries in /usr/lib/postgresql/"
        return
    root, port = Path(tempfile.mkdtemp(prefix="optobot-load-pg-")), free_port()
    as_pg = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_pg:  # PostgreSQL refuses to run as root
        shutil.chown(root, "postgres")
    ctl, log = [*as_pg, f"{bins[-1]}/pg_ctl", "-D", root / "data"], root / "setup.log"
    try:
        await run(*as_pg, f"{bins[-1]}/initdb", "-D", root / "data", "-U", "postgres", log=log)
        options = f"-p {port} -k {root} -c listen_addresses=''"
        await run(*ctl, "-l", root / "log", "-o", options, "-w", "start", log=log)
        started: tuple[str | None, str | None] = (
            f"postgresql+asyncpg://postgres@/postgres?host={root}&port={port}",
            None,
        )
    except RuntimeError as error:
        started = None, f"no throw-away cluster: {error}"
    try:
        yield started
    finally:
        if started[0]:
            await run(*ctl, "-m", "fast", "-w", "stop", log=log)
        shutil.rmtree(root, ignore_errors=True)


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    texts: dict[str, list[str]] = {"de": [], "en": []}
    for case in read_cases(ROOT / "tests" / "knowledge" / "eval_set.yaml"):
        if not OPENS_THE_IDEA_FORM.search(case.question):  # that would leave the form open
            texts[case.language].append(case.question)
    report: dict[str, Any] = {"config": {k: v for k, v in vars(args).items() if k != "postgres"}}
    with tempfile.TemporaryDirectory(prefix="optobot-load-") as folder:
        report["echo"] = await measure("echo", None, args, Path(folder), texts)
        sqlite = f"sqlite+aiosqlite:///{folder}/optobot.sqlite3"
        report["sqlite"] = await measure("sqlite", sqlite, args, Path(folder), texts)
        async with postgresql(args.postgres) as (url, why):
            if url:
                report["postgresql"] = await measure("postgresql", url, args, Path(folder), texts)
            else:
                print(f"[load] postgresql skipped: {why}", file=sys.stderr, flush=True)
                report["postgresql"] = {"skipped": why}
    for name in ("sqlite", "postgresql"):
        if "updates_per_s" in report[name] and report["echo"]["updates_per_s"]:
            ratio = report[name]["updates_per_s"] / report["echo"]["updates_per_s"]
            report[name]["ratio_to_echo"] = round(ratio, 3)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=20, help="simulated members (20)")
    parser.add_argument("--seconds", type=float, default=15, help="seconds per server (15)")
    parser.add_argument("--max-steps", type=int, default=50_000, help="steps per server at most")
    parser.add_argument("--postgres", default=os.environ.get("OPTOBOT_BENCH_DATABASE_URL"))
    print(json.dumps(asyncio.run(bench(parser.parse_args())), indent=2))


if __name__ == "__main__":
    main()
