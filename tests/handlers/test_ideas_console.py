"""The idea dialogue end to end: ``optobot chat`` as a subprocess, stdin lines in, text out.

Two runs on one database stand for a restart in the middle of the dialogue; the stored
lead is read back with ``optobot leads``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

OPTOBOT = Path(sys.executable).with_name("optobot")
DESCRIPTION = "We drill micro holes in glass with ultrashort pulses; the partner brings optics."


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OPTOBOT_", "SLACK_"))}
    clean = {k: v for k, v in clean.items() if not k.startswith("TELEGRAM_")}
    return {
        **clean,
        "OPTOBOT_DATA_DIR": str(tmp_path / "var"),
        "OPTOBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'optobot.sqlite3'}",
        "OPTOBOT_RATE_LIMIT_PER_MINUTE": "1000",
    }


def optobot(env: dict[str, str], cwd: Path, *args: str, lines: tuple[str, ...] = ()) -> str:
    done = subprocess.run(
        [str(OPTOBOT), *args],
        input="".join(f"{line}\n" for line in lines),
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def chat(env: dict[str, str], cwd: Path, *lines: str) -> str:
    return optobot(env, cwd, "chat", "--user", "anna", "--lang", "en", lines=lines)


def test_idea_through_the_console_with_back_restart_and_edit(
    env: dict[str, str], tmp_path: Path
) -> None:
    first = chat(
        env,
        tmp_path,
        "/idea",
        "Hi",
        "Glass drilling with ultrashort pulses",
        "Laser technology",
        "back",
        "Optoelectronics",
        "Japan, South Korea",
        "fertig",
        "Research",
        DESCRIPTION,
        "Prototype",
        "Please advise",
        "next year",
    )
    assert "at least 5 characters" in first
    assert first.count("Which technology field") == 2  # asked again after "back"
    assert "Which organisation are you writing for?" in first
    assert "IDEA-" not in first

    second = chat(
        env,
        tmp_path,
        "Photon GmbH",
        "Anna Schmidt",
        "anna@photon.example",
        "skip",
        "Yes, I agree",
        "✏️ Title",
        "Femtosecond glass drilling",
        "✅ Send",
    )
    assert "Please check your idea" in second and "Japan, South Korea" in second
    assert "Femtosecond glass drilling" in second and "IDEA-2026-0001" in second.split("✅")[-1]

    shown = json.loads(
        optobot(env, tmp_path, "leads", "show", "IDEA-2026-0001", "--format", "json")
    )
    assert shown["status"] == "new" and shown["language"] == "en" and shown["kind"] == "idea"
    fields = shown["fields"]
    assert fields["title"] == "Femtosecond glass drilling" and fields["field"] == "optoelectronics"
    assert fields["regions"] == ["japan", "korea"] and fields["funding"] == "advise"
    assert fields["timeline"] == "next_year" and fields["email"] == "anna@photon.example"
    assert fields["phone"] is None and shown["consent_at"]

    listing = optobot(env, tmp_path, "leads", "list", "--format", "csv")
    assert listing.splitlines()[1].startswith("IDEA-2026-0001,idea,new,")
    assert "Photon GmbH" in optobot(env, tmp_path, "leads", "list")
    assert "nothing waiting or failed" in optobot(env, tmp_path, "outbox", "list")

    claimed = optobot(
        env, tmp_path, "leads", "set-status", "IDEA-2026-0001", "claimed", "--by", "Anke"
    )
    assert claimed.strip() == "IDEA-2026-0001: claimed"
    shown = json.loads(
        optobot(env, tmp_path, "leads", "show", "IDEA-2026-0001", "--format", "json")
    )
    assert (shown["assignee"], shown["assignee_id"]) == ("Anke", None)
    closed = optobot(
        env,
        tmp_path,
        "leads",
        "set-status",
        "IDEA-2026-0001",
        "closed",
        "--by",
        "Ben",
        "--by-id",
        "telegram:4711",
    )
    assert closed.strip() == "IDEA-2026-0001: closed"
    shown = json.loads(
        optobot(env, tmp_path, "leads", "show", "IDEA-2026-0001", "--format", "json")
    )
    assert (shown["assignee"], shown["assignee_id"]) == ("Anke", None)
    notice = chat(env, tmp_path, "/help")  # the chat's worker delivers the member's notice
    assert "is now handled by Anke from the office" in notice


def test_cancel_discards_the_dialogue(env: dict[str, str], tmp_path: Path) -> None:
    out = chat(env, tmp_path, "/idea", "A title for nothing", "cancel", "/cancel")
    assert "Cancelled" in out and "no running dialogue to cancel" in out
    assert "(no leads)" in optobot(env, tmp_path, "leads", "list")


@pytest.mark.skipif(
    importlib.util.find_spec("handlers.faq") is None, reason="the FAQ handler is not there yet"
)
def test_a_question_in_the_middle_is_answered_then_the_step_asked_again(
    env: dict[str, str], tmp_path: Path
) -> None:
    out = chat(env, tmp_path, "/idea", "Glass drilling with pulses", "what is ZIM?")
    after = out.split("what is ZIM")[-1] if "what is ZIM" in out else out
    assert "ZIM – international cooperation projects" in after
    assert out.count("Which technology field") == 2
