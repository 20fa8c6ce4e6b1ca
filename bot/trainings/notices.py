"""What the assistant says about trainings on its own, always through the outbox.

Members hear of a promotion (with the .ics), a moved or cancelled training, a reminder
and announcements in the chat they last wrote from, in the language they registered in.
The office hears when a training is full and when someone cancels. Every row has a key
that names the event, so a retried command or a second worker queues nothing twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery.outbox import enqueue_replies
from bot.delivery.staff import enqueue_for_staff, notice_payload
from bot.messages import Choice, Reply
from bot.settings import Settings
from bot.storage import ChannelIdentity, Member, OutboxMessage, Registration, Training
from bot.templates import Templates
from bot.trainings import actions
from bot.trainings.calendar import calendar_attachment
from bot.trainings.registrations import Booking, Cancellation

ANNOUNCEMENTS_PER_SECOND = 20
"""Below Telegram's ~30 messages a second to different chats and Slack's posting limits."""
CANCELLED = "registration_cancelled"
"""The kind of the office's notice of a cancellation, which names people."""
ABOUT = "about"
"""A staff notice's payload lists the registrations it names (their uids), so /forget
finds every notice that names a member, as the one who cancelled or as one moved up."""


async def member_identity(session: AsyncSession, member_id: int | None) -> ChannelIdentity | None:
    """The chat the member wrote from last: where a message on our own initiative goes."""
    if member_id is None:
        return None
    query = (
        select(ChannelIdentity)
        .join(Member)
        .where(ChannelIdentity.member_id == member_id, Member.forgotten_at.is_(None))
        .order_by(ChannelIdentity.created_at.desc(), ChannelIdentity.id.desc())
        .limit(1)
    )
    return (await session.execute(query)).scalar_one_or_none()


@dataclass
class TrainingNotices:
    session: AsyncSession
    settings: Settings
    templates: Templates
    now: datetime

    # to members ------------------------------------------------------------------------

    async def to_member(
        self,
        registration: Registration,
        training: Training,
        template: str,
        *,
        key: str,
        kind: str,
        calendar: bool = False,
        cancelled: bool = False,
        due: datetime | None = None,
        **context: Any,
    ) -> bool:
        identity = await member_identity(self.session, registration.member_id)
        if identity is None:
            return False
        language = registration.language
        text = self.templates.render(
            language,
            template,
            channel=identity.channel,
            training=training,
            registration=registration,
            **context,
        )
        attachment = (
            calendar_attachment(
                training, registration, language=language, now=self.now, cancelled=cancelled
            )
            if calendar
            else None
        )
        reply = Reply(text, _mine_button(self.templates, language), attachment)
        return await enqueue_replies(
            self.session, identity, [reply], key=key, kind=kind, due=due or self.now
        )

    async def promoted(
        self,
        registrations: Sequence[Registration],
        training: Training,
        *,
        occasion: str | None = None,
    ) -> None:
        """``occasion`` tells apart a second move up of the same registration (by the
        office, after it moved the member back to the waiting list)."""
        for registration in registrations:
            await self.to_member(
                registration,
                training,
                "trainings/promoted",
                key=promoted_key(registration.uid, occasion),
                kind="training_promoted",
                calendar=True,
                fee=fee_for(training, registration),
            )

    async def moved(self, training: Training, registrations: Sequence[Registration]) -> None:
        stamp = training.starts_at.isoformat()
        for registration in registrations:
            await self.to_member(
                registration,
                training,
                "trainings/moved",
                key=moved_key(registration.uid, stamp),
                kind="training_moved",
                calendar=registration.status == "confirmed",
            )

    async def cancelled_by_office(
        self,
        training: Training,
        registrations: Sequence[Registration],
        *,
        reason: str | None = None,
    ) -> None:
        """``reason`` is the office's own sentence, told as written."""
        for registration in registrations:
            await self.to_member(
                registration,
                training,
                "trainings/cancelled_by_office",
                key=office_cancelled_key(registration.uid),
                kind="training_cancelled",
                calendar=registration.status == "confirmed",
                cancelled=True,
                reason=reason,
            )

    async def reminder(self, registration: Registration, training: Training) -> bool:
        return await self.to_member(
            registration,
            training,
            "trainings/reminder",
            key=reminder_key(registration.uid),
            kind="training_reminder",
        )

    async def announce(self, training: Training, members: Sequence[Member]) -> int:
        """One message per opted-in member, spread out in time to respect rate limits."""
        queued = 0
        for number, member in enumerate(members):
            identity = await member_identity(self.session, member.id)
            if identity is None:
                continue
            language = member.language or self.settings.default_language
            text = self.templates.render(
                language, "trainings/announcement", channel=identity.channel, training=training
            )
            button = Choice(
                self.templates.render(language, "trainings/button_details"),
                actions.show(training.id),
            )
            due = self.now + timedelta(seconds=number // ANNOUNCEMENTS_PER_SECOND)
            if await enqueue_replies(
                self.session,
                identity,
                [Reply(text, (button,))],
                key=announcement_key(training.id, member.id),
                kind="training_announcement",
                due=due,
            ):
                queued += 1
        return queued

    # to the office ---------------------------------------------------------------------

    async def to_staff(
        self, template: str, *, key: str, kind: str, about: Sequence[str] = (), **context: Any
    ) -> int:
        """A short notice to every configured staff target, in the staff language;
        ``about`` are the uids of the registrations it names."""
        text = self.templates.render(self.settings.staff_language, template, **context)
        named = {ABOUT: list(about)} if about else {}
        queued = await enqueue_for_staff(
            self.session,
            self.settings,
            lambda target: {**notice_payload(self.settings, text, target), **named},
            key=key,
            kind=kind,
            due=self.now,
        )
        return len(queued)

    async def after_booking(self, booking: Booking) -> None:
        if booking.filled_last_seat and booking.training and booking.registration:
            await self.to_staff(
                "trainings/staff_full",
                key=full_key(booking.registration.uid),
                kind="training_full",
                training=booking.training,
            )

    async def after_cancellation(self, cancellation: Cancellation) -> int:
        """Tell the office and the people who move up; the number of staff messages
        queued, so the member is told the office knows only when it will."""
        registration, training = cancellation.registration, cancellation.training
        told = await self.to_staff(
            "trainings/staff_cancelled",
            key=cancelled_key(registration.uid),
            kind=CANCELLED,
            about=[registration.uid, *(other.uid for other in cancellation.promoted)],
            training=training,
            registration=registration,
            promoted=cancellation.promoted,
        )
        await self.promoted(cancellation.promoted, training)
        return told

    async def redraw_cancelled(self, row: OutboxMessage) -> None:
        """A cancellation notice drawn again from its registrations as they are now: after
        /forget, without the forgotten member's name and company."""
        uids = list(row.payload.get(ABOUT) or [cancelled_uid(row.key)])
        found = {
            registration.uid: registration
            for registration in (
                await self.session.execute(select(Registration).where(Registration.uid.in_(uids)))
            ).scalars()
        }
        registration = found.get(uids[0])
        training = (
            await self.session.get(Training, registration.training_id) if registration else None
        )
        if registration is None or training is None:
            row.payload = {}
            return
        text = self.templates.render(
            self.settings.staff_language,
            "trainings/staff_cancelled",
            training=training,
            registration=registration,
            promoted=[found[uid] for uid in uids[1:] if uid in found],
        )
        row.payload = {**notice_payload(self.settings, text, row.target), ABOUT: uids}


# the outbox keys: one builder each, so privacy.OUTBOX_KEYS can name those that name a member


def promoted_key(uid: str, occasion: str | None = None) -> str:
    """To a member who moved up from the waiting list; ``occasion`` tells apart a second
    move up of the same registration (moved back by the office, then up again)."""
    return f"promoted:{uid}" + (f":{occasion}" if occasion else "")


def moved_key(uid: str, stamp: str) -> str:
    """To a registered member: the training moved to ``stamp`` (its new start)."""
    return f"moved:{uid}:{stamp}"


def office_cancelled_key(uid: str) -> str:
    """To a registered member: the office cancelled the training."""
    return f"training-cancelled:{uid}"


def reminder_key(uid: str) -> str:
    return f"reminder:{uid}"


def announcement_key(training_id: str, member_id: int | str) -> str:
    return f"announce:{training_id}:{member_id}"


def full_key(uid: str) -> str:
    """To the office (``:<target>`` follows): the registration ``uid`` took the last seat."""
    return f"training-full:{uid}"


def cancelled_key(uid: str) -> str:
    """To the office (``:<target>`` follows): the registration ``uid`` was cancelled."""
    return f"registration-cancelled:{uid}"


def cancelled_uid(key: str) -> str:
    """The registration a cancellation notice's key names
    (``registration-cancelled:<uid>:<target>``)."""
    return key.split(":")[1] if key.count(":") >= 2 else ""


def named_registrations(row: OutboxMessage) -> set[str]:
    """The uids of the registrations a row is about: the one its key names
    (``<event>:<uid>[:…]``) and those a staff notice lists."""
    parts = row.key.split(":")
    return set(row.payload.get(ABOUT) or ()) | set(parts[1:2])


def fee_for(training: Training, registration: Registration) -> float:
    return training.fee_member if registration.is_member else training.fee_non_member


def _mine_button(templates: Templates, language: str) -> tuple[Choice, ...]:
    return (Choice(templates.render(language, "trainings/button_mine"), actions.MINE),)
