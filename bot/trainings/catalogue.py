"""The trainings in the database: sync from the catalogue and what members may see.

Sync never touches a registration: changed seats or dates apply (more seats promote the
waiting list), a training gone from the file is deleted only when nobody registered,
otherwise it is kept out of the catalogue and reported.

Trainings live in the database; the file seeds them. A training the office edited (or
created) is never overwritten silently: when the file's version of it changed since it was
last applied, sync reports a conflict and leaves it, unless told to ``overwrite`` that id.
A training made in the office and absent from the file stays.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage import Registration, Training
from bot.trainings.registrations import ACTIVE, count, lock_training, promote
from knowledge.catalogue import CatalogueTraining


@dataclass
class SyncReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    kept: dict[str, int] = field(default_factory=dict)  # removed from file, has registrations
    overbooked: dict[str, int] = field(default_factory=dict)  # fewer seats than confirmed
    promoted: list[Registration] = field(default_factory=list)
    moved: list[Training] = field(default_factory=list)  # dates changed, registrants told
    conflicts: list[str] = field(default_factory=list)  # edited in the office and in the file


@dataclass(frozen=True)
class Listed:
    """A training as a member sees it in the list: with the seats still free."""

    training: Training
    free: int
    waiting: int


async def sync(
    session: AsyncSession,
    catalogue: Sequence[CatalogueTraining],
    *,
    now: datetime,
    overwrite: Collection[str] = (),
) -> SyncReport:
    """The file's trainings into the database; ``overwrite`` are ids whose office edit
    gives way to the file's version."""
    report = SyncReport()
    wanted = {item.id: item for item in catalogue}
    for item in catalogue:
        training = await lock_training(session, item.id)
        if training is None:
            session.add(
                Training(
                    id=item.id,
                    **columns(item),
                    updated_at=now,
                    origin="catalogue",
                    catalogue_digest=digest(item),
                )
            )
            report.added.append(item.id)
            continue
        if training.office_edited_at is not None and item.id not in overwrite:
            if training.catalogue_digest == digest(item):
                report.unchanged.append(item.id)  # the file did not change; the office did
            else:
                report.conflicts.append(item.id)
            continue
        training.catalogue_digest = digest(item)
        training.office_edited_at = None
        training.origin = "catalogue"  # the file's version from now on
        if not await apply(session, training, item, now=now, report=report):
            report.unchanged.append(item.id)
            continue
        report.updated.append(item.id)
    await session.flush()
    stored = (await session.execute(select(Training))).scalars().all()
    for training in stored:
        if training.id in wanted or training.origin == "office":
            continue
        if training.office_edited_at is not None:  # gone from the file, edited in the office
            report.conflicts.append(training.id)
            continue
        registered = await session.scalar(
            select(func.count()).where(Registration.training_id == training.id)
        )
        if registered:
            training.in_catalogue = False
            report.kept[training.id] = int(registered)
        else:
            await session.execute(delete(Training).where(Training.id == training.id))
            report.deleted.append(training.id)
    return report


async def apply(
    session: AsyncSession,
    training: Training,
    item: CatalogueTraining,
    *,
    now: datetime,
    report: SyncReport,
) -> list[str]:
    """A new version of a locked training, from the file or the office's form: the names of
    the columns that changed (none: nothing did); moves and promotions go into ``report``
    for the notices."""
    moved = (training.starts_at, training.ends_at) != (item.starts_at, item.ends_at)
    changed = _apply(training, item)
    if not changed:
        return changed
    training.updated_at = now
    if moved and training.status != "cancelled":
        report.moved.append(training)
    await session.flush()
    if training.status != "cancelled":
        report.promoted += await promote(session, training, now=now)
    confirmed = await count(session, training.id, "confirmed")
    if confirmed > training.seats:
        report.overbooked[training.id] = confirmed - training.seats
    return changed


def digest(item: CatalogueTraining) -> str:
    """The fingerprint of one training's version in the file."""
    return _fingerprint(columns(item))


def stored_digest(training: Training) -> str:
    """The same fingerprint of a stored training's columns: for a training synced before
    fingerprints were kept, its version in the database is the file's last one."""
    return _fingerprint({name: getattr(training, name) for name in COLUMNS})


def _fingerprint(values: dict[str, object]) -> str:
    def plain(value: object) -> object:
        if isinstance(value, datetime):
            return value.astimezone(UTC).isoformat()
        return str(value)

    text = json.dumps(values, sort_keys=True, default=plain)
    return hashlib.sha256(text.encode()).hexdigest()


def columns(item: CatalogueTraining) -> dict[str, object]:
    """The Training's columns that the file (or the office's form) sets."""
    return {
        "topic": item.topic,
        "texts": _texts(item),
        "starts_at": item.starts_at,
        "ends_at": item.ends_at,
        "timezone": item.timezone,
        "place": item.place,
        "online": item.online,
        "language": item.language,
        "seats": item.seats,
        "fee_member": item.fee_member,
        "fee_non_member": item.fee_non_member,
        "currency": item.currency,
        "deadline": item.deadline,
        "in_catalogue": True,
    }


COLUMNS = (
    "topic",
    "texts",
    "starts_at",
    "ends_at",
    "timezone",
    "place",
    "online",
    "language",
    "seats",
    "fee_member",
    "fee_non_member",
    "currency",
    "deadline",
    "in_catalogue",
)
"""The keys of :func:`columns`."""


def _texts(item: CatalogueTraining) -> dict[str, dict[str, str]]:
    """The texts members read, per language; cancellation terms only where the office gave
    them (no schema change: they travel in the JSON column with the title)."""
    texts = {"title": item.title, "description": item.description}
    if item.cancellation:
        texts["cancellation"] = item.cancellation
    return texts


def _apply(training: Training, item: CatalogueTraining) -> list[str]:
    """Copy the catalogue's values; the names of those that changed. Status stays the
    office's."""
    changed: list[str] = []
    for name, value in columns(item).items():
        if getattr(training, name) != value:
            setattr(training, name, value)
            changed.append(name)
    return changed


async def upcoming(
    session: AsyncSession, *, now: datetime, topic: str | None = None
) -> list[Listed]:
    """Trainings members can still look at: in the catalogue, not cancelled, not begun."""
    query = (
        select(Training)
        .where(
            Training.in_catalogue.is_(True),
            Training.status != "cancelled",
            Training.starts_at > now,
        )
        .order_by(Training.starts_at, Training.id)
    )
    if topic:
        query = query.where(Training.topic == topic)
    trainings = list((await session.execute(query)).scalars())
    counts = await _counts(session, [t.id for t in trainings])
    return [
        Listed(
            t,
            max(t.seats - counts.get((t.id, "confirmed"), 0), 0),
            counts.get((t.id, "waiting"), 0),
        )
        for t in trainings
    ]


async def listed(session: AsyncSession, training_id: str) -> Listed | None:
    training = await session.get(Training, training_id)
    if training is None:
        return None
    counts = await _counts(session, [training_id])
    free = max(training.seats - counts.get((training_id, "confirmed"), 0), 0)
    return Listed(training, free, counts.get((training_id, "waiting"), 0))


async def topics(session: AsyncSession, *, now: datetime) -> list[str]:
    return sorted({item.training.topic for item in await upcoming(session, now=now)})


async def _counts(session: AsyncSession, ids: Sequence[str]) -> dict[tuple[str, str], int]:
    if not ids:
        return {}
    query = (
        select(Registration.training_id, Registration.status, func.count())
        .where(Registration.training_id.in_(ids), Registration.status.in_(ACTIVE))
        .group_by(Registration.training_id, Registration.status)
    )
    return {(tid, status): n for tid, status, n in await session.execute(query)}
