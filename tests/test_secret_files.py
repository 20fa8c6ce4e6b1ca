"""Issue 24, item 14: every secret setting may be a file (``NAME_FILE``, Docker secrets)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import SECRETS, Settings, SettingsError, _variable_name, load_settings
from tests.cli import run


def secret_file(tmp_path: Path, name: str, content: str) -> Path:
    path = tmp_path / "run-secrets" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(content)
    return path


@pytest.mark.parametrize("field", SECRETS)
def test_each_secret_is_read_from_its_file_without_the_final_newline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, field: str
) -> None:
    value = "postgresql+asyncpg://bot:pw@db/optobot" if field == "database_url" else "S3cret-_x"
    variable = _variable_name(field)
    monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv(variable + "_FILE", str(secret_file(tmp_path, field, value + "\n")))
    setting = getattr(load_settings(_env_file=None), field)
    assert (setting if isinstance(setting, str) else setting.get_secret_value()) == value


def test_a_file_named_in_dot_env_counts_too(tmp_path: Path) -> None:
    token = secret_file(tmp_path, "slack", "xoxb-from-a-file")
    env_file = tmp_path / ".env"
    env_file.write_text(f"SLACK_BOT_TOKEN_FILE={token}\n")
    settings = Settings(_env_file=env_file)
    assert settings.slack_bot_token is not None
    assert settings.slack_bot_token.get_secret_value() == "xoxb-from-a-file"


def test_a_secret_and_its_file_together_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-inline")
    monkeypatch.setenv("SLACK_BOT_TOKEN_FILE", str(secret_file(tmp_path, "slack", "xoxb-file")))
    with pytest.raises(SettingsError, match="set SLACK_BOT_TOKEN or SLACK_BOT_TOKEN_FILE"):
        load_settings(_env_file=None)


def test_a_missing_file_stops_start_up_with_one_line(tmp_path: Path) -> None:
    env = {"OPTOBOT_SMTP_PASSWORD_FILE": str(tmp_path / "nowhere")}
    result = run("config", data_dir=tmp_path, env=env)
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line == (
        f"optobot: invalid setting OPTOBOT_SMTP_PASSWORD_FILE: cannot read {tmp_path}/nowhere: "
        "No such file or directory"
    )


def test_a_secret_from_a_file_is_masked_like_any_other(tmp_path: Path) -> None:
    password = secret_file(tmp_path, "smtp", "hunter2-from-file\n")
    result = run("config", data_dir=tmp_path, env={"OPTOBOT_SMTP_PASSWORD_FILE": str(password)})
    assert result.returncode == 0, result.stderr
    assert "hunter2" not in result.stdout
    [line] = [line for line in result.stdout.splitlines() if "OPTOBOT_SMTP_PASSWORD " in line]
    assert line.split()[-1] == "***"
