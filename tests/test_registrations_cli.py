"""``optobot trainings …`` as the office uses it, and the whole registration dialogue
through the console subprocess."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import build_app
from bot.cli import main
from bot.delivery.outbox import replies_from_payload
from bot.settings import Settings
from bot.storage import OutboxMessage
from tests.conversation import Clock, Conversation
from tests.handlers.test_trainings import JAPAN, register

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    values = {
        "OPTOBOT_DATA_DIR": str(tmp_path / "var"),
        "OPTOBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}",
        "OPTOBOT_STAFF_SLACK_CHANNEL": "C-STAFF",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    return values


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["trainings", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def with_app(env: dict[str, str], work: Any) -> Any:
    async def go() -> Any:
        settings = Settings(_env_file=None)
        app = await build_app(settings, clock=Clock())
        try:
            return await work(app)
        finally:
            await app.database.dispose()

    return asyncio.run(go())


def registered(env: dict[str, str], *names: str) -> None:
    async def work(app: Any) -> None:
        for number, name in enumerate(names):
            talk = Conversation(app.assistant, user=f"u{number}", locale="en")
            await register(talk, name=name, member="no" if number % 2 else "yes")

    with_app(env, work)


def outbox(env: dict[str, str], kind: str) -> list[OutboxMessage]:
    async def work(app: Any) -> list[OutboxMessage]:
        async with app.database.transaction() as session:
            query = select(OutboxMessage).where(OutboxMessage.kind == kind)
            return list((await session.execute(query)).scalars())

    return with_app(env, work)


def test_sync_list_and_attendees_csv(env: dict[str, str], capsys: Any) -> None:
    code, out, _ = run(capsys, "sync")
    assert code == 0 and "added: 9" in out
    code, out, _ = run(capsys, "seats", JAPAN, "2")
    assert code == 0
    registered(env, "Anna Alpha", "Ben Beta", "Cleo Gamma")
    code, out, _ = run(capsys, "list", "--format", "json")
    japan = next(row for row in json.loads(out) if row["id"] == JAPAN)
    assert (japan["seats"], japan["confirmed"], japan["waiting"]) == (2, 2, 1)

    code, out, _ = run(capsys, "attendees", JAPAN, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["name"], r["status"], r["waiting_position"]) for r in rows] == [
        ("Anna Alpha", "confirmed", ""),
        ("Ben Beta", "confirmed", ""),
        ("Cleo Gamma", "waiting", "1"),
    ]
    assert rows[0]["email"] == "anna@lasertec.example" and rows[1]["member"] == "no"
    code, out, _ = run(capsys, "attendees", JAPAN)
    assert "Cleo Gamma" in out.splitlines()[3]


def test_more_seats_promote_and_tell_the_member(env: dict[str, str], capsys: Any) -> None:
    run(capsys, "sync")
    run(capsys, "seats", JAPAN, "1")
    registered(env, "Anna Alpha", "Ben Beta")
    code, out, _ = run(capsys, "seats", JAPAN, "2")
    assert code == 0 and "promoted: Ben Beta" in out
    (row,) = outbox(env, "training_promoted")
    (reply,) = replies_from_payload(row.payload)
    assert reply.attachment is not None and reply.attachment.filename == f"{JAPAN}.ics"


def test_cancel_tells_everyone_registered_or_waiting(env: dict[str, str], capsys: Any) -> None:
    run(capsys, "sync")
    run(capsys, "seats", JAPAN, "1")
    registered(env, "Anna Alpha", "Ben Beta")
    code, _, _ = run(capsys, "cancel", JAPAN, "--yes")
    assert code == 0
    rows = outbox(env, "training_cancelled")
    assert sorted(row.payload["user_id"] for row in rows) == ["u0", "u1"]
    assert "Cancelled" in replies_from_payload(rows[0].payload)[0].text
    code, _, err = run(capsys, "cancel", JAPAN, "--yes")  # again: nobody is told twice
    assert code == 1 and "cancelled already" in err
    assert len(outbox(env, "training_cancelled")) == 2


def test_close_refuses_new_registrations(env: dict[str, str], capsys: Any) -> None:
    run(capsys, "sync")
    assert run(capsys, "close", JAPAN)[0] == 0

    async def work(app: Any) -> str:
        talk = Conversation(app.assistant, locale="en")
        await talk.send(talk.incoming(action=f"tr:reg:{JAPAN}"))
        return talk.text

    assert "Registration for this training is closed" in with_app(env, work)


def test_announce_goes_to_members_who_opted_in(env: dict[str, str], capsys: Any) -> None:
    run(capsys, "sync")

    async def work(app: Any) -> None:
        for user, choice in (("yes", "on"), ("no", "off"), ("never", None)):
            talk = Conversation(app.assistant, user=user, locale="de")
            await talk.say(f"/announcements {choice}" if choice else "Hallo")

    with_app(env, work)
    code, out, _ = run(capsys, "announce", JAPAN)
    assert code == 0 and "1 member(s)" in out
    (row,) = outbox(env, "training_announcement")
    assert row.payload["user_id"] == "yes"
    assert row.payload["replies"][0]["choices"] == [["Details und Anmeldung", f"tr:show:{JAPAN}"]]


def test_unknown_training_and_bad_catalogue(
    env: dict[str, str], capsys: Any, tmp_path: Path
) -> None:
    code, _, err = run(capsys, "close", "no-such-training")
    assert code == 1 and "no training 'no-such-training'" in err
    bad = tmp_path / "bad.yaml"
    bad.write_text("trainings:\n  - id: Bad Id\n    topic: mars\n", encoding="utf-8")
    code, _, err = run(capsys, "sync", "--file", str(bad))
    assert code == 1 and "bad.yaml:2:" in err and "nothing changed" in err


def test_registration_dialogue_through_the_console_subprocess(
    env: dict[str, str], capsys: Any, tmp_path: Path
) -> None:
    run(capsys, "sync")
    script = "\n".join(
        [
            "/trainings",
            "1",  # the first training: Japan
            "1",  # ✍️ Register
            "Erika Muster",
            "Lasertec Jena GmbH",
            "erika@lasertec.example",
            "Yes, member",
            "Yes, I agree",
            "1",  # ✅ Send
            "/mytrainings",
        ]
    )
    result = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--lang", "en"],
        input=script + "\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Registered: Business culture Japan" in out
    assert "Fee (member): €290.00" in out
    assert f"{JAPAN}.ics" in out
    assert (
        (tmp_path / "var" / "downloads" / f"{JAPAN}.ics")
        .read_bytes()
        .startswith(b"BEGIN:VCALENDAR")
    )
    assert "seat confirmed" in out
