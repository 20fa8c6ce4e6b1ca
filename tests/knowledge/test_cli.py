"""``optobot kb ask --json -`` and ``optobot kb gaps`` as the office runs them."""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.storage import Database, QuestionLog
from knowledge.confidence import RIGHT_FEATURES, TOPIC_FEATURES


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
    questions = (
        "geheimhaltungsvereinbarung vorlage\n\nrecipe for banana bread\n"
        "Wann ist die nächste Mitgliederversammlung?\n"
    )
    monkeypatch.setattr("sys.stdin", io.StringIO(questions))
    assert main(["kb", "ask", "--json", "-"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["q"] for line in lines] == [
        "geheimhaltungsvereinbarung vorlage",
        "recipe for banana bread",
        "Wann ist die nächste Mitgliederversammlung?",
    ]
    assert (lines[0]["decision"], lines[0]["id"]) == ("answer", "ip-nda")
    assert lines[0]["candidates"][0]["id"] == "ip-nda"
    assert (lines[1]["decision"], lines[1]["id"]) == ("off_topic", None)  # issue #25
    assert (lines[2]["decision"], lines[2]["id"]) == ("fallback", None)  # in topic, unknown


def test_ask_says_in_words_what_a_member_would_get(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue #27 item 21: "fallback: – score 0.28; funding-eurostars (2.76)" told the office
    nothing."""
    assert main(["kb", "ask", "--lang", "de", "geheimhaltungsvereinbarung vorlage"]) == 0
    said = capsys.readouterr().out
    assert "answer: the member gets the entry “Geheimhaltungsvereinbarung" in said
    assert "(ip-nda)" in said
    assert main(["kb", "ask", "recipe for banana bread"]) == 0
    assert "outside the cluster's topics" in capsys.readouterr().out
    assert main(["kb", "ask", "Wann ist die nächste Mitgliederversammlung?"]) == 0
    assert "offered to forward the question to the office" in capsys.readouterr().out


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
    assert main(["kb", "gaps"]) == 0
    header, first = capsys.readouterr().out.splitlines()[:2]
    assert header.split() == ["count", "decisions", "entries", "example", "question"]
    assert first.split()[:3] == ["2", "clarify=1", "fallback=1"]


def test_calibrate_labelled_prints_the_fitted_models(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The weights of knowledge/confidence.py come from this command (issue #25)."""
    labelled = tmp_path / "labelled.yaml"
    labelled.write_text(
        "in_scope:\n"
        + "".join(
            f"  - {{q: '{q}', lang: de, id: {i}}}\n"
            for q, i in [
                ("nda muster englisch", "ip-nda"),
                ("was kostet ein patent ungefähr", "ip-costs"),
                ("zim antrag ausland kmu", "funding-zim"),
                ("training korea verhandeln", "training-korea"),
                ("eurostars konsortium kanada", "funding-eurostars"),
                ("bafa genehmigung laser export", "ip-export-control"),
            ]
        )
        + "out_of_scope:\n"
        + "".join(
            f"  - {{q: '{q}', lang: de}}\n"
            for q in ["wie backe ich brot", "wer gewinnt die bundesliga", "wie alt ist der mond"]
        ),
        encoding="utf-8",
    )
    assert main(["kb", "calibrate", "--labelled", str(labelled), "--held-out", str(labelled)]) == 0
    report = json.loads(capsys.readouterr().out)
    for name, size in (("in_topic", len(TOPIC_FEATURES)), ("right", len(RIGHT_FEATURES))):
        assert len(report["confidence"][name]["weights"]) == size
    assert report["thresholds"]["topic_probability"] == 0.5
    assert 0 <= report["confidence_cross_validated"]["overall"]["answered_correct"] <= 1
    assert report["held_out"]["de"]["in_scope"] == 6
    assert report["held_out"]["de"]["out_of_scope"] == 3


def test_calibrate_refuses_a_held_out_file_it_does_not_fit_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "other.yaml"
    other.write_text("in_scope: []\n", encoding="utf-8")
    assert main(["kb", "calibrate", "--labelled", str(other), "--held-out", "x.yaml"]) == 2
    assert "needs --labelled and one of the files" in capsys.readouterr().err
