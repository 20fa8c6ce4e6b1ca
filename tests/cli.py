"""Run the real ``optobot`` command as a subprocess, as a member or an admin would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

OPTOBOT = [sys.executable, "-m", "bot"]


def run(
    *args: str,
    data_dir: Path,
    stdin: str = "",
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """``optobot ARGS`` with its data dir (and SQLite database) under ``data_dir``."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("OPTOBOT_", "TELEGRAM_", "SLACK_"))
    }
    environment.update({"OPTOBOT_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"})
    environment.update(env or {})
    return subprocess.run(
        [*OPTOBOT, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=environment,
        timeout=timeout,
        cwd=Path(__file__).resolve().parent.parent,
    )


def chat(
    lines: list[str],
    *,
    data_dir: Path,
    user: str = "member-1",
    lang: str | None = None,
    env: dict[str, str] | None = None,
) -> str:
    """A whole conversation through stdin; returns everything the assistant printed."""
    args = ["chat", "--user", user, *(["--lang", lang] if lang else [])]
    result = run(*args, data_dir=data_dir, stdin="".join(f"{line}\n" for line in lines), env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout
