"""The office's changes to a training, the same whether made by ``optobot trainings`` or in
the office web app: create and edit, close, cancel, announce, move a member between the
waiting list and a seat. Each runs in the caller's transaction and queues what members are
told through the outbox (:class:`bot.trainings.notices.TrainingNotices`), so a change and
its messages are committed together.
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage import Member, Registration, Training
from bot.trainings.catalogue import SyncReport, apply, columns, stored_digest
from bot.trainings.notices import TrainingNotices
from bot.trainings.registrations import count, lock_training, registrations_of
from knowledge.catalogue import CatalogueTraining

Reason = Literal["unknown", "exists", "cancelled", "not_open", "full", "not_there"]
Place = Literal["seat", "waiting"]


class ChangeRefused(Exception):
    """The change cannot be made; ``reason`` says why, in a word the caller puts in words."""

    def __init__(self, reason: Reason, training: Training | None = None) -> None:
        super().__init__(reason)
        self.reason: Reason = reason
        self.training = training


async def tell(session: AsyncSession, notices: TrainingNotices, report: SyncReport) -> None:
    """Registrants hear of the promotions and moved dates a new version caused."""
    for registration in report.promoted:
        training = await session.get(Training, registration.training_id)
        assert training is not None
        await notices.promoted([registration], training)
    for training in report.moved:
        await notices.moved(training, await registrations_of(session, training.id))


async def create(
    session: AsyncSession, notices: TrainingNotices, item: CatalogueTraining
) -> Training:
    """A new training made in the office: it lives in the database, the file does not know
    it, and sync leaves it alone."""
    if await session.get(Training, item.id) is not None:
        raise ChangeRefused("exists")
    training = Training(
        id=item.id,
        **columns(item),
        updated_at=notices.now,
        origin="office",
        office_edited_at=notices.now,
    )
    session.add(training)
    await session.flush()
    return training


async def edit(
    session: AsyncSession, notices: TrainingNotices, item: CatalogueTraining
) -> tuple[Training, SyncReport, list[str]]:
    """A new version from the office: as a sync of that one training would apply it (more
    seats promote, moved dates are told), and marked as the office's edit; with the names
    of the columns that changed."""
    training = await _locked(session, item.id)
    if training.origin == "catalogue" and training.catalogue_digest is None:
        training.catalogue_digest = stored_digest(training)  # synced before 0007
    report = SyncReport()
    changed = await apply(session, training, item, now=notices.now, report=report)
    if changed:
        training.office_edited_at = notices.now
        await tell(session, notices, report)
    return training, report, changed


async def close(session: AsyncSession, notices: TrainingNotices, training_id: str) -> Training:
    """Registration ends; who has a seat or waits keeps it."""
    training = await _locked(session, training_id)
    if training.status == "cancelled":
        raise ChangeRefused("cancelled", training)
    training.status, training.updated_at = "closed", notices.now
    return training


async def cancel(
    session: AsyncSession, notices: TrainingNotices, training_id: str, *, reason: str | None
) -> tuple[Training, int]:
    """The training is off: everyone registered or waiting is told, with the office's
    ``reason`` as written; the number told."""
    training = await _locked(session, training_id)
    if training.status == "cancelled":  # by someone else meanwhile: nobody is told again
        raise ChangeRefused("cancelled", training)
    training.status, training.updated_at = "cancelled", notices.now
    registered = await registrations_of(session, training.id)
    await notices.cancelled_by_office(training, registered, reason=(reason or "").strip() or None)
    return training, len(registered)


async def announce(session: AsyncSession, notices: TrainingNotices, training_id: str) -> int:
    """To the members who asked for announcements; the number of messages queued (a
    second announcement of the same training queues none)."""
    training = await session.get(Training, training_id)
    if training is None:
        raise ChangeRefused("unknown")
    if training.status != "open" or not training.in_catalogue or training.deadline < notices.now:
        raise ChangeRefused("not_open", training)
    members = (
        await session.execute(
            select(Member)
            .where(Member.announcements.is_(True), Member.forgotten_at.is_(None))
            .order_by(Member.id)
        )
    ).scalars()
    return await notices.announce(training, list(members))


async def move(
    session: AsyncSession, notices: TrainingNotices, training_id: str, uid: str, to: Place
) -> Registration:
    """The office moves someone up to a free seat (told as after a promotion) or back to
    the end of the waiting list (told so)."""
    training = await _locked(session, training_id)
    if training.status == "cancelled":
        raise ChangeRefused("cancelled", training)
    registration = await session.scalar(
        select(Registration)
        .where(Registration.uid == uid, Registration.training_id == training_id)
        .execution_options(populate_existing=True)
    )
    wanted = "confirmed" if to == "seat" else "waiting"
    if registration is None or registration.status not in ("confirmed", "waiting"):
        raise ChangeRefused("not_there", training)
    if registration.status == wanted:
        return registration
    registration.updated_at = notices.now
    if to == "seat":
        if await count(session, training_id, "confirmed") >= training.seats:
            raise ChangeRefused("full", training)
        registration.status = "confirmed"
        await session.flush()
        await notices.promoted([registration], training, occasion=notices.now.isoformat())
        return registration
    last = await session.scalar(
        select(func.max(Registration.position)).where(Registration.training_id == training_id)
    )
    registration.status, registration.position = "waiting", (last or 0) + 1
    await session.flush()
    await notices.to_member(
        registration,
        training,
        "trainings/moved_to_waiting",
        key=f"to-waiting:{registration.uid}:{notices.now.isoformat()}",
        kind="training_waiting",
        calendar=True,
        cancelled=True,
    )
    return registration


async def _locked(session: AsyncSession, training_id: str) -> Training:
    training = await lock_training(session, training_id)
    if training is None:
        raise ChangeRefused("unknown")
    return training
