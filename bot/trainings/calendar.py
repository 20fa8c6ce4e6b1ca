"""The calendar file (.ics) for a confirmed seat, and the cancellation that removes it.

The event's UID is the registration's uid, so a calendar that imports an updated file
(new date, cancellation) replaces the event instead of adding a second one; ``SEQUENCE``
grows with every change of the training or the registration, and a cancellation
(``METHOD:CANCEL``, RFC 5546) is one higher than any file sent before it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from bot.messages import Attachment
from bot.storage import Registration, Training

PRODUCT_ID = "-//OptoNet e.V.//optobot//DE"
MIME_TYPE = "text/calendar"
ZONE_MARGIN = timedelta(days=400)
"""The VTIMEZONE covers the transitions around the event only: short and still correct."""
SEQUENCE_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def calendar_file(
    training: Training,
    registration: Registration,
    *,
    language: str,
    now: datetime,
    cancelled: bool = False,
) -> bytes:
    zone = ZoneInfo(training.timezone)
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    event = Event()
    event.add("uid", registration.uid)
    event.add("sequence", _sequence(training, registration) + (1 if cancelled else 0))
    event.add("dtstamp", now)
    event.add("dtstart", training.starts_at.astimezone(zone))
    event.add("dtend", training.ends_at.astimezone(zone))
    event.add("summary", training.texts["title"][language])
    event.add("description", training.texts["description"][language])
    event.add("location", training.place)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    calendar.add_component(event)
    calendar.add_missing_timezones(
        first_date=training.starts_at.date() - ZONE_MARGIN,
        last_date=training.ends_at.date() + ZONE_MARGIN,
    )
    ical: bytes = calendar.to_ical()  # icalendar's own hints leave it open
    return ical


def calendar_attachment(
    training: Training,
    registration: Registration,
    *,
    language: str,
    now: datetime,
    cancelled: bool = False,
) -> Attachment:
    content = calendar_file(training, registration, language=language, now=now, cancelled=cancelled)
    return Attachment(f"{training.id}.ics", content, MIME_TYPE)


def cancellation_attachment(
    training: Training, registration: Registration, *, language: str, now: datetime
) -> Attachment:
    """The file that takes the event out of the member's calendar again."""
    return calendar_attachment(training, registration, language=language, now=now, cancelled=True)


def _sequence(training: Training, registration: Registration) -> int:
    """Minutes since 2026 of the last change of the training or the registration: grows
    with every change, as RFC 5545 wants."""
    updated_at = max(training.updated_at, registration.updated_at or training.updated_at)
    return max(int((updated_at - SEQUENCE_EPOCH).total_seconds()) // 60, 0)
