"""The admin's side of the command line: help, settings, errors in one clear line."""

import asyncio
import json
from pathlib import Path

import pytest

from bot.cli import SUBCOMMANDS, parser
from knowledge.catalogue import CATALOGUE_FILE, load
from tests.channels.telegram_support import RecordingTelegram
from tests.cli import run


def test_every_subcommand_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    names = [name for name in parser()._subparsers._group_actions[0].choices]  # type: ignore[union-attr]
    assert {"chat", "serve", "db", "config"} <= set(names)
    assert len(names) >= len(SUBCOMMANDS)
    for name in names:
        with pytest.raises(SystemExit) as exit_:
            parser().parse_args([name, "--help"])
        assert exit_.value.code == 0
        assert f"usage: optobot {name}" in capsys.readouterr().out


def test_serve_without_a_channel_names_the_missing_settings(tmp_path: Path) -> None:
    result = run("serve", data_dir=tmp_path)
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN" in result.stderr and "SLACK_BOT_TOKEN" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_wrong_setting_stops_start_up_with_one_line_naming_it(tmp_path: Path) -> None:
    result = run("config", data_dir=tmp_path, env={"OPTOBOT_DEFAULT_LANGUAGE": "fr"})
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert "OPTOBOT_DEFAULT_LANGUAGE" in line and "'fr'" in line


def test_config_masks_secrets_and_says_nobody_is_notified(tmp_path: Path) -> None:
    secrets = {
        "SLACK_BOT_TOKEN": "xoxb-very-secret",
        "OPTOBOT_SMTP_PASSWORD": "hunter2",
        "OPTOBOT_DATABASE_URL": "postgresql+asyncpg://bot:pw-secret@db/optobot",
    }
    result = run("config", data_dir=tmp_path, env=secrets)
    assert result.returncode == 0, result.stderr
    for secret in ("xoxb-very-secret", "hunter2", "pw-secret"):
        assert secret not in result.stdout
    assert "SLACK_BOT_TOKEN" in result.stdout and "***" in result.stdout
    assert "nobody is notified" in result.stdout


def test_staff_ids_are_read_as_an_admin_writes_them(tmp_path: Path) -> None:
    result = run(
        "config",
        "--json",
        data_dir=tmp_path,
        env={"OPTOBOT_STAFF_SLACK_IDS": "U01AB, U02CD", "OPTOBOT_STAFF_TELEGRAM_IDS": "[1, 2]"},
    )
    assert '"U01AB"' in result.stdout and '"U02CD"' in result.stdout and '"1"' in result.stdout


def test_db_upgrade_is_idempotent(tmp_path: Path) -> None:
    for _ in range(2):
        result = run("db", "upgrade", data_dir=tmp_path)
        assert result.returncode == 0, result.stderr
    assert (tmp_path / "optobot.sqlite3").exists()


async def test_27_serve_syncs_the_trainings_catalogue_before_the_channels_start(
    tmp_path: Path,
) -> None:
    """Even a start that fails at Telegram has the catalogue in the database."""
    async with RecordingTelegram() as fake:
        env = {
            "TELEGRAM_BOT_TOKEN": "90001:WRONG_TOKEN_VALUE",
            "TELEGRAM_API_BASE_URL": fake.base_url,
            "OPTOBOT_HTTP_HOST": "127.0.0.1",
        }
        result = await asyncio.to_thread(run, "serve", data_dir=tmp_path, env=env)
    assert result.returncode == 1 and "Telegram rejected" in result.stderr
    listed = run("trainings", "list", "--format", "json", data_dir=tmp_path)
    assert len(json.loads(listed.stdout)) == len(load(CATALOGUE_FILE))
