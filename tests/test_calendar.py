"""The .ics: parsed back with icalendar, the time zone, a stable UID."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar

from bot.storage import Registration, Training
from bot.trainings.calendar import calendar_file

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def training(**overrides: object) -> Training:
    values: dict[str, object] = {
        "id": "japan-business-2027-01",
        "topic": "japan",
        "texts": {
            "title": {"de": "Geschäftskultur Japan", "en": "Business culture Japan"},
            "description": {"de": "Etikette, Verhandlung", "en": "Etiquette, negotiation"},
        },
        "starts_at": datetime(2027, 1, 12, 8, 0, tzinfo=UTC),
        "ends_at": datetime(2027, 1, 12, 16, 0, tzinfo=UTC),
        "timezone": "Europe/Berlin",
        "place": "Seminarraum, Jena",
        "updated_at": NOW,
    }
    values.update(overrides)
    return Training(**values)


REGISTRATION = Registration(uid="reg-0123456789abcdef01234567@optonet-jena.de")


def parse(content: bytes) -> Calendar:
    return Calendar.from_ical(content)


def test_event_has_local_times_with_tzid_and_a_vtimezone() -> None:
    calendar = parse(calendar_file(training(), REGISTRATION, language="de", now=NOW))
    (event,) = calendar.walk("VEVENT")
    start = event.decoded("dtstart")
    assert start == datetime(2027, 1, 12, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    assert event["dtstart"].params["TZID"] == "Europe/Berlin"
    assert event.decoded("dtend").hour == 17
    (zone,) = calendar.walk("VTIMEZONE")
    assert zone["tzid"] == "Europe/Berlin"
    assert str(event["summary"]) == "Geschäftskultur Japan"
    assert str(event["location"]) == "Seminarraum, Jena"


def test_summer_time_is_right() -> None:
    summer = training(
        starts_at=datetime(2027, 6, 16, 7, 0, tzinfo=UTC),
        ends_at=datetime(2027, 6, 16, 14, 0, tzinfo=UTC),
    )
    (event,) = parse(calendar_file(summer, REGISTRATION, language="en", now=NOW)).walk("VEVENT")
    assert event.decoded("dtstart").hour == 9
    assert event.decoded("dtstart").utcoffset().total_seconds() == 7200
    assert str(event["summary"]) == "Business culture Japan"


def test_uid_is_the_registration_and_sequence_grows_with_changes() -> None:
    first = parse(calendar_file(training(), REGISTRATION, language="de", now=NOW))
    later = training(
        starts_at=datetime(2027, 1, 19, 8, 0, tzinfo=UTC),
        ends_at=datetime(2027, 1, 19, 16, 0, tzinfo=UTC),
        updated_at=datetime(2026, 12, 1, tzinfo=UTC),
    )
    second = parse(calendar_file(later, REGISTRATION, language="de", now=NOW))
    (a,), (b,) = first.walk("VEVENT"), second.walk("VEVENT")
    assert str(a["uid"]) == str(b["uid"]) == REGISTRATION.uid
    assert int(b["sequence"]) > int(a["sequence"])
