"""Issue 27, the texts: seat lines and plurals through Babel, options that fit the date,
promises only when they happened, German typography, and the calendar cancellation."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar
from sqlalchemy import select

from bot.app import App
from bot.delivery.outbox import replies_from_payload
from bot.storage import OutboxMessage, Training
from bot.templates import TEMPLATES_DIR, Templates
from bot.trainings.notices import TrainingNotices
from bot.trainings.registrations import registrations_of, set_seats
from tests.cli import chat
from tests.conversation import Clock, Conversation
from tests.handlers.test_ideas import fill_idea
from tests.handlers.test_trainings import JAPAN, register
from tests.trainings_catalogue import sync_catalogue

Talk = Callable[..., Conversation]


@pytest.fixture
async def app(make_app: Any) -> App:
    return await make_app(rate_limit_per_minute=1000)


async def seats(app: App, number: int) -> None:
    async with app.database.transaction() as session:
        await set_seats(session, JAPAN, number, now=app.services.clock())


async def outbox(app: App, kind: str) -> list[OutboxMessage]:
    async with app.database.transaction() as session:
        query = select(OutboxMessage).where(OutboxMessage.kind == kind)
        return list((await session.execute(query.order_by(OutboxMessage.id))).scalars())


def event_of(content: bytes) -> tuple[Calendar, Any]:
    calendar = Calendar.from_ical(content)
    return calendar, calendar.walk("VEVENT")[0]


# 13 ------------------------------------------------------------------------------------


async def test_details_say_free_seats_in_words_and_the_language_in_the_readers(
    app: App, talk: Talk
) -> None:
    await sync_catalogue(app)
    german, english = talk(user="de", locale="de"), talk(user="en", locale="en")
    for member in (german, english):
        await member.send(member.incoming(action=f"tr:show:{JAPAN}"))
    assert "**Plätze:** 14, alle frei" in german.text and "davon" not in german.text
    assert "**Seats:** 14, all free" in english.text and "of which" not in english.text
    assert "**Language:** German" in english.text and "**Sprache:** Deutsch" in german.text

    await seats(app, 1)
    await register(talk(user="first", locale="de"))
    await german.send(german.incoming(action=f"tr:show:{JAPAN}"))
    await english.send(english.incoming(action=f"tr:show:{JAPAN}"))
    assert "**Plätze:** 1, ausgebucht; Warteliste" in german.text
    assert "**Seats:** 1, fully booked; waiting list" in english.text
    await seats(app, 3)
    await english.send(english.incoming(action=f"tr:show:{JAPAN}"))
    assert "**Seats:** 2 of 3 free" in english.text


@pytest.mark.parametrize(
    ("language", "number", "text"),
    [("en", 1, "1 seat free"), ("en", 2, "2 seats free"), ("de", 1, "1 Platz frei"),
     ("de", 1200, "1.200 Plätze frei"), ("en", 1200, "1,200 seats free")],
)  # fmt: skip
def test_seat_counts_take_the_plural_of_the_language(language: str, number: int, text: str) -> None:
    assert Templates().render(language, "trainings/seats", free=number, waiting=0) == text


@pytest.mark.parametrize(
    ("language", "counts", "text"),
    [("de", (0, 1, 2), "0 Projektideen und Anfragen, 1 Trainingsanmeldung, 2 Fragen"),
     ("en", (1, 0, 1), "1 project idea or question, 0 training registrations, 1 question")],
)  # fmt: skip
def test_the_data_export_counts_without_brackets(
    language: str, counts: tuple[int, int, int], text: str
) -> None:
    leads, registrations, questions = counts
    rendered = Templates().render(
        language, "privacy/export", leads=leads, registrations=registrations, questions=questions
    )
    assert text in rendered and "(n)" not in rendered and "(s)" not in rendered


def test_a_full_training_tells_the_office_one_seat_in_the_singular() -> None:
    training = Training(
        id="t", seats=1, timezone="Europe/Berlin",
        starts_at=datetime(2027, 1, 12, 8, tzinfo=UTC), texts={"title": {"en": "T", "de": "T"}},
    )  # fmt: skip
    assert "1 seat taken" in Templates().render("en", "trainings/staff_full", training=training)
    assert "1 Platz vergeben" in Templates().render("de", "trainings/staff_full", training=training)


@pytest.mark.parametrize(
    ("day", "offered", "not_offered"),
    [(datetime(2026, 12, 2, 9, tzinfo=UTC), "Übernächstes Jahr", "Dieses Jahr"),
     (datetime(2026, 6, 2, 9, tzinfo=UTC), "Dieses Jahr", "Übernächstes Jahr")],
)  # fmt: skip
async def test_start_options_fit_todays_date(
    talk: Talk, clock: Clock, day: datetime, offered: str, not_offered: str
) -> None:
    clock.now = day
    member = talk(locale="de")
    await fill_idea(member, until="funding")
    labels = [choice.label for choice in member.choices]
    assert offered in labels and not_offered not in labels and "Nächstes Jahr" in labels


# 15 ------------------------------------------------------------------------------------


async def test_cancelling_without_staff_target_or_waiting_list_promises_nothing(
    app: App, talk: Talk
) -> None:
    await sync_catalogue(app)
    member = talk(locale="de")
    await register(member)
    await member.say("/mytrainings")
    await member.press("tr:cancel:")
    assert "Warteliste" not in member.text  # nobody waits: nobody gets the seat
    await member.press("tr:drop:")
    assert "abgemeldet" in member.text and "Geschäftsstelle ist informiert" not in member.text


async def test_cancelling_says_the_office_knows_and_the_seat_moves_when_true(
    make_app: Any,
) -> None:
    app = await make_app(staff_slack_channel="C-STAFF", rate_limit_per_minute=1000)
    await sync_catalogue(app)
    await seats(app, 1)
    first = Conversation(app.assistant, user="first", locale="de")
    await register(first, name="Anna First")
    await register(Conversation(app.assistant, user="second", locale="de"), name="Ben Second")
    await first.say("/mytrainings")
    await first.press("tr:cancel:")
    assert "Ihr Platz geht an die erste Person auf der Warteliste" in first.text
    await first.press("tr:drop:")
    assert "Die Geschäftsstelle ist informiert" in first.text


async def test_forget_counts_no_attendance_for_a_cancelled_future_registration(
    app: App, talk: Talk
) -> None:
    await sync_catalogue(app)
    member = talk(locale="en")
    await register(member)
    await member.say("/mytrainings")
    await member.press("tr:cancel:")
    await member.press("tr:drop:")
    await member.say("/forget")
    await member.press("Yes, delete everything")
    assert "Done: your personal data has been deleted" in member.text
    assert "Past attendance" not in member.text


# 16 ------------------------------------------------------------------------------------


def test_german_quotes_close_with_the_typographic_mark() -> None:
    opened_not_closed = re.compile(r"„[^“\n]*\"")
    sources = [*TEMPLATES_DIR.joinpath("de").rglob("*.j2")]
    sources += Path(__file__).resolve().parents[2].joinpath("knowledge/entries").glob("*.yaml")
    found = [
        f"{path.name}: {match.group(0)}"
        for path in sources
        for match in opened_not_closed.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_console_shows_no_raw_markdown_underscores(tmp_path: Path) -> None:
    output = chat(["/idea", "Glass drilling with ultrashort pulses"], data_dir=tmp_path, lang="en")
    assert "A few words (5–120 characters)" in output
    assert not [line for line in output.splitlines() if re.search(r"(^|\s)_\w|\w_(\s|$)", line)]


# 17 ------------------------------------------------------------------------------------


async def test_a_members_cancellation_sends_a_calendar_cancellation(
    app: App, talk: Talk, clock: Clock
) -> None:
    await sync_catalogue(app)
    member = talk(locale="de")
    await register(member)
    booked = member.replies[-1].attachment
    assert booked is not None
    _, invitation = event_of(booked.content)
    await member.say("/mytrainings")
    await member.press("tr:cancel:")
    await member.press("tr:drop:")  # in the same minute as the booking
    removal = member.replies[-1].attachment
    assert removal is not None and removal.mime_type == "text/calendar"
    calendar, event = event_of(removal.content)
    assert str(calendar["method"]) == "CANCEL" and str(event["status"]) == "CANCELLED"
    assert str(event["uid"]) == str(invitation["uid"])
    assert int(event["sequence"]) > int(invitation["sequence"])
    assert "Kalenderdatei entfernt den Termin" in member.text


async def test_an_office_cancellation_sends_the_calendar_cancellation_to_the_seated(
    app: App, talk: Talk, clock: Clock
) -> None:
    await sync_catalogue(app)
    await seats(app, 1)
    seated, waiting = talk(user="seated", locale="en"), talk(user="waiting", locale="de")
    await register(seated)
    invitation = seated.replies[-1].attachment
    assert invitation is not None
    await register(waiting, name="Willi Warte")
    clock.advance(days=1)
    async with app.database.transaction() as session:
        training = await session.get(Training, JAPAN)
        assert training is not None
        training.status, training.updated_at = "cancelled", clock.now
        notices = TrainingNotices(session, app.services.settings, app.services.templates, clock.now)
        await notices.cancelled_by_office(training, await registrations_of(session, JAPAN))
    rows = {row.payload["user_id"]: row for row in await outbox(app, "training_cancelled")}
    (told,) = replies_from_payload(rows["seated"].payload)
    assert told.attachment is not None and "calendar file removes the date" in told.text
    calendar, event = event_of(told.attachment.content)
    _, first = event_of(invitation.content)
    assert str(calendar["method"]) == "CANCEL"
    assert str(event["uid"]) == str(first["uid"])
    assert int(event["sequence"]) > int(first["sequence"])
    (other,) = replies_from_payload(rows["waiting"].payload)
    assert other.attachment is None and "Kalender" not in other.text
