"""Issue 27, the staff command line: what a new office employee meets first.

Leads are made through the real dialogue in process; the commands run through ``main`` (as
the ``optobot`` script does), or as a subprocess where a terminal or the process's own
output matters.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import subprocess
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import App, build_app
from bot.cli import main
from bot.cli.errors import explain
from bot.delivery.outbox import replies_from_payload
from bot.settings import Settings
from bot.storage import Lead, OutboxMessage, Training
from tests.cli import OPTOBOT
from tests.conversation import Clock, Conversation
from tests.handlers.test_ideas import fill_idea
from tests.handlers.test_trainings import JAPAN, register

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    values = {
        "OPTOBOT_DATA_DIR": str(tmp_path / "var"),
        "OPTOBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}",
        "OPTOBOT_RATE_LIMIT_PER_MINUTE": "1000",
    }
    for name in list(os.environ):
        if name.startswith(("OPTOBOT_", "TELEGRAM_", "SLACK_")):
            monkeypatch.delenv(name)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    return values


def optobot(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def with_app(work: Callable[[App], Awaitable[Any]]) -> Any:
    async def go() -> Any:
        app = await build_app(Settings(_env_file=None), clock=Clock())
        try:
            return await work(app)
        finally:
            await app.database.dispose()

    return asyncio.run(go())


def idea(locale: str = "en", user: str = "anna") -> None:
    async def work(app: App) -> None:
        chat = Conversation(app.assistant, user=user, locale=locale)
        await fill_idea(chat)
        await chat.press("f:_sum:ok")

    with_app(work)


def outbox(kind: str) -> list[OutboxMessage]:
    async def work(app: App) -> list[OutboxMessage]:
        async with app.database.transaction() as session:
            query = select(OutboxMessage).where(OutboxMessage.kind == kind)
            return list((await session.execute(query)).scalars())

    return with_app(work)


def subprocess_env(env: dict[str, str]) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OPTOBOT_", "SLACK_"))}
    return {**clean, **env, "PYTHONPATH": str(ROOT)}


# 18: refusals are one line -----------------------------------------------------------


def test_moving_a_lead_back_without_force_is_one_line_and_exit_2(
    env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    idea()
    assert (
        optobot(capsys, "leads", "set-status", "IDEA-2026-0001", "claimed", "--by", "Anke")[0] == 0
    )
    code, out, err = optobot(capsys, "leads", "set-status", "IDEA-2026-0001", "new")
    assert code == 2 and out == ""
    assert err.splitlines() == [
        "optobot leads: IDEA-2026-0001 is claimed already; moving it back to new needs --force"
    ]
    code, _, err = optobot(capsys, "leads", "set-status", "IDEA-2026-0001", "claimed", "--by", "Bo")
    assert code == 2 and "claimed by Anke already" in err and len(err.splitlines()) == 1
    code, out, _ = optobot(capsys, "leads", "set-status", "IDEA-2026-0001", "new", "--force")
    assert code == 0 and out.strip() == "IDEA-2026-0001: new"


@pytest.mark.parametrize(
    ("argv", "setting", "expected"),
    [
        (("kb", "eval", "/no/such/cases.yaml"), {}, "/no/such/cases.yaml: No such file"),
        (("leads", "list"), {"OPTOBOT_DATABASE_URL": "not a url"}, "OPTOBOT_DATABASE_URL"),
        (
            ("leads", "list"),
            {"OPTOBOT_DATABASE_URL": "postgresql+asyncpg://bot:pw@127.0.0.1:9/optobot"},
            "cannot reach the database",
        ),
        (("trainings", "seats", JAPAN, "0"), {}, "seats must be at least 1"),
    ],
)
def test_the_environments_usual_failures_are_one_line_too(
    env: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: tuple[str, ...],
    setting: dict[str, str],
    expected: str,
) -> None:
    for name, value in setting.items():
        monkeypatch.setenv(name, value)
    code, _, err = optobot(capsys, *argv)
    assert code in (1, 2)
    [line] = err.splitlines()
    assert line.startswith(f"optobot {argv[0]}: ") and expected in line


# 19: the lead card and the list ------------------------------------------------------


def test_leads_show_is_a_card_in_the_staff_language_with_history_in_local_time(
    env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    idea()
    optobot(capsys, "leads", "set-status", "IDEA-2026-0001", "claimed", "--by", "Anke")
    code, card, _ = optobot(capsys, "leads", "show", "IDEA-2026-0001")
    assert code == 0
    assert card.startswith("💡 Projektidee IDEA-2026-0001\nStatus: übernommen (Anke)\n")
    for line in (
        "• Partnerregion(en): Japan",
        "• Förderinteresse: ZIM – internationale Kooperationsprojekte",
        "• E-Mail: anna@photon.example",
        "Kontakt: console:anna",
        "Verlauf (Europe/Berlin)",
        "• Dienstag, 24. November 2026, 10:00: eingegangen",  # created 09:00 UTC
    ):
        assert line in card, line
    assert "übernommen (Anke)" in card.split("Verlauf")[1]
    for code_word in ('"', "japan", "funding-zim", "next_year", "+00:00"):
        assert code_word not in card

    code, machine, _ = optobot(capsys, "leads", "show", "IDEA-2026-0001", "--format", "json")
    shown = json.loads(machine)
    assert shown["fields"]["regions"] == ["japan"] and shown["status"] == "claimed"


def test_the_card_follows_the_staff_language_and_the_office_time_zone(
    env: dict[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPTOBOT_STAFF_LANGUAGE", "en")
    monkeypatch.setenv("OPTOBOT_OFFICE_TIMEZONE", "America/New_York")
    idea(locale="de")
    code, card, _ = optobot(capsys, "leads", "show", "IDEA-2026-0001")
    assert code == 0 and card.startswith("💡 Project idea IDEA-2026-0001\nStatus: new\n")
    assert "• Partner region(s): Japan" in card and "Member's language:" in card
    assert "• Tuesday, 24 November 2026, 04:00: received" in card


def test_leads_list_shows_contact_regions_and_office_time(
    env: dict[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    idea()

    async def question(app: App) -> None:
        chat = Conversation(app.assistant, user="fred", locale="en")
        await chat.say("What is the minimum wage for laser engineers in Canada?")
        await chat.press("fwd:")

    with_app(question)
    _, out, _ = optobot(capsys, "leads", "list", "--format", "csv")
    rows = {row["ref"]: row for row in csv.DictReader(io.StringIO(out))}
    assert rows["IDEA-2026-0001"]["contact"] == "Anna Schmidt <anna@photon.example>"
    assert rows["IDEA-2026-0001"]["regions"] == "Japan"
    assert rows["IDEA-2026-0001"]["created"] == "2026-11-24 10:00"
    assert rows["Q-2026-0001"]["contact"] == "console:fred"
    _, table, _ = optobot(capsys, "leads", "list")
    header = table.splitlines()[0].split()
    assert header[:3] == ["REF", "KIND", "STATUS"] and {"CONTACT", "REGIONS"} <= set(header)
    monkeypatch.setenv("OPTOBOT_OFFICE_TIMEZONE", "Asia/Tokyo")
    _, out, _ = optobot(capsys, "leads", "list", "--format", "csv")
    assert "2026-11-24 18:00" in out


def test_a_wrong_office_time_zone_stops_with_one_line_naming_it(
    env: dict[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPTOBOT_OFFICE_TIMEZONE", "Europe/Jena")
    code, _, err = optobot(capsys, "leads", "list")
    [line] = err.splitlines()
    assert code == 2 and "OPTOBOT_OFFICE_TIMEZONE" in line and "'Europe/Jena'" in line


# 20: cancelling a training asks first and tells the reason ---------------------------


def registered(*people: tuple[str, str, str]) -> None:
    """(user, locale, name) register for the Japan training."""

    async def work(app: App) -> None:
        for user, locale, name in people:
            await register(Conversation(app.assistant, user=user, locale=locale), name=name)

    with_app(work)


def training_status() -> str:
    async def work(app: App) -> str:
        async with app.database.transaction() as session:
            training = await session.get(Training, JAPAN)
            assert training is not None
            return training.status

    return with_app(work)


def test_cancel_without_a_terminal_and_without_yes_refuses_and_tells_nobody(
    env: dict[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    optobot(capsys, "trainings", "sync")
    registered(("u1", "en", "Anna Alpha"))
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # not a terminal
    code, _, err = optobot(capsys, "trainings", "cancel", JAPAN)
    assert code == 2 and "--yes" in err and "1 registered or waiting" in err
    assert training_status() == "open" and outbox("training_cancelled") == []


def test_cancel_with_a_reason_tells_each_member_in_their_language(
    env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    optobot(capsys, "trainings", "sync")
    registered(("u1", "en", "Anna Alpha"), ("u2", "de", "Bernd Beta"))
    reason = "The trainer is ill; a new date follows."
    code, out, _ = optobot(capsys, "trainings", "cancel", JAPAN, "--yes", "--reason", reason)
    assert code == 0 and "2 registered or waiting will be told" in out
    texts = {
        row.payload["user_id"]: replies_from_payload(row.payload)[0].text
        for row in outbox("training_cancelled")
    }
    assert f"Reason: {reason}" in texts["u1"]
    assert f"Grund der Absage: {reason}" in texts["u2"]


@pytest.mark.parametrize(("answer", "code", "status"), [("n", 1, "open"), ("j", 0, "cancelled")])
def test_cancel_at_a_terminal_asks_and_does_what_it_is_told(
    env: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    answer: str,
    code: int,
    status: str,
) -> None:
    optobot(capsys, "trainings", "sync")
    registered(("u1", "en", "Anna Alpha"))
    terminal, side = os.openpty()
    try:
        os.write(terminal, f"{answer}\n".encode())
        done = subprocess.run(
            [*OPTOBOT, "trainings", "cancel", JAPAN],
            stdin=side,
            capture_output=True,
            text=True,
            env=subprocess_env(env),
            cwd=ROOT,
            timeout=60,
        )
    finally:
        os.close(side)
        os.close(terminal)
    assert done.returncode == code, done.stderr
    assert f"Cancel {JAPAN} on 2027-01-12 09:00 and tell the 1 registered" in done.stdout
    assert training_status() == status
    assert len(outbox("training_cancelled")) == (status == "cancelled")


# 21: outbox formats, members by e-mail -----------------------------------------------


def test_outbox_list_as_table_csv_and_json(
    env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    idea()
    optobot(capsys, "leads", "set-status", "IDEA-2026-0001", "claimed", "--by", "Anke")
    _, out, _ = optobot(capsys, "outbox", "list", "--format", "json")
    [row] = json.loads(out)
    assert (row["status"], row["target"], row["kind"]) == ("pending", "member", "lead_claimed")
    _, out, _ = optobot(capsys, "outbox", "list", "--format", "csv")
    [listed] = csv.DictReader(io.StringIO(out))
    assert listed["id"] == str(row["id"]) and listed["key"] == row["key"]
    _, out, _ = optobot(capsys, "outbox", "list")
    assert out.splitlines()[0].split()[:3] == ["ID", "STATUS", "TRIES"]
    assert row["key"] in out.splitlines()[1]


def test_members_are_found_by_their_e_mail_address(
    env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    idea()
    code, out, _ = optobot(capsys, "members", "export", "Anna@Photon.example")
    assert code == 0 and json.loads(out)["member"]["email"] == "anna@photon.example"
    code, _, err = optobot(capsys, "members", "export", "nobody@photon.example")
    assert code == 1 and "no member 'nobody@photon.example'" in err
    code, out, _ = optobot(capsys, "members", "forget", "anna@photon.example")
    assert code == 0 and json.loads(out)["member"] == 1

    async def lead(app: App) -> Lead:
        async with app.database.transaction() as session:
            return (await session.execute(select(Lead))).scalar_one()

    assert "email" not in with_app(lead).fields
    code, _, _ = optobot(capsys, "members", "export", "anna@photon.example")
    assert code == 1


def test_an_address_two_members_gave_is_refused_with_their_ids(
    env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    idea(user="anna")
    idea(user="anna-at-work")
    code, _, err = optobot(capsys, "members", "forget", "anna@photon.example")
    assert code == 1 and "belongs to members 1, 2" in err


# 22: global options in both places, the last line in the log's format ---------------


def test_global_options_are_taken_before_and_after_the_subcommand(
    env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    for argv in (
        ("--log-level", "DEBUG", "config", "--json"),
        ("config", "--json", "--log-level", "DEBUG"),
        ("leads", "list", "--log-format", "json", "--log-level", "WARNING"),
    ):
        code, _, err = optobot(capsys, *argv)
        assert code == 0, err
    shown = json.loads(optobot(capsys, "config", "--log-level", "ERROR", "--json")[1])
    assert shown["settings"]["OPTOBOT_LOG_LEVEL"] == "ERROR"
    shown = json.loads(optobot(capsys, "--log-level", "ERROR", "config", "--json")[1])
    assert shown["settings"]["OPTOBOT_LOG_LEVEL"] == "ERROR"


@pytest.mark.parametrize(
    ("argv", "extra", "expected"),
    [
        (("serve", "--log-format", "json", "--log-level", "DEBUG"), {}, "no channel is configured"),
        (("--log-format", "json", "leads", "show", "NOPE"), {}, "no lead NOPE"),
        (("config", "--log-format", "json"), {"OPTOBOT_STAFF_LANGUAGE": "fr"}, "STAFF_LANGUAGE"),
    ],
)
def test_with_json_logs_the_last_error_line_is_json_too(
    env: dict[str, str], argv: tuple[str, ...], extra: dict[str, str], expected: str
) -> None:
    done = subprocess.run(
        [*OPTOBOT, *argv],
        capture_output=True,
        text=True,
        env={**subprocess_env(env), **extra},
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode in (1, 2)
    lines = done.stderr.strip().splitlines()
    assert lines and all(line.startswith("{") for line in lines)
    last = json.loads(lines[-1])
    assert last["level"] == "ERROR" and expected in last["message"]


def test_a_bug_of_ours_is_one_line_with_a_reference_code_and_the_traceback_in_the_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    try:
        {}["missing"]
    except KeyError as error:
        refused = explain(error)
    assert refused.code == 1
    code = refused.args[0].split()[2].rstrip(";")
    assert refused.args[0] == f"internal error {code}; the log has the details under that code"
    [record] = caplog.records
    assert record.getMessage() == f"error {code}" and record.exc_info is not None
