"""``optobot kb ask --json -`` and ``optobot kb gaps`` as the office runs them."""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.storage import Database, QuestionLog


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'kb.sqlite3'}"
    monkeypatch.setenv("OPTOBOT_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("OPTOBOT_DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)
    return url


def test_ask_json_reads_one_question_per_line(
    database: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    questions = "geheimhaltungsvereinbarung vorlage\n\nrecipe for banana bread\n"
    monkeypatch.setattr("sys.stdin", io.StringIO(questions))
    assert main(["kb", "ask", "--json", "-"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["q"] for line in lines] == [
        "geheimhaltungsvereinbarung vorlage",
        "recipe for banana bread",
    ]
    assert (lines[0]["decision"], lines[0]["id"]) == ("answer", "ip-nda")
    assert (lines[1]["decision"], lines[1]["id"]) == ("fallback", None)


def test_gaps_groups_fallbacks_clarifications_and_thumbs_down(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    async def seed() -> None:
        db = Database(database)
        await db.upgrade()
        async with db.transaction() as session:
            session.add_all(
                [
                    QuestionLog(
                        channel="tg", language="de", text="Wetter Jena?", decision="fallback"
                    ),
                    QuestionLog(
                        channel="tg", language="de", text="jena wetter", decision="clarify"
                    ),
                    QuestionLog(
                        channel="tg",
                        language="en",
                        text="nda",
                        decision="answer",
                        entry_id="ip-nda",
                        feedback=-1,
                    ),
                    QuestionLog(channel="tg", language="en", text="zim", decision="answer"),
                ]
            )
        await db.dispose()

    asyncio.run(seed())
    assert main(["kb", "gaps", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["count"], r["decisions"], r["entries"]) for r in rows] == [
        (2, {"clarify": 1, "fallback": 1}, []),
        (1, {"thumbs_down": 1}, ["ip-nda"]),
    ]
    assert main(["kb", "gaps", "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "count,kinds,entries,example"
