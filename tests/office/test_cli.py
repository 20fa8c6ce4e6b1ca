"""``optobot office link``: the admin's way to a sign-in link, as a real subprocess."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.cli import run
from tests.office.support import office_client

STAFF_ENV = {
    "OPTOBOT_STAFF_TELEGRAM_IDS": "4711",
    "OPTOBOT_STAFF_SLACK_IDS": "U01STAFF",
    "OPTOBOT_PUBLIC_URL": "https://optobot.example.org",
}


async def test_the_link_is_the_last_line_and_signs_in_once(
    tmp_path: Path, make_app: Callable[..., Any]
) -> None:
    result = run("office", "link", "--staff", "telegram:4711", data_dir=tmp_path, env=STAFF_ENV)
    assert result.returncode == 0, result.stderr
    link = result.stdout.strip().splitlines()[-1]
    assert link.startswith("https://optobot.example.org/office/signin/")

    app = await make_app(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'optobot.sqlite3'}",
        staff_telegram_ids="4711",
        staff_language="en",
    )
    token = link.rsplit("/", 1)[1]
    async with office_client(app) as client:
        first = await client.post("/office/signin", data={"token": token})
        assert first.url.path == "/office/leads"
        again = await client.post("/office/signin", data={"token": token})
        assert again.status == 410


def test_a_slack_id_and_a_name_are_taken(tmp_path: Path) -> None:
    result = run(
        "office",
        "link",
        "--staff",
        "slack:U01STAFF",
        "--name",
        "Maria Keller",
        data_dir=tmp_path,
        env=STAFF_ENV,
    )
    assert result.returncode == 0, result.stderr
    assert "/office/signin/" in result.stdout.splitlines()[-1]


def test_no_link_for_an_id_that_is_not_staff_or_not_an_id(tmp_path: Path) -> None:
    for staff in ("telegram:10001", "email:x@y.z"):
        result = run("office", "link", "--staff", staff, data_dir=tmp_path, env=STAFF_ENV)
        assert result.returncode == 1, staff
        assert "/office/signin" not in result.stdout + result.stderr
        [line] = result.stderr.strip().splitlines()
        assert line.startswith("optobot office:") and "Traceback" not in result.stderr
