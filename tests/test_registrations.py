"""Seats and the waiting list: concurrency on every backend, cancellation and promotion,
and the catalogue sync rules."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select

from bot.app import App
from bot.storage import Member, Registration, Training
from bot.trainings.registrations import Applicant, book, cancel, set_seats, waiting_position
from knowledge.catalogue import CATALOGUE_FILE
from tests.trainings_catalogue import sync_catalogue

JAPAN = "japan-business-2027-01"


async def new_members(app: App, number: int) -> list[int]:
    async with app.database.transaction() as session:
        members = [Member(display_name=f"m{i}") for i in range(number)]
        session.add_all(members)
        await session.flush()
        return [member.id for member in members]


def applicant(member_id: int) -> Applicant:
    return Applicant(
        member_id, f"Person {member_id}", "Org", f"p{member_id}@example.org", True, "de"
    )


async def book_one(app: App, member_id: int, training: str = JAPAN) -> Registration | None:
    async with app.database.transaction() as session:
        booking = await book(session, training, applicant(member_id), now=app.services.clock())
        return booking.registration


async def statuses(app: App, training: str = JAPAN) -> list[tuple[int | None, str, int]]:
    async with app.database.transaction() as session:
        rows = await session.execute(
            select(Registration.member_id, Registration.status, Registration.position)
            .where(Registration.training_id == training)
            .order_by(Registration.position)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


async def test_fifty_concurrent_registrations_for_ten_seats(db_app: App) -> None:
    await sync_catalogue(db_app)
    async with db_app.database.transaction() as session:
        await set_seats(session, JAPAN, 10, now=db_app.services.clock())
    members = await new_members(db_app, 50)

    await asyncio.gather(*(book_one(db_app, member) for member in members))

    rows = await statuses(db_app)
    assert [status for _, status, _ in rows].count("confirmed") == 10
    assert [status for _, status, _ in rows] == ["confirmed"] * 10 + ["waiting"] * 40
    assert [position for _, _, position in rows] == list(range(1, 51))
    async with db_app.database.transaction() as session:
        waiting = (
            await session.execute(
                select(Registration)
                .where(Registration.status == "waiting")
                .order_by(Registration.position)
            )
        ).scalars()
        assert [await waiting_position(session, r) for r in waiting] == list(range(1, 41))


async def test_concurrent_cancellations_promote_each_waiting_person_once(db_app: App) -> None:
    await sync_catalogue(db_app)
    async with db_app.database.transaction() as session:
        await set_seats(session, JAPAN, 5, now=db_app.services.clock())
    members = await new_members(db_app, 15)
    registrations = [await book_one(db_app, member) for member in members]
    confirmed = [r.uid for r in registrations[:5] if r is not None]

    async def drop(uid: str) -> None:
        async with db_app.database.transaction() as session:
            await cancel(session, uid, now=db_app.services.clock())

    await asyncio.gather(*(drop(uid) for uid in confirmed))

    rows = await statuses(db_app)
    assert [status for _, status, _ in rows] == ["cancelled"] * 5 + ["confirmed"] * 5 + [
        "waiting"
    ] * 5


async def test_cancelling_a_waiting_place_promotes_nobody(app: App) -> None:
    await sync_catalogue(app)
    async with app.database.transaction() as session:
        await set_seats(session, JAPAN, 1, now=app.services.clock())
    first, second, third = await new_members(app, 3)
    await book_one(app, first)
    waiting = await book_one(app, second)
    await book_one(app, third)
    assert waiting is not None
    async with app.database.transaction() as session:
        result = await cancel(session, waiting.uid, now=app.services.clock())
        assert result is not None and result.promoted == [] and not result.was_confirmed
        again = await cancel(session, waiting.uid, now=app.services.clock())
        assert again is None
    assert [s for _, s, _ in await statuses(app)] == ["confirmed", "cancelled", "waiting"]


async def test_more_seats_promote_the_waiting_list_in_order(app: App) -> None:
    await sync_catalogue(app)
    async with app.database.transaction() as session:
        await set_seats(session, JAPAN, 1, now=app.services.clock())
    for member in await new_members(app, 4):
        await book_one(app, member)
    async with app.database.transaction() as session:
        changed = await set_seats(session, JAPAN, 3, now=app.services.clock())
        assert changed is not None
        assert [r.position for r in changed[1]] == [2, 3]
    assert [s for _, s, _ in await statuses(app)] == ["confirmed"] * 3 + ["waiting"]


async def test_same_member_cannot_register_twice(app: App) -> None:
    await sync_catalogue(app)
    (member,) = await new_members(app, 1)
    assert await book_one(app, member) is not None
    async with app.database.transaction() as session:
        booking = await book(session, JAPAN, applicant(member), now=app.services.clock())
        assert booking.refusal == "already" and booking.registration is None


# sync ---------------------------------------------------------------------------------


def write_catalogue(path: Path, edit: Callable[[list[dict[str, Any]]], None]) -> Path:
    document = yaml.safe_load(CATALOGUE_FILE.read_text(encoding="utf-8"))
    edit(document["trainings"])
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


async def test_sync_is_idempotent_and_keeps_registrations(app: App, tmp_path: Path) -> None:
    first = await sync_catalogue(app)
    assert len(first.added) == 9
    (member,) = await new_members(app, 1)
    await book_one(app, member)
    again = await sync_catalogue(app)
    assert again.added == [] and again.updated == [] and len(again.unchanged) == 9
    assert len(await statuses(app)) == 1


async def test_sync_applies_seats_and_dates_and_promotes(app: App, tmp_path: Path) -> None:
    await sync_catalogue(app)
    async with app.database.transaction() as session:
        await set_seats(session, JAPAN, 1, now=app.services.clock())
    for member in await new_members(app, 3):
        await book_one(app, member)

    def bigger_room_new_date(trainings: list[dict[str, Any]]) -> None:
        japan = next(t for t in trainings if t["id"] == JAPAN)
        japan["seats"] = 2
        japan["start"], japan["end"] = "2027-01-19 09:00", "2027-01-19 17:00"

    path = write_catalogue(tmp_path / "trainings.yaml", bigger_room_new_date)
    report = await sync_catalogue(app, path)
    assert report.updated == [JAPAN]
    assert [r.position for r in report.promoted] == [2]
    assert [t.id for t in report.moved] == [JAPAN]
    async with app.database.transaction() as session:
        training = await session.get(Training, JAPAN)
        assert training is not None and training.seats == 2
        assert training.starts_at.isoformat() == "2027-01-19T08:00:00+00:00"
    assert [s for _, s, _ in await statuses(app)] == ["confirmed", "confirmed", "waiting"]


async def test_sync_removal_deletes_only_trainings_without_registrations(
    app: App, tmp_path: Path
) -> None:
    await sync_catalogue(app)
    (member,) = await new_members(app, 1)
    await book_one(app, member)
    gone = {JAPAN, "korea-business-2027-02"}

    def remove(trainings: list[dict[str, Any]]) -> None:
        trainings[:] = [t for t in trainings if t["id"] not in gone]

    report = await sync_catalogue(app, write_catalogue(tmp_path / "trainings.yaml", remove))
    assert report.deleted == ["korea-business-2027-02"]
    assert report.kept == {JAPAN: 1}
    async with app.database.transaction() as session:
        kept = await session.get(Training, JAPAN)
        assert kept is not None and kept.in_catalogue is False
        assert await session.get(Training, "korea-business-2027-02") is None
    assert len(await statuses(app)) == 1
