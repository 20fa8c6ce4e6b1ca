"""Seats and the waiting list, each change in the caller's ONE transaction.

Every function here first locks the training row (``FOR UPDATE`` on PostgreSQL; SQLite
writers are serialised by :meth:`bot.storage.Database.transaction`), then counts. So two
workers can never both take the last seat, and a cancelled seat goes to exactly one
person on the waiting list — the one who came first.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage import Registration, Training

UID_DOMAIN = "optonet-jena.de"
CONSENT_VERSION = "trainings-2026-11"
ACTIVE = ("confirmed", "waiting")
Refusal = Literal["unknown", "cancelled", "closed", "deadline", "started", "already"]
PERSONAL = ("name", "organisation", "email")
"""The columns that say who registered; what is left (status, member or not) still counts."""


def new_uid() -> str:
    """Stable for the registration's life: it is also the calendar event's UID."""
    return f"reg-{uuid.uuid4().hex[:24]}@{UID_DOMAIN}"


def anonymise(registration: Registration) -> None:
    """Without the person's details: for /forget and once the retention period is over."""
    for column in PERSONAL:
        setattr(registration, column, None)


@dataclass(frozen=True)
class Applicant:
    """Who registers, as the form collected it."""

    member_id: int | None
    name: str
    organisation: str
    email: str
    is_member: bool
    language: str
    consent_at: datetime | None = None


@dataclass
class Booking:
    """The outcome of one registration attempt."""

    training: Training | None
    registration: Registration | None = None
    refusal: Refusal | None = None
    waiting_position: int | None = None
    filled_last_seat: bool = False

    @property
    def confirmed(self) -> bool:
        return self.registration is not None and self.registration.status == "confirmed"


@dataclass
class Cancellation:
    registration: Registration
    training: Training
    was_confirmed: bool
    promoted: list[Registration] = field(default_factory=list)


async def lock_training(session: AsyncSession, training_id: str) -> Training | None:
    query = select(Training).where(Training.id == training_id).with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


def refusal_for(training: Training | None, now: datetime) -> Refusal | None:
    """Why nobody can register now, or None when registration is open."""
    if training is None or not training.in_catalogue:
        return "unknown"
    if training.status == "cancelled":
        return "cancelled"
    if training.status == "closed":
        return "closed"
    if now >= training.starts_at:
        return "started"
    if now > training.deadline:
        return "deadline"
    return None


async def active_registration(
    session: AsyncSession, training_id: str, member_id: int
) -> Registration | None:
    query = select(Registration).where(
        Registration.training_id == training_id,
        Registration.member_id == member_id,
        Registration.status.in_(ACTIVE),
    )
    return (await session.execute(query)).scalars().first()


async def book(
    session: AsyncSession, training_id: str, applicant: Applicant, *, now: datetime
) -> Booking:
    """A seat if one is free, else the next place on the waiting list; or a refusal."""
    training = await lock_training(session, training_id)
    refusal = refusal_for(training, now)
    if refusal is not None or training is None:
        return Booking(training, refusal=refusal or "unknown")
    if applicant.member_id is not None and await active_registration(
        session, training_id, applicant.member_id
    ):
        return Booking(training, refusal="already")
    confirmed = await count(session, training_id, "confirmed")
    last = await session.scalar(
        select(func.max(Registration.position)).where(Registration.training_id == training_id)
    )
    status = "confirmed" if confirmed < training.seats else "waiting"
    registration = Registration(
        uid=new_uid(),
        training_id=training_id,
        member_id=applicant.member_id,
        status=status,
        position=(last or 0) + 1,
        name=applicant.name,
        organisation=applicant.organisation,
        email=applicant.email,
        is_member=applicant.is_member,
        language=applicant.language,
        consent_at=applicant.consent_at,
        consent_version=CONSENT_VERSION if applicant.consent_at else None,
        created_at=now,
        updated_at=now,
    )
    session.add(registration)
    await session.flush()
    booking = Booking(training, registration)
    if status == "waiting":
        booking.waiting_position = await waiting_position(session, registration)
    else:
        booking.filled_last_seat = confirmed + 1 == training.seats
    return booking


async def cancel(session: AsyncSession, uid: str, *, now: datetime) -> Cancellation | None:
    """Give up a seat or a waiting place; a freed seat goes to the first who waits."""
    found = await session.scalar(select(Registration.training_id).where(Registration.uid == uid))
    if found is None:
        return None
    training = await lock_training(session, found)
    registration = await session.scalar(
        select(Registration)
        .where(Registration.uid == uid)
        .execution_options(populate_existing=True)
    )
    if training is None or registration is None or registration.status not in ACTIVE:
        return None
    was_confirmed = registration.status == "confirmed"
    registration.status = "cancelled"
    registration.cancelled_at = registration.updated_at = now
    await session.flush()
    result = Cancellation(registration, training, was_confirmed)
    if was_confirmed and training.status != "cancelled":
        result.promoted = await promote(session, training, now=now)
    return result


async def promote(
    session: AsyncSession, training: Training, *, now: datetime
) -> list[Registration]:
    """Move people up from the waiting list while seats are free, in order of arrival.

    The caller holds the lock on ``training`` (see :func:`lock_training`).
    """
    free = training.seats - await count(session, training.id, "confirmed")
    if free <= 0:
        return []
    query = (
        select(Registration)
        .where(Registration.training_id == training.id, Registration.status == "waiting")
        .order_by(Registration.position)
        .limit(free)
    )
    promoted = list((await session.execute(query)).scalars())
    for registration in promoted:
        registration.status = "confirmed"
        registration.updated_at = now
    await session.flush()
    return promoted


async def set_seats(
    session: AsyncSession, training_id: str, seats: int, *, now: datetime
) -> tuple[Training, list[Registration]] | None:
    """A bigger (or smaller) room: more seats promote the waiting list; nobody is demoted."""
    training = await lock_training(session, training_id)
    if training is None:
        return None
    training.seats = seats
    training.updated_at = now
    promoted = await promote(session, training, now=now) if training.status != "cancelled" else []
    return training, promoted


async def count(session: AsyncSession, training_id: str, status: str) -> int:
    query = select(func.count()).where(
        Registration.training_id == training_id, Registration.status == status
    )
    return int(await session.scalar(query) or 0)


async def waiting_position(session: AsyncSession, registration: Registration) -> int:
    """1 for the first who waits: the place in the queue, not the order of arrival."""
    ahead = await session.scalar(
        select(func.count()).where(
            Registration.training_id == registration.training_id,
            Registration.status == "waiting",
            Registration.position < registration.position,
        )
    )
    return int(ahead or 0) + 1


async def registrations_of(
    session: AsyncSession, training_id: str, statuses: Sequence[str] = ACTIVE
) -> list[Registration]:
    query = (
        select(Registration)
        .where(Registration.training_id == training_id, Registration.status.in_(statuses))
        .order_by(Registration.position)
    )
    return list((await session.execute(query)).scalars())
