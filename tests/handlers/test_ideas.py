"""The idea dialogue in process: the form, the stored lead, the staff buttons."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from bot.app import App
from bot.storage import Lead, Member, OutboxMessage
from tests.conversation import Conversation


@pytest.fixture
async def app(make_app: Any) -> App:
    """A whole form is more messages a minute than the flood limit allows a person."""
    return await make_app(rate_limit_per_minute=1000)


DESCRIPTION = "We drill micro holes in glass with ultrashort pulses and need a partner."


async def fill_idea(chat: Conversation, until: str = "consent", **answers: str) -> None:
    """Walk through the idea form (typed answers or button actions) up to step ``until``."""
    steps: dict[str, Any] = {
        "title": "Ultrashort-pulse laser for glass drilling",
        "field": "f:field:pick:laser",
        "regions": ["f:regions:tick:japan", "f:regions:done"],
        "partner": "f:partner:pick:research",
        "description": DESCRIPTION,
        "stage": "f:stage:pick:prototype",
        "funding": "f:funding:pick:funding-zim",
        "timeline": "f:timeline:pick:next_year",
        "organisation": "Photon GmbH",
        "contact_name": "Anna Schmidt",
        "email": "anna@photon.example",
        "phone": "skip",
        "consent": "f:consent:pick:yes",
    }
    steps.update(answers)
    await chat.say("/idea")
    for step, answer in steps.items():
        for part in answer if isinstance(answer, list) else [answer]:
            await (chat.press(part) if part.startswith("f:") else chat.say(part))
        if step == until:
            return


async def test_idea_dialogue_stores_lead_and_queues_nothing_without_targets(
    app: App, talk: Any
) -> None:
    chat = talk(locale="en")
    typed = {"field": "Laser technology", "partner": "research", "stage": "3"}
    typed["timeline"] = "next year"
    await fill_idea(chat, **typed)
    assert "Please check your idea" in chat.text
    assert "Ultrashort-pulse laser" in chat.text and "Japan" in chat.text
    assert "ZIM – international cooperation projects" in chat.text
    await chat.press("f:_sum:ok")
    assert "IDEA-2026-0001" in chat.text
    async with app.database.transaction() as session:
        lead = (await session.execute(select(Lead))).scalar_one()
        member = await session.get(Member, lead.member_id)
        rows = (await session.execute(select(OutboxMessage))).scalars().all()
    assert lead.kind == "idea" and lead.status == "new" and lead.language == "en"
    assert lead.fields["regions"] == ["japan"] and lead.fields["funding"] == "funding-zim"
    assert lead.fields["timeline"] == "next_year" and lead.fields["phone"] is None
    assert lead.consent_at is not None and lead.channel == "console"
    assert ["field", "Technologiefeld", "Lasertechnik"] in lead.fields["_display"]  # staff: de
    assert member is not None and member.organisation == "Photon GmbH"
    assert member.email == "anna@photon.example"
    assert rows == []


async def test_refs_count_up_and_contact_data_is_offered_again(app: App, talk: Any) -> None:
    chat = talk(locale="de")
    await fill_idea(chat)
    await chat.press("f:_sum:ok")
    assert "IDEA-2026-0001" in chat.text
    await chat.say("/idea")
    for answer in ("Zweite Idee zum Messen", "Messtechnik", "f:regions:tick:korea"):
        await (chat.press(answer) if answer.startswith("f:") else chat.say(answer))
    await chat.press("f:regions:done")
    for answer in ("Beides", DESCRIPTION, "Idee", "f:funding:pick:advise", "offen"):
        await (chat.press(answer) if answer.startswith("f:") else chat.say(answer))
    assert "Photon GmbH" in chat.text
    await chat.press("f:organisation:use")
    await chat.press("f:contact_name:use")
    await chat.press("f:email:use")
    await chat.press("f:phone:skip")
    await chat.press("f:consent:pick:yes")
    assert "Bitte beraten" in chat.text
    await chat.press("f:_sum:ok")
    assert "IDEA-2026-0002" in chat.text


async def test_phrases_start_the_form_questions_do_not(talk: Any) -> None:
    chat = talk(locale="de")
    await chat.say("Ich habe eine Projektidee mit einem Partner in Kanada")
    assert "kurzer Titel" in chat.text
    await chat.say("abbrechen")
    english = talk(user="member-2", locale="en")
    await english.say("We'd like to find a partner in Japan")
    assert "short title" in english.text
    asking = talk(user="member-3", locale="de")
    await asking.say("Wie reiche ich eine Projektidee ein?")
    assert "kurzer Titel" not in asking.text


async def test_start_menu_offers_the_idea_button(talk: Any) -> None:
    chat = talk(locale="en")
    await chat.say("/start")
    await chat.press("idea:start")
    assert "short title" in chat.text


async def test_invalid_answers_get_a_clear_reply(talk: Any) -> None:
    chat = talk(locale="en")
    await chat.say("/idea")
    await chat.say("Hi")
    assert "short title" in chat.text and "5" in chat.replies[0].text
    await fill_idea(chat, until="email", email="not-an-address")
    assert "At which e-mail address" in chat.text
    await chat.say("anna@photon.example")
    assert "phone number" in chat.text


async def test_consent_is_required(talk: Any) -> None:
    chat = talk(locale="en")
    await fill_idea(chat, consent="f:consent:pick:no")
    assert "Without your consent" in chat.text


async def test_issue_24_titles_names_and_organisations_are_one_line(app: App, talk: Any) -> None:
    """A line break in a title used to make the e-mail subject invalid: the row failed on
    every try and the office never got the mail."""
    chat = talk(locale="en")
    await chat.say("/idea")
    await chat.say("Laser drilling\nBcc: all@example.org")
    assert "Please write this on one line." in chat.text
    assert "title" in (await _step(app))
    await fill_idea(chat, until="timeline", title="Laser drilling in glass")
    for typed in ("Photon\nGmbH", "Photon\u2028GmbH"):
        await chat.say(typed)
        assert "Please write this on one line." in chat.text
    await chat.say("Photon GmbH")
    await chat.say("Anna\r\nSchmidt")
    assert "Please write this on one line." in chat.text


async def test_a_description_may_have_several_lines(app: App, talk: Any) -> None:
    chat = talk(locale="en")
    await fill_idea(chat, until="description", description=DESCRIPTION + "\n\nSecond part.")
    assert "one line" not in chat.text and await _step(app) == "stage"


async def _step(app: App) -> str:
    from bot.storage import DialogueState

    async with app.database.transaction() as session:
        return (await session.execute(select(DialogueState.step))).scalar_one()
