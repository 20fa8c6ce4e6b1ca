"""Issue #26: a question that names a training gets that training's live facts (fee for
members and non-members, dates, seats or waiting list, a button to register) instead of the
generic registration text; and the cancellation terms of the catalogue are shown."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.app import App
from bot.cli import main
from bot.trainings.registrations import set_seats
from knowledge.catalogue import CATALOGUE_FILE, check
from tests.channels.telegram_support import ALICE, telegram_run
from tests.conversation import Conversation
from tests.handlers.test_trainings import change, register
from tests.trainings_catalogue import sync_catalogue

ROOT = Path(__file__).resolve().parents[2]
KOREA_FEB, KOREA_NOV = "korea-business-2027-02", "korea-business-2027-11"
JAPAN, JAPAN_ADVANCED = "japan-business-2027-01", "japan-negotiation-2027-09"
GENERIC_FEES = "wird bei jedem Training in der Anmeldung angezeigt"


def actions(talk: Conversation) -> list[str]:
    return [choice.action for choice in talk.choices]


async def test_what_does_the_korea_training_cost_gives_both_fees_seats_and_buttons(
    app: App, talk: Callable[..., Conversation]
) -> None:
    await sync_catalogue(app)
    member = talk(locale="de")
    await member.say("Was kostet das Korea-Training?")
    text = member.text
    assert GENERIC_FEES not in text
    assert "Mitglieder 150,00\xa0€, Nichtmitglieder 260,00\xa0€" in text
    assert "Mitglieder 310,00\xa0€, Nichtmitglieder 520,00\xa0€" in text
    assert "Mittwoch, 17. Februar 2027, 09:00" in text and "20 Plätze frei" in text
    assert "Japan" not in text
    assert [a for a in actions(member) if a.startswith("tr:reg:")] == [
        f"tr:reg:{KOREA_FEB}",
        f"tr:reg:{KOREA_NOV}",
    ]
    assert "tr:list" in actions(member)
    assert not any(a.startswith("fb:") for a in actions(member))  # not the FAQ's answer


async def test_when_is_the_next_japan_training_in_english_and_its_button_registers(
    app: App, talk: Callable[..., Conversation]
) -> None:
    await sync_catalogue(app)
    member = talk(locale="en")
    await member.say("when is the next Japan training")
    assert "Tuesday, 12 January 2027, 09:00" in member.text
    assert "members €290.00, non-members €490.00" in member.text
    assert "14 seats free" in member.text
    assert member.text.index("12 January 2027") < member.text.index("22 September 2027")
    await member.press(f"tr:reg:{JAPAN}")
    assert "Registration for **Business culture Japan" in member.text


async def test_a_title_word_picks_the_one_training(
    app: App, talk: Callable[..., Conversation]
) -> None:
    await sync_catalogue(app)
    member = talk(locale="en")
    await member.say("how much is the Japan advanced course?")
    assert "Japan advanced" in member.text and "members €180.00" in member.text
    assert "Business culture Japan" not in member.text
    assert [a for a in actions(member) if a.startswith("tr:reg:")] == [f"tr:reg:{JAPAN_ADVANCED}"]


async def test_is_the_korea_seminar_full_shows_the_waiting_list_from_the_database(
    app: App, talk: Callable[..., Conversation]
) -> None:
    await sync_catalogue(app)
    async with app.database.transaction() as session:
        await set_seats(session, KOREA_FEB, 1, now=app.services.clock())
    await register(talk(user="first", locale="de"), KOREA_FEB)
    await register(talk(user="second", locale="de"), KOREA_FEB, name="Max Muster")
    member = talk(user="asking", locale="en")
    await member.say("is the Korea seminar full?")
    assert "fully booked" in member.text and "(1 waiting)" in member.text
    waitlist = member.choice(f"tr:reg:{KOREA_FEB}")
    assert waitlist.label.startswith("✍️ Waiting list")
    registered = talk(user="first", locale="en")
    await registered.say("is the Korea seminar full?")
    assert "You are registered." in registered.text
    assert f"tr:reg:{KOREA_FEB}" not in actions(registered) and "tr:mine" in actions(registered)


async def test_no_coming_training_on_the_topic_says_so(
    app: App, talk: Callable[..., Conversation]
) -> None:
    await sync_catalogue(app)
    await change(app, "canada-quebec-2027-06", status="cancelled")
    member = talk(locale="de")
    await member.say("Wann ist das nächste Kanada-Seminar?")
    assert "Zum Thema Kanada/Québec ist gerade kein Training geplant" in member.text
    assert actions(member) == ["tr:list"]


@pytest.mark.parametrize(
    ("locale", "question", "entry"),
    [
        ("de", "was lernt man im japan training", "Interkulturelles Training Japan"),
        ("de", "Was kostet das Training für Mitglieder?", "Anmeldung zu einem Training"),
        ("en", "what is in the korea training", "Intercultural training South Korea"),
    ],
)
async def test_content_and_general_questions_stay_with_the_faq(
    app: App, talk: Callable[..., Conversation], locale: str, question: str, entry: str
) -> None:
    await sync_catalogue(app)
    member = talk(locale=locale)
    await member.say(question)
    assert entry in member.text
    assert not any(a.startswith("tr:reg:") for a in actions(member))


async def test_details_and_the_registration_summary_show_the_cancellation_terms(
    app: App, talk: Callable[..., Conversation]
) -> None:
    await sync_catalogue(app)
    member = talk(locale="de")
    terms = "Kostenfreie Abmeldung bis 7 Tage vor Beginn."
    await member.send(member.incoming(action=f"tr:show:{KOREA_FEB}"))
    assert f"**Stornierung:** {terms}" in member.text
    await member.press(f"tr:reg:{KOREA_FEB}")
    for answer in ("Erika Muster", "Lasertec Jena GmbH", "erika@lasertec.example"):
        await member.say(answer)
    await member.press("f:member:pick:yes")
    await member.press("f:consent:pick:yes")
    assert "Bitte prüfen Sie Ihre Anmeldung zu **Südkorea kompakt" in member.text
    assert f"**Stornierung:** {terms} Danach wird die volle Gebühr fällig" in member.text
    english = talk(user="en-member", locale="en")
    await english.send(english.incoming(action=f"tr:show:{KOREA_NOV}"))
    assert "**Cancellation:** Free cancellation up to 14 days before the start." in english.text


async def test_a_training_without_terms_points_to_the_office(
    app: App, talk: Callable[..., Conversation], tmp_path: Path
) -> None:
    lines = CATALOGUE_FILE.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [
        line
        for line in lines
        if not line.startswith(("    cancellation:", '      de: "Kosten', '      en: "Free'))
    ]
    path = tmp_path / "trainings.yaml"
    path.write_text("".join(kept), encoding="utf-8")
    assert check(path) == []
    await sync_catalogue(app, path)
    member = talk(locale="de")
    await member.send(member.incoming(action=f"tr:show:{JAPAN}"))
    assert "**Stornierung:** Die Stornobedingungen nennt Ihnen die Geschäftsstelle" in member.text


def test_cancellation_terms_need_both_languages(tmp_path: Path) -> None:
    text = CATALOGUE_FILE.read_text(encoding="utf-8")
    broken = text.replace(
        '      en: "Free cancellation up to 14 days before the start.', '      fr: "Annulation', 1
    )
    path = tmp_path / "trainings.yaml"
    path.write_text(broken, encoding="utf-8")
    messages = [str(problem) for problem in check(path)]
    assert any("cancellation is missing in en" in m for m in messages), messages
    assert check(CATALOGUE_FILE) == []


def test_the_korea_fee_through_the_console_subprocess(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    """The console channel end to end: sync, ask, press the register button by number."""
    env = {
        "OPTOBOT_DATA_DIR": str(tmp_path / "var"),
        "OPTOBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'facts.sqlite3'}",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    assert main(["trainings", "sync"]) == 0
    capsys.readouterr()
    result = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--lang", "de"],
        input="Was kostet das Korea-Training?\n1\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Mitglieder 150,00 €, Nichtmitglieder 260,00 €" in out.replace("\xa0", " ")
    assert "[1] ✍️ Anmelden: 17. Februar 2027" in out
    assert "Anmeldung zu **Südkorea kompakt" in out or "Anmeldung zu Südkorea kompakt" in out


async def test_through_telegram_the_facts_arrive_as_html_with_the_register_button(
    make_app: Callable[..., Any],
) -> None:
    """The real python-telegram-bot stack against the fake Bot API on loopback."""
    async with telegram_run(make_app, rate_limit_per_minute=1000) as run:
        await sync_catalogue(run.app)
        [answer] = await run.say("is the Korea seminar full?", ALICE)
        buttons = [
            button["callback_data"]
            for row in answer.params["reply_markup"]["inline_keyboard"]
            for button in row
        ]
        assert answer.params["parse_mode"] == "HTML"
        assert "<b>South Korea in brief" in answer.params["text"]
        assert "members €150.00, non-members €260.00" in answer.params["text"]
        assert f"tr:reg:{KOREA_FEB}" in buttons
        await run.press(f"tr:reg:{KOREA_FEB}", ALICE, chat_id=ALICE["id"])
        assert "What is your name" in run.fake.texts(ALICE["id"])[-1]
