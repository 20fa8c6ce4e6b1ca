"""Issue 24, item 1: the Telegram webhook is never open for want of a secret."""

from __future__ import annotations

import multiprocessing
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from bot import supervisor
from bot.settings import Settings
from bot.webhook_secret import SECRET_FILE, VALID, WebhookSecretError, webhook_secret
from tests.cli import run

WORKERS = 4
TRIALS = 25


def test_an_empty_secret_setting_stops_the_start_with_one_line_naming_it(tmp_path: Path) -> None:
    result = run("config", data_dir=tmp_path, env={"OPTOBOT_TELEGRAM_WEBHOOK_SECRET": ""})
    assert result.returncode == 2 and result.stdout == ""
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("optobot: invalid setting OPTOBOT_TELEGRAM_WEBHOOK_SECRET: is empty")


def test_a_secret_outside_telegrams_rule_is_refused_and_not_repeated(tmp_path: Path) -> None:
    for secret in ("pass word", "ü" * 8, "x" * 257):
        env = {"OPTOBOT_TELEGRAM_WEBHOOK_SECRET": secret}
        result = run("config", data_dir=tmp_path, env=env)
        assert result.returncode == 2
        assert "OPTOBOT_TELEGRAM_WEBHOOK_SECRET: is not valid" in result.stderr
        assert secret not in result.stderr


def _worker_reads(data_dir: str, start: object, results: object) -> None:
    settings = Settings(_env_file=None, data_dir=Path(data_dir))
    start.wait()  # type: ignore[attr-defined]
    try:
        results.put(webhook_secret(settings))  # type: ignore[attr-defined]
    except Exception as error:
        results.put(f"error: {error}")  # type: ignore[attr-defined]


def test_workers_starting_together_all_read_the_one_whole_secret(tmp_path: Path) -> None:
    """Before: 93 of 300 such starts had a worker read the file before it was written."""
    context = multiprocessing.get_context("fork")
    for trial in range(TRIALS):
        data_dir = tmp_path / str(trial)
        start, results = context.Barrier(WORKERS), context.Queue()
        processes = [
            context.Process(target=_worker_reads, args=(str(data_dir), start, results))
            for _ in range(WORKERS)
        ]
        for process in processes:
            process.start()
        seen = [results.get(timeout=60) for _ in processes]
        for process in processes:
            process.join(60)
        assert len(set(seen)) == 1 and VALID.fullmatch(seen[0]), (trial, seen)
        assert (data_dir / SECRET_FILE).read_text() == seen[0]
        assert [path.name for path in data_dir.iterdir()] == [SECRET_FILE]  # no leftovers


@pytest.mark.parametrize("content", ["", "\n", "not a secret!"])
def test_an_empty_or_invalid_secret_file_is_an_error_not_a_secret(
    make_settings: Callable[..., Settings], content: str
) -> None:
    settings = make_settings()
    Path(settings.data_dir).mkdir(parents=True)
    (Path(settings.data_dir) / SECRET_FILE).write_text(content)
    with pytest.raises(WebhookSecretError, match="delete it to have a new secret generated"):
        webhook_secret(settings)


def test_serve_workers_generates_the_secret_before_it_starts_them(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(telegram_bot_token="90001:TOKEN", public_url="https://bot.example")
    supervisor.prepare(settings)
    path = Path(settings.data_dir) / SECRET_FILE
    assert VALID.fullmatch(path.read_text())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(Path(settings.data_dir).stat().st_mode) == 0o700
    assert webhook_secret(settings) == path.read_text()  # what each worker then reads


def test_serve_workers_stops_at_an_empty_secret_file(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    data_dir.mkdir()
    (data_dir / SECRET_FILE).write_text("")
    env = {
        "TELEGRAM_BOT_TOKEN": "90001:TOKEN_NEVER_USED",
        "OPTOBOT_PUBLIC_URL": "https://bot.example",
    }
    result = run("serve", "--workers", "2", data_dir=data_dir, env=env)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"optobot serve: {data_dir / SECRET_FILE} is empty: delete it to have a new secret "
        "generated, or set OPTOBOT_TELEGRAM_WEBHOOK_SECRET"
    )
