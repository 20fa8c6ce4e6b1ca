"""The member side of trainings: list, filter, details, the registration dialogue, refusals,
/mytrainings with cancellation and promotion, /announcements."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from icalendar import Calendar
from sqlalchemy import select

from bot.app import App
from bot.delivery.outbox import replies_from_payload
from bot.storage import Member, OutboxMessage, Registration, Training
from bot.trainings.registrations import set_seats
from tests.conversation import Clock, Conversation
from tests.trainings_catalogue import sync_catalogue

JAPAN = "japan-business-2027-01"


async def register(
    talk: Conversation, training: str = JAPAN, *, name: str = "Erika Muster", member: str = "yes"
) -> None:
    await talk.send(talk.incoming(action=f"tr:reg:{training}"))
    await talk.say(name)
    await talk.say("Lasertec Jena GmbH")
    await talk.say(f"{name.split()[0].lower()}@lasertec.example")
    await talk.press(f"f:member:pick:{member}")
    await talk.press("f:consent:pick:yes")
    await talk.press("f:_sum:ok")


async def outbox(app: App) -> list[OutboxMessage]:
    async with app.database.transaction() as session:
        rows = await session.execute(select(OutboxMessage).order_by(OutboxMessage.id))
        return list(rows.scalars())


async def change(app: App, training_id: str, **values: Any) -> None:
    async with app.database.transaction() as session:
        training = await session.get(Training, training_id)
        assert training is not None
        for name, value in values.items():
            setattr(training, name, value)


async def test_list_shows_upcoming_trainings_with_date_place_and_free_seats(
    app: App, talk: Callable[..., Conversation]
) -> None:
    await sync_catalogue(app)
    member = talk(locale="de")
    await member.say("Welche Trainings gibt es?")
    assert "Kommende Trainings" in member.text
    assert "Dienstag, 12. Januar 2027, 09:00" in member.text
    assert "14 Plätze frei" in member.text
    assert any(c.action == f"tr:show:{JAPAN}" for c in member.choices)
    assert any(c.action == "tr:topic:korea" for c in member.choices)
    assert all(len(c.action.encode()) <= 64 for c in member.choices)


async def test_english_phrase_and_topic_filter(app: App, talk: Callable[..., Conversation]) -> None:
    await sync_catalogue(app)
    member = talk(locale="en")
    await member.say("which trainings are there?")
    assert "Upcoming trainings" in member.text
    await member.press("tr:topic:korea")
    assert "South Korea" in member.text
    assert "Japan" not in member.text
    assert [c.action for c in member.choices if c.action.startswith("tr:show:")] == [
        "tr:show:korea-business-2027-02",
        "tr:show:korea-business-2027-11",
    ]


async def test_start_menu_offers_trainings(app: App, talk: Callable[..., Conversation]) -> None:
    member = talk(locale="en")
    await member.say("/start")
    assert any(c.action == "tr:list" for c in member.choices)


async def test_full_registration_dialogue_confirms_with_fee_and_calendar_file(
    app: App, talk: Callable[..., Conversation]
) -> None:
    await sync_catalogue(app)
    member = talk(locale="de")
    await member.say("/trainings japan")
    await member.press(f"tr:show:{JAPAN}")
    assert "290,00" in member.text and "490,00" in member.text
    await register(member)
    assert "Angemeldet" in member.text
    assert "Gebühr (Mitglied): 290,00\xa0€" in member.text
    attachment = member.replies[-1].attachment
    assert attachment is not None and attachment.mime_type == "text/calendar"
    event = Calendar.from_ical(attachment.content).walk("VEVENT")[0]
    assert str(event["uid"]).startswith("reg-")


async def test_second_registration_offers_the_data_given_before(
    app: App, talk: Callable[..., Conversation]
) -> None:
    await sync_catalogue(app)
    member = talk(locale="en")
    await register(member, member="no")
    assert "Fee (non-member): €490.00" in member.text
    await member.send(member.incoming(action="tr:reg:korea-business-2027-02"))
    assert "Erika Muster" in member.text
    await member.press("f:name:use")
    assert "Lasertec Jena GmbH" in member.text


async def test_waiting_list_then_cancellation_promotes_the_first_waiting(
    make_app: Callable[..., Any],
) -> None:
    app = await make_app(staff_slack_channel="C-STAFF")
    await sync_catalogue(app)
    async with app.database.transaction() as session:
        await set_seats(session, JAPAN, 1, now=app.services.clock())
    first = Conversation(app.assistant, user="first", locale="de")
    second = Conversation(app.assistant, user="second", locale="en")
    third = Conversation(app.assistant, user="third", locale="en")
    await register(first, name="Anna First")
    assert "Angemeldet" in first.text
    await register(second, name="Ben Second")
    assert "position 1" in second.text and second.replies[-1].attachment is None
    await register(third, name="Cleo Third")
    assert "position 2" in third.text
    full = [row for row in await outbox(app) if row.kind == "training_full"]
    assert [row.target for row in full] == ["slack"]
    assert (
        "fully booked" in full[0].payload["replies"][0]["text"]
        or "ausgebucht" in (full[0].payload["replies"][0]["text"])
    )

    await second.say("/mytrainings")
    assert "waiting list, position 1" in second.text
    await first.say("/mytrainings")
    await first.press("Abmelden")
    await first.press("Ja, abmelden")
    assert "abgemeldet" in first.text

    rows = await outbox(app)
    promoted = [row for row in rows if row.kind == "training_promoted"]
    assert len(promoted) == 1 and promoted[0].payload["user_id"] == "second"
    (reply,) = replies_from_payload(promoted[0].payload)
    assert "You have moved up" in reply.text
    assert reply.attachment is not None and b"BEGIN:VEVENT" in reply.attachment.content
    staff = [row for row in rows if row.kind == "registration_cancelled"]
    assert len(staff) == 1 and "Ben Second" in staff[0].payload["replies"][0]["text"]
    await third.say("/mytrainings")
    assert "waiting list, position 1" in third.text


async def test_cancel_button_of_someone_else_is_refused(
    app: App, talk: Callable[..., Conversation]
) -> None:
    await sync_catalogue(app)
    owner = talk(user="owner", locale="en")
    await register(owner)
    async with app.database.transaction() as session:
        uid = (await session.execute(select(Registration.uid))).scalar_one()
    stranger = talk(user="stranger", locale="en")
    await stranger.send(stranger.incoming(action=f"tr:drop:{uid}"))
    assert "cannot find this registration" in stranger.text
    async with app.database.transaction() as session:
        assert (await session.execute(select(Registration.status))).scalar_one() == "confirmed"


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ({"status": "closed"}, "Registration for this training is closed"),
        ({"status": "cancelled"}, "This training has been cancelled"),
    ],
)
async def test_refusals_for_closed_and_cancelled(
    app: App, talk: Callable[..., Conversation], setup: dict[str, Any], expected: str
) -> None:
    await sync_catalogue(app)
    await change(app, JAPAN, **setup)
    member = talk(locale="en")
    await member.send(member.incoming(action=f"tr:reg:{JAPAN}"))
    assert expected in member.text
    assert "What is your name" not in member.text


async def test_refused_when_already_registered(app: App, talk: Callable[..., Conversation]) -> None:
    await sync_catalogue(app)
    member = talk(locale="en")
    await register(member)
    await member.send(member.incoming(action=f"tr:reg:{JAPAN}"))
    assert "You are already registered for this training" in member.text
    await member.send(member.incoming(action=f"tr:show:{JAPAN}"))
    assert not any(c.action.startswith("tr:reg:") for c in member.choices)


async def test_unknown_training_and_unknown_action(
    app: App, talk: Callable[..., Conversation]
) -> None:
    await sync_catalogue(app)
    member = talk(locale="en")
    await member.send(member.incoming(action="tr:reg:no-such-training"))
    assert "cannot find this training" in member.text
    await member.send(member.incoming(action="tr:show:no-such-training"))
    assert "cannot find this training" in member.text
    await member.send(member.incoming(action="tr:frobnicate"))
    assert member.replies[0].notice


async def test_deadline_passing_during_the_form_is_refused_at_confirm(
    app: App, talk: Callable[..., Conversation], clock: Clock
) -> None:
    await sync_catalogue(app)
    await change(app, JAPAN, deadline=clock.now + timedelta(hours=1))
    member = talk(locale="en")
    await member.send(member.incoming(action=f"tr:reg:{JAPAN}"))
    for answer in ("Erika Muster", "Lasertec", "erika@lasertec.example"):
        await member.say(answer)
    await member.press("f:member:pick:yes")
    await member.press("f:consent:pick:yes")
    clock.advance(hours=2)
    await member.press("f:_sum:ok")
    assert "registration deadline for this training has passed" in member.text
    async with app.database.transaction() as session:
        assert (await session.execute(select(Registration))).first() is None


async def test_announcements_on_and_off(app: App, talk: Callable[..., Conversation]) -> None:
    member = talk(locale="en")
    await member.say("/announcements")
    assert "currently **off**" in member.text
    await member.say("/announcements on")
    async with app.database.transaction() as session:
        assert (await session.execute(select(Member.announcements))).scalar_one() is True
    await member.say("/announcements off")
    assert "no longer" in member.text
    async with app.database.transaction() as session:
        assert (await session.execute(select(Member.announcements))).scalar_one() is False


async def test_refused_after_the_deadline(
    app: App, talk: Callable[..., Conversation], clock: Clock
) -> None:
    await sync_catalogue(app)
    clock.advance(days=25)  # 2026-12-19, the day after the deadline
    member = talk(locale="de")
    await member.send(member.incoming(action=f"tr:show:{JAPAN}"))
    assert "Der Anmeldeschluss für dieses Training ist vorbei" in member.text
    assert not any(c.action.startswith("tr:reg:") for c in member.choices)
    await member.send(member.incoming(action=f"tr:reg:{JAPAN}"))
    assert "Anmeldeschluss" in member.text and "Wie ist Ihr Name" not in member.text
