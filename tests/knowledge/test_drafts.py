"""Issue 29 item 3: each answered question is a draft; ``optobot kb drafts`` lists it, and
the office accepts it into an entry (or as a new one) or rejects it.

The questions are forwarded through the real dialogue and answered as the staff's reply
is (``bot.leads.answers.answer``); the commands run through ``main`` on a copy of the
knowledge base, so the shipped entries stay as they are.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from pathlib import Path

import pytest
import yaml

from bot.app import build_app
from bot.cli import main
from bot.leads.answers import answer
from bot.leads.records import find_lead
from bot.settings import Settings
from knowledge.entries import load_entries
from tests.conversation import Clock, Conversation

KNOWLEDGE = Path(__file__).resolve().parents[2] / "knowledge"
QUESTION = "What is the minimum wage in Canada?"


@pytest.fixture
def knowledge(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    copy = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    for name in list(os.environ):
        if name.startswith(("OPTOBOT_", "TELEGRAM_", "SLACK_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("OPTOBOT_KNOWLEDGE_DIR", str(copy))
    monkeypatch.setenv("OPTOBOT_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("OPTOBOT_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'kb.sqlite3'}")
    monkeypatch.chdir(tmp_path)
    return copy


def answered(
    question: str, text: str, *, user: str = "anna", locale: str = "en", forward: str = "Forward"
) -> None:
    """A member forwards ``question`` and a staff member answers it with ``text``."""

    async def go() -> None:
        app = await build_app(Settings(_env_file=None), clock=Clock())
        try:
            chat = Conversation(app.assistant, user=user, locale=locale)
            await chat.say(question)
            await chat.press(forward)
            ref = next(w.strip("*.()") for w in chat.text.split() if "Q-" in w)
            async with app.database.transaction() as session:
                lead = await find_lead(session, ref, lock=True)
                assert lead is not None
                await answer(
                    session,
                    app.services,
                    lead,
                    text=text,
                    source=f"slack:C0STAFF:{ref}",
                    staff="slack:U0STAFF",
                    name="Sven",
                )
        finally:
            await app.database.dispose()

    asyncio.run(go())


def optobot(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exit:  # argparse's refusals
        code = int(exit.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def drafts(capsys: pytest.CaptureFixture[str]) -> list[dict]:
    code, out, _ = optobot(capsys, "kb", "drafts", "--format", "json")
    assert code == 0
    return json.loads(out)


def test_an_answer_becomes_a_draft_without_the_member(
    knowledge: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answered(QUESTION, "Each province sets its own; Ontario: CAD 17.20 an hour.", user="anna")
    [draft] = drafts(capsys)
    assert draft["question"] == QUESTION and draft["language"] == "en"
    assert draft["answer"] == "Each province sets its own; Ontario: CAD 17.20 an hour."
    assert draft["status"] == "open"
    assert set(draft) == {"id", "status", "language", "entry", "question", "answer", "created"}
    assert "anna" not in json.dumps(draft)

    code, out, _ = optobot(capsys, "kb", "drafts")
    assert code == 0 and QUESTION in out and out.splitlines()[0].startswith("ID")
    code, out, _ = optobot(capsys, "kb", "drafts", "--format", "csv")
    assert code == 0 and out.splitlines()[0] == "id,status,language,entry,question,answer,created"


def test_a_draft_leaves_out_e_mail_addresses_and_phone_numbers(
    knowledge: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answered(
        "What is the minimum wage in Quebec? Mail anna@photon.example or call +49 3641 778899",
        "CAD 16.10 since 2025; write to sven@optonet.example.",
    )
    [draft] = drafts(capsys)
    assert draft["question"] == (
        "What is the minimum wage in Quebec? Mail [e-mail] or call [phone]"
    )
    assert draft["answer"] == "CAD 16.10 since 2025; write to [e-mail]."


def test_accepting_into_an_entry_adds_the_example_question(
    knowledge: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    question = "What is the minimum wage in Quebec?"
    answered(question, "No: the foreign partner is funded in its own country.")
    [draft] = drafts(capsys)
    entry = knowledge / "entries" / "funding-zim.yaml"
    before = entry.read_text(encoding="utf-8")

    code, out, _ = optobot(
        capsys, "kb", "drafts", "accept", str(draft["id"]), "--entry", "funding-zim"
    )
    assert code == 0 and "accepted" in out
    after = entry.read_text(encoding="utf-8")
    assert yaml.safe_load(after)["en"]["questions"][-1] == question
    assert after.startswith(before.split("  questions:")[0])  # the rest as the office wrote it
    loaded = load_entries(knowledge / "entries")
    assert not [p for p in loaded.problems if "funding-zim" in str(p)]
    [accepted] = drafts(capsys)
    assert (accepted["status"], accepted["entry"]) == ("accepted", "funding-zim")

    code, _, err = optobot(
        capsys, "kb", "drafts", "accept", str(draft["id"]), "--entry", "funding-zim"
    )
    assert code == 2 and "accepted already" in err


def test_a_draft_takes_the_language_of_its_question_not_of_the_member(
    knowledge: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A member whose chat is German asks in English: the example question is English."""
    answered(
        QUESTION, "Each province sets its own.", user="berta", locale="de", forward="weiterleiten"
    )
    [draft] = drafts(capsys)
    assert draft["language"] == "en"


def test_a_new_entry_waits_for_its_other_language_and_a_draft_can_be_rejected(
    knowledge: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answered(QUESTION, "Each province sets its own.\n\nOntario: CAD 17.20 an hour.", user="anna")
    answered("What is the minimum wage in Quebec?", "CAD 16.10 an hour.", user="ben")
    first, second = drafts(capsys)
    assert optobot(capsys, "kb", "check")[0] == 0

    code, out, _ = optobot(
        capsys, "kb", "drafts", "accept", str(first["id"]), "--new", "minimum-wage-canada"
    )
    assert code == 0 and "TO WRITE" in out
    written = knowledge / "entries" / "minimum-wage-canada.yaml"
    data = yaml.safe_load(written.read_text(encoding="utf-8"))
    assert data["en"]["questions"] == [QUESTION]
    assert data["en"]["answer"].startswith("Each province sets its own.\n\nOntario")
    assert data["de"]["title"] == "" and "TO WRITE" in written.read_text(encoding="utf-8")
    code, out, _ = optobot(capsys, "kb", "check")
    assert code == 1 and "minimum-wage-canada.yaml" in out and "de.title is empty" in out

    code, out, _ = optobot(capsys, "kb", "drafts", "reject", str(second["id"]))
    assert code == 0 and "rejected" in out
    assert [d["status"] for d in drafts(capsys)] == ["accepted", "rejected"]
    code, _, err = optobot(capsys, "kb", "drafts", "accept", "99", "--entry", "funding-zim")
    assert code == 2 and "no draft 99" in err
    code, _, err = optobot(capsys, "kb", "drafts", "accept", str(second["id"]), "--new", "x")
    assert code == 2 and "rejected already" in err
