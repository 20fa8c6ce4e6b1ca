"""The FAQ in conversation: answer with buttons, fallback with forwarding, feedback, small
talk, a question inside a running form, and the question log."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.app import App
from bot.storage import Lead, QuestionLog


async def logs(app: App) -> list[QuestionLog]:
    async with app.database.transaction() as session:
        return list((await session.execute(select(QuestionLog))).scalars())


async def test_answer_with_feedback_and_related_buttons(app: App, talk) -> None:
    chat = talk(locale="de")
    await chat.say("Geheimhaltungsvereinbarung Vorlage?")
    assert "NDA" in chat.text or "Geheimhaltung" in chat.text
    actions = [c.action for c in chat.choices]
    assert any(a.endswith(":up") for a in actions) and any(a.endswith(":down") for a in actions)
    assert 1 <= sum(a.startswith("faq:") for a in actions) <= 3
    await chat.press("👍")
    [log] = await logs(app)
    assert (log.decision, log.entry_id, log.feedback, log.language) == ("answer", "ip-nda", 1, "de")


async def test_english_member_gets_the_english_answer_with_office_email(app: App, talk) -> None:
    chat = talk(locale="en")
    await chat.say("how do i reach the office?")
    assert app.settings.office_contact_email in chat.text
    assert "{{" not in chat.text


async def test_fallback_forwards_the_question_as_a_lead(app: App, talk) -> None:
    chat = talk(locale="en")
    await chat.say("What is the minimum wage in Canada?")
    assert app.settings.office_contact_email in chat.text
    await chat.press("Forward")
    assert "Q-2026-0001" in chat.text
    async with app.database.transaction() as session:
        lead = (await session.execute(select(Lead))).scalar_one()
    assert (lead.kind, lead.fields["question"]) == (
        "question",
        "What is the minimum wage in Canada?",
    )
    [log] = await logs(app)
    assert log.forwarded and log.decision == "fallback"


async def test_forwarding_twice_makes_one_lead(app: App, talk) -> None:
    chat = talk(locale="en")
    await chat.say("What is the minimum wage in Canada?")
    forward = chat.choice("Forward").action
    await chat.send(chat.incoming(action=forward))
    await chat.send(chat.incoming(action=forward))
    assert "already" in chat.text
    async with app.database.transaction() as session:
        assert len((await session.execute(select(Lead))).scalars().all()) == 1


async def test_someone_elses_log_id_is_refused(app: App, talk) -> None:
    alice, bob = talk(user="alice", locale="en"), talk(user="bob", locale="en")
    await alice.say("What is the minimum wage in Canada?")
    forward = alice.choice("Forward").action
    await bob.send(bob.incoming(action=forward))
    assert bob.replies[0].notice
    [log] = await logs(app)
    assert not log.forwarded


@pytest.mark.parametrize(
    ("locale", "question", "said"),
    [
        ("en", "recipe for banana bread", "I help with funding, IP, trainings and cooperations"),
        ("de", "schreib mir ein Gedicht über Laser", "Ich helfe bei Förderung, geistigem"),
    ],
)
async def test_25_an_off_topic_question_gets_what_the_assistant_is_for_and_the_menu(
    app: App, talk, locale: str, question: str, said: str
) -> None:
    """Issue #25: no entry, and no offer to forward it: the office cannot help either."""
    chat = talk(locale=locale)
    await chat.say(question)
    assert said in chat.text
    actions = [c.action for c in chat.choices]
    assert "menu:ask" in actions and "idea:start" in actions
    assert not any(a.startswith("fwd:") for a in actions)
    [log] = await logs(app)
    assert (log.decision, log.entry_id) == ("off_topic", None)


async def test_idea_entry_carries_the_idea_button(talk) -> None:
    chat = talk(locale="en")
    await chat.send(chat.incoming(action="faq:cooperation-submit-idea"))
    assert "idea:start" in [c.action for c in chat.choices]
    await chat.send(chat.incoming(action="faq:training-japan"))
    assert "tr:list" in [c.action for c in chat.choices]


async def test_small_talk_is_not_a_fallback(app: App, talk) -> None:
    chat = talk(locale="de")
    for text in ("Hallo!", "danke schön", "wer bist du?", "Tschüss"):
        await chat.say(text)
        assert "Geschäftsstelle weiterleiten" not in chat.text
    assert await logs(app) == []


async def test_thumbs_down_offers_forwarding(app: App, talk) -> None:
    chat = talk(locale="en")
    await chat.say("NDA template please")
    await chat.press("👎")
    assert any(c.action.startswith("fwd:") for c in chat.choices)
    [log] = await logs(app)
    assert log.feedback == -1


async def test_unknown_entry_button(talk) -> None:
    chat = talk(locale="en")
    await chat.send(chat.incoming(action="faq:no-such-entry"))
    assert chat.replies[0].notice


async def test_a_clear_question_inside_a_form_is_answered_then_the_step_again(talk) -> None:
    chat = talk(locale="en")
    await chat.say("/idea")
    question = chat.replies[-1].text
    await chat.say("Do you have an NDA template for a confidentiality agreement?")
    assert len(chat.replies) >= 2
    assert "NDA" in chat.replies[0].text
    assert chat.replies[-1].text == question
