"""The member side of trainings: list, filter, details, the registration dialogue, refusals,
/mytrainings with cancellation and promotion, /announcements."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from icalendar import Calendar
from sqlalchemy import select

from bot.app import App
from bot.storage import OutboxMessage, Registration, Training
from tests.conversation import Clock, Conversation
from tests.trainings_catalogue import sync_catalogue

JAPAN = "japan-business-2027-01"


async def register(talk: Conversation, training: str = JAPAN, *, member: str = "yes") -> None:
    await talk.press(f"tr:reg:{training}")
    await talk.say("Erika Muster")
    await talk.say("Lasertec Jena GmbH")
    await talk.say("erika@lasertec.example")
    await talk.press(f"f:member:o:{member}")
    await talk.press("f:consent:o:yes")
    await talk.press("f:_sum:ok")


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
    for choice in member.choices:
        assert len(choice.action.encode()) <= 64


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
    assert "290,00\xa0€" in member.text
    attachment = member.replies[-1].attachment
    assert attachment is not None and attachment.mime_type == "text/calendar"
    event = Calendar.from_ical(attachment.content).walk("VEVENT")[0]
    assert str(event["uid"]).startswith("reg-")
