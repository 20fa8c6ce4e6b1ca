"""Issue 27, the rough edges of the dialogues: typed labels, interruptions, regions,
questions in the middle, the step counter, numbers after a restart, and /help.

In process through :class:`tests.conversation.Conversation`; the console items also as
transcripts of ``optobot chat`` (tests/cli.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.app import App
from tests.cli import chat
from tests.conversation import Conversation
from tests.handlers.test_ideas import DESCRIPTION, fill_idea
from tests.trainings_catalogue import sync_catalogue

Talk = Callable[..., Conversation]
RATE = {"OPTOBOT_RATE_LIMIT_PER_MINUTE": "1000"}
IDEA_LINES = [
    "/idea",
    "Glass drilling with ultrashort pulses",
    "Laser technology",
    "japan",
    "done",
    "Research",
    DESCRIPTION,
    "Prototype",
    "Please advise",
    "next year",
    "Photon GmbH",
    "Anna Schmidt",
    "anna@photon.example",
    "skip",
]


@pytest.fixture
async def app(make_app: Any) -> App:
    return await make_app(rate_limit_per_minute=1000)


def labels(talk: Conversation) -> list[str]:
    return [choice.label for choice in talk.choices]


# 4 -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "commands"),
    [
        ("de", "/start /idee /schulungen /meinetrainings /ankuendigungen /datenschutz "
         "/meinedaten /vergessen /sprache /abbrechen"),
        ("en", "/start /idea /trainings /mytrainings /announcements /privacy /mydata "
         "/forget /language /cancel"),
    ],
)  # fmt: skip
async def test_help_lists_every_command_in_the_members_language(
    talk: Talk, locale: str, commands: str
) -> None:
    member = talk(locale=locale)
    await member.say("/help")
    listed = re.findall(r"^- (/\w+)", member.text, re.MULTILINE)
    assert listed == commands.split()
    for command in listed:  # every one listed is understood
        await member.say(command)
        assert "kenne ich nicht" not in member.text and "don't know" not in member.text
        await member.say("/cancel")


async def test_help_quotes_close_typographically(talk: Talk) -> None:
    member = talk(locale="de")
    await member.say("/help")
    assert "„Wie funktioniert ZIM mit Partnern in Japan?“" in member.text
    await member.press("menu:ask")
    assert '"' not in member.text and "?“" in member.text


# 6 -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "done"),
    [("en", "done"), ("en", "Done"), ("en", "fertig"), ("en", "✅ Done"), ("de", "fertig"),
     ("de", "Fertig"), ("de", "FERTIG!"), ("de", "done")],
)  # fmt: skip
async def test_done_typed_in_any_spelling_ends_the_regions(
    talk: Talk, locale: str, done: str
) -> None:
    member = talk(locale=locale)
    await fill_idea(member, until="field")
    await member.say("Japan")
    assert "✓ Japan" in labels(member)  # ticked, still the regions step
    await member.say(done)
    assert member.replies[-1].text.startswith("**4/14**")  # the partner question


async def test_a_field_label_typed_on_the_summary_edits_that_field(talk: Talk) -> None:
    member = talk(locale="de")
    await fill_idea(member, until="consent")
    assert "Bitte prüfen Sie Ihre Idee" in member.text
    await member.say("Ansprechperson")
    assert "Wer ist die Ansprechperson" in member.text
    await member.say("Berta Beispiel")
    assert "Berta Beispiel" in member.text and "Bitte prüfen Sie Ihre Idee" in member.text


async def test_ja_answers_ja_mitglied_by_its_first_word(app: App, talk: Talk) -> None:
    await sync_catalogue(app)
    member = talk(locale="de")
    await member.say("/schulungen")
    await member.press("tr:show:")
    await member.press("tr:reg:")
    for answer in ("Erika Muster", "Lasertec Jena GmbH", "erika@lasertec.example"):
        await member.say(answer)
    assert "Mitglied von OptoNet" in member.text
    await member.say("ja")
    assert "Dürfen wir Ihre Angaben" in member.text  # the consent step: "ja" was accepted
    await member.say("ja")
    assert "Mitglied: Ja, Mitglied" in member.text.replace("**", "")


# 7 -------------------------------------------------------------------------------------


async def test_a_command_in_the_middle_asks_the_step_again_without_other_buttons(
    talk: Talk,
) -> None:
    member = talk(locale="en")
    await fill_idea(member, until="phone")
    assert "May we store your details" in member.text
    for interruption in ("/privacy", "/help", "/trainings", "/language de"):
        await member.say(interruption)
        assert member.replies[-1].choices, interruption
        assert all(c.action.startswith("f:consent:") for c in member.choices), interruption
    assert "Dürfen wir Ihre Angaben speichern" in member.replies[-1].text
    await member.say("1")  # the first of the last choices shown: consent
    assert "Bitte prüfen Sie Ihre Idee" in member.text


def test_console_privacy_at_the_consent_step_then_1_consents(tmp_path: Path) -> None:
    output = chat([*IDEA_LINES, "/privacy", "1"], data_dir=tmp_path, lang="en", env=RATE)
    after = output.split("What is stored")[-1]
    assert "May we store your details" in after  # asked again after the notice
    assert "Please check your idea" in after  # and "1" consented
    assert "optobot-my-data.json" not in output


# 8 -------------------------------------------------------------------------------------


async def test_typed_regions_tick_and_only_done_ends(talk: Talk) -> None:
    member = talk(locale="en")
    await fill_idea(member, until="field")
    await member.say("usa")
    assert "✓ USA (New York/Rochester)" in labels(member)
    await member.say("japan, korea")
    assert {"✓ USA (New York/Rochester)", "✓ Japan", "✓ South Korea"} <= set(labels(member))
    await member.say("japan")  # typed again: stays ticked
    assert "✓ Japan" in labels(member)
    await member.say("done")
    assert "What kind of partner" in member.text


async def test_back_and_edit_keep_the_earlier_regions(talk: Talk) -> None:
    member = talk(locale="en")
    await fill_idea(member, until="field")
    await member.say("japan, korea")
    await member.say("done")
    await member.say("back")
    assert {"✓ Japan", "✓ South Korea"} <= set(labels(member))
    await member.say("done")
    assert "What kind of partner" in member.text
    await fill_remaining(member)
    await member.press("f:_sum:edit:regions")
    assert {"✓ Japan", "✓ South Korea"} <= set(labels(member))
    await member.say("usa")
    await member.say("done")
    assert r"Japan, South Korea, USA \(New York/Rochester\)" in member.text


async def fill_remaining(member: Conversation) -> None:
    for answer in ("Research", DESCRIPTION, "Prototype", "Please advise", "next year"):
        await member.say(answer)
    for answer in ("Photon GmbH", "Anna Schmidt", "anna@photon.example", "skip", "yes"):
        await member.say(answer)
    assert "Please check your idea" in member.text


# 9 -------------------------------------------------------------------------------------


async def test_a_data_question_at_the_consent_step_is_answered(talk: Talk) -> None:
    member = talk(locale="en")
    await fill_idea(member, until="phone")
    await member.say("what happens with my data?")
    assert "Please pick one of the options" not in member.text
    assert "What is stored" in member.replies[0].text
    assert "May we store your details" in member.replies[-1].text


async def test_an_answer_inside_the_idea_form_does_not_invite_to_the_idea_form(
    talk: Talk,
) -> None:
    member = talk(locale="en")
    await member.say("what is ZIM?")
    assert "with /idea" in member.text  # outside a form the invitation stays
    await fill_idea(member, until="field")
    await member.say("what is ZIM?")
    assert "ZIM" in member.replies[0].text and "/idea" not in member.replies[0].text
    assert "In which region(s)" in member.replies[-1].text


# 10 ------------------------------------------------------------------------------------


async def test_every_step_of_the_idea_is_numbered_in_order(talk: Talk) -> None:
    member = talk(locale="en")
    seen: list[str] = []
    await member.say("/idea")
    answers = [
        "Glass drilling with ultrashort pulses", "Laser technology", "japan", "done",
        "Research", DESCRIPTION, "Prototype", "Please advise", "next year", "Photon GmbH",
        "Anna Schmidt", "anna@photon.example", "skip", "yes",
    ]  # fmt: skip
    for answer in [None, *answers]:
        if answer is not None:
            await member.say(answer)
        found = re.search(r"\*\*(\d+)/(\d+)\*\*", member.replies[-1].text)
        assert found, member.replies[-1].text
        if found.group(0) not in seen:
            seen.append(found.group(0))
    assert seen == [f"**{n}/14**" for n in range(1, 15)]


async def test_an_email_address_as_the_contact_name_is_refused(talk: Talk) -> None:
    member = talk(locale="en")
    await fill_idea(member, until="organisation")
    await member.say("anna@photon.example")
    assert "looks like an e-mail address" in member.text
    assert "Who is the contact person" in member.replies[-1].text


# 12 ------------------------------------------------------------------------------------


def test_a_number_after_a_restart_presses_the_choice_shown_last(tmp_path: Path) -> None:
    first = chat(["/start"], data_dir=tmp_path)
    number = next(
        line.split("]")[0].strip(" [") for line in first.splitlines() if "🌐 English" in line
    )
    again = chat([number], data_dir=tmp_path)  # a new session: the console knows no choices
    assert "Fine, I'll write to you in English from now on." in again


def test_a_number_after_a_restart_keeps_its_meaning_inside_a_form(tmp_path: Path) -> None:
    lines = ["/idea", "Glass drilling with ultrashort pulses", "2", "4"]  # ticks Japan
    first = chat(lines, data_dir=tmp_path, lang="en")
    assert "✓ Japan" in first
    done = first.split("✓ Japan")[-1]
    number = next(line.split("]")[0].strip(" [") for line in done.splitlines() if "✅ Done" in line)
    again = chat([number], data_dir=tmp_path, lang="en")  # "done" is no option's number
    assert "What kind of partner" in again
