"""The trainings section's changes over real HTTP: create and edit with the catalogue's
checks, close, cancel with a reason, announce, move a member, the exports, CSRF, history."""

from __future__ import annotations

import csv
import html
import io
import re
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bot.app import App
from bot.storage import Member, OfficeAudit, OutboxMessage, Registration, Training
from bot.trainings.registrations import Applicant, book
from tests.conversation import Conversation
from tests.office.support import STAFF, STAFF_ID, office_client, sign_in
from tests.trainings_catalogue import sync_catalogue

JAPAN = "japan-business-2027-01"  # 14 seats in the shipped catalogue
NEW = {
    "id": "laser-safety-2027-03",
    "topic": "funding",
    "title_de": "Laserschutz für Einsteiger",
    "title_en": "Laser safety for beginners",
    "description_de": "Ein Tag Laserschutz.",
    "description_en": "A day of laser safety.",
    "start": "2027-03-10T09:00",
    "end": "2027-03-10T16:00",
    "deadline": "2027-03-01T23:59",
    "timezone": "Europe/Berlin",
    "place": "Jena, Carl-Zeiss-Promenade 10",
    "language": "de",
    "seats": "2",
    "fee_member": "90",
    "fee_non_member": "120,50",
    "currency": "EUR",
    "cancellation_de": "",
    "cancellation_en": "",
}


@pytest.fixture
async def app(make_app: Any, database_url: str) -> App:
    return await make_app(**STAFF, database_url=database_url)


async def member_in_chat(app: App, user: str, *, announcements: bool = False) -> Conversation:
    """A member who wrote to the bot in the console (so the bot knows their chat)."""
    chat = Conversation(app.assistant, channel="console", user=user)
    await chat.say("/start")
    if announcements:
        async with app.database.transaction() as session:
            for member in (await session.execute(select(Member))).scalars():
                member.announcements = True
    return chat


async def book_people(app: App, training: str, names: list[str], member_id: int | None = None):  # type: ignore[no-untyped-def]
    async with app.database.transaction() as session:
        for name in names:
            applicant = Applicant(member_id, name, "Org", f"{name.lower()}@x.example", True, "en")
            await book(session, training, applicant, now=app.services.clock())


async def registrations(app: App, training: str) -> list[Registration]:
    async with app.database.transaction() as session:
        query = (
            select(Registration)
            .where(Registration.training_id == training)
            .order_by(Registration.position)
        )
        return list((await session.execute(query)).scalars())


async def outbox_kinds(app: App) -> list[str]:
    async with app.database.transaction() as session:
        return [row.kind for row in (await session.execute(select(OutboxMessage))).scalars()]


async def test_a_new_training_is_saved_shown_and_recorded(app: App) -> None:
    async with office_client(app) as client:
        token = await sign_in(client, app)
        form = await client.get("/office/trainings/new")
        assert form.status == 200 and 'name="title_de"' in await form.text()
        response = await client.post("/office/trainings/new", data={**NEW, "csrf": token})
        assert response.status == 200
        assert response.url.path == f"/office/trainings/{NEW['id']}"
        page = await response.text()
        listing = await (await client.get("/office/trainings")).text()
    assert "Laser safety for beginners" in page and "Saved." in page
    assert "Sven Berger" in page and "created the training" in page
    assert f'id="training-{NEW["id"]}"' in listing
    async with app.database.transaction() as session:
        training = await session.get(Training, NEW["id"])
        assert training is not None
        assert (training.origin, training.seats, training.fee_non_member) == ("office", 2, 120.5)
        assert training.starts_at.hour == 8  # 09:00 in Berlin is 08:00 UTC in March
        [audit] = (await session.execute(select(OfficeAudit))).scalars().all()[-1:]
    assert (audit.action, audit.staff, audit.subject) == (
        "training_created",
        f"telegram:{STAFF_ID}",
        f"training:{NEW['id']}",
    )


async def test_the_catalogues_checks_apply_next_to_the_field_and_nothing_is_saved(
    app: App,
) -> None:
    wrong = {
        **NEW,
        "id": "Laser Safety",
        "end": "2027-03-10T08:00",
        "seats": "many",
        "title_en": "",
        "currency": "euro",
    }
    async with office_client(app) as client:
        token = await sign_in(client, app)
        response = await client.post("/office/trainings/new", data={**wrong, "csrf": token})
        page = await response.text()
    assert response.status == 400
    assert "Nothing was saved" in page
    for field, words in (
        ("id", "lower-case words"),
        ("end", "end must be after start"),
        ("seats", "whole number"),
        ("title", "title is missing in en"),
        ("currency", "three-letter code"),
    ):
        found = re.search(rf'id="problem-{field}">([^<]*)<', page)
        assert found and words in found.group(1), (field, page[:0])
    assert 'value="Laserschutz für Einsteiger"' not in page  # a textarea, not an input
    assert "Laserschutz für Einsteiger</textarea>" in page  # what was typed is kept
    async with app.database.transaction() as session:
        assert await session.get(Training, "laser-safety") is None
        assert (await session.execute(select(Training))).first() is None


async def test_missing_fields_are_marked_required(app: App) -> None:
    async with office_client(app) as client:
        token = await sign_in(client, app)
        response = await client.post(
            "/office/trainings/new", data={**NEW, "place": "", "seats": "", "csrf": token}
        )
        page = await response.text()
    assert response.status == 400
    assert re.search(r'id="problem-place">Required\.<', page)
    assert re.search(r'id="problem-seats">Required\.<', page)


async def test_an_id_taken_already_is_refused(app: App) -> None:
    await sync_catalogue(app)
    async with office_client(app) as client:
        token = await sign_in(client, app)
        response = await client.post(
            "/office/trainings/new", data={**NEW, "id": JAPAN, "csrf": token}
        )
        page = await response.text()
    assert response.status == 400 and "exists already" in page


def form_values(form: str) -> dict[str, str]:
    """What the browser would send back of the edit form as it was served."""
    values = dict(re.findall(r'name="([a-z_]+)" type="[^"]+" value="([^"]*)"', form))
    values.update(re.findall(r'name="([a-z_]+)" rows="\d">([^<]*)<', form))
    values.update(
        re.findall(
            r'<select id="f-[a-z]+" name="([a-z]+)">.*?value="([a-z]+)" selected', form, re.S
        )
    )
    if 'name="online" id="f-online" checked' in form:
        values["online"] = "on"
    return {name: html.unescape(value) for name, value in values.items()}


async def test_new_dates_in_the_office_tell_the_registered(app: App) -> None:
    await sync_catalogue(app)
    await member_in_chat(app, "anna")
    await book_people(app, JAPAN, ["Anna"], member_id=1)
    async with office_client(app) as client:
        token = await sign_in(client, app)
        values = form_values(await (await client.get(f"/office/trainings/{JAPAN}/edit")).text())
        assert (values["topic"], values["language"]) == ("japan", "de")
        values.update(start="2027-01-13T09:00", end="2027-01-13T17:00", csrf=token)
        response = await client.post(f"/office/trainings/{JAPAN}/edit", data=values)
        page = await response.text()
    assert "edited the training: start, end" in page
    async with app.database.transaction() as session:
        query = select(OutboxMessage).where(OutboxMessage.kind == "training_moved")
        [told] = (await session.execute(query)).scalars().all()
        training = await session.get(Training, JAPAN)
    assert training is not None and training.starts_at.day == 13
    assert "13" in str(told.payload)


async def test_an_edit_with_more_seats_promotes_and_tells_the_waiting(app: App) -> None:
    await sync_catalogue(app)
    await member_in_chat(app, "anna")
    await book_people(app, JAPAN, [f"P{n}" for n in range(14)])
    await book_people(app, JAPAN, ["Anna"], member_id=1)
    async with office_client(app) as client:
        token = await sign_in(client, app)
        values = form_values(await (await client.get(f"/office/trainings/{JAPAN}/edit")).text())
        assert values["seats"] == "14"
        values.update(seats="15", csrf=token)
        response = await client.post(f"/office/trainings/{JAPAN}/edit", data=values)
        assert response.status == 200, await response.text()
        assert "edited the training: seats" in await response.text()
    anna = (await registrations(app, JAPAN))[-1]
    assert anna.status == "confirmed"
    assert "training_promoted" in await outbox_kinds(app)
    async with app.database.transaction() as session:
        training = await session.get(Training, JAPAN)
        assert training is not None and training.office_edited_at is not None
        assert training.seats == 15


async def test_close_then_cancel_with_a_reason_tells_everyone_once(app: App) -> None:
    await sync_catalogue(app)
    await member_in_chat(app, "anna")
    await book_people(app, JAPAN, ["Anna"], member_id=1)
    async with office_client(app) as client:
        token = await sign_in(client, app)
        closed = await client.post(f"/office/trainings/{JAPAN}/close", data={"csrf": token})
        assert "Registration is closed." in await closed.text()
        unconfirmed = await client.post(
            f"/office/trainings/{JAPAN}/cancel", data={"csrf": token, "reason": "Ill"}
        )
        assert unconfirmed.status == 400 and "tick the box" in await unconfirmed.text()
        data = {"csrf": token, "reason": "The trainer is ill.", "confirm": "yes"}
        cancelled = await client.post(f"/office/trainings/{JAPAN}/cancel", data=data)
        page = await cancelled.text()
        again = await client.post(f"/office/trainings/{JAPAN}/cancel", data=data)
        assert again.status == 400 and "nobody is told again" in await again.text()
    assert "is being told (1)" in page
    assert "closed registration" in page and "“The trainer is ill.”" in page
    async with app.database.transaction() as session:
        rows = (
            (
                await session.execute(
                    select(OutboxMessage).where(OutboxMessage.kind == "training_cancelled")
                )
            )
            .scalars()
            .all()
        )
    assert len(rows) == 1 and "The trainer is ill." in str(rows[0].payload)


async def test_announce_reaches_those_who_asked_and_only_once(app: App) -> None:
    await sync_catalogue(app)
    await member_in_chat(app, "anna", announcements=True)
    async with office_client(app) as client:
        token = await sign_in(client, app)
        first = await client.post(f"/office/trainings/{JAPAN}/announce", data={"csrf": token})
        assert "asked for it (1)" in await first.text()
        second = await client.post(f"/office/trainings/{JAPAN}/announce", data={"csrf": token})
        assert "asked for it" in await second.text()
    assert (await outbox_kinds(app)).count("training_announcement") == 1


async def test_move_between_seat_and_waiting_list_with_notices(app: App) -> None:
    await sync_catalogue(app)
    await member_in_chat(app, "anna")
    await book_people(app, JAPAN, [f"P{n}" for n in range(14)])
    await book_people(app, JAPAN, ["Anna"], member_id=1)
    anna = (await registrations(app, JAPAN))[-1]
    first = (await registrations(app, JAPAN))[0]
    async with office_client(app) as client:
        token = await sign_in(client, app)
        full = await client.post(
            f"/office/trainings/{JAPAN}/move", data={"csrf": token, "uid": anna.uid, "to": "seat"}
        )
        assert full.status == 400 and "Every seat is taken" in await full.text()
        await client.post(
            f"/office/trainings/{JAPAN}/move",
            data={"csrf": token, "uid": first.uid, "to": "waiting"},
        )
        moved = await client.post(
            f"/office/trainings/{JAPAN}/move", data={"csrf": token, "uid": anna.uid, "to": "seat"}
        )
        page = await moved.text()
    assert "gave a seat: Anna" in page and "moved to the waiting list: P0" in page
    statuses = {r.name: r.status for r in await registrations(app, JAPAN)}
    assert (statuses["Anna"], statuses["P0"]) == ("confirmed", "waiting")
    waiting = page.split('id="waiting"', 1)[1]
    assert "P0" in waiting and "Anna" not in waiting
    async with app.database.transaction() as session:
        rows = (await session.execute(select(OutboxMessage))).scalars().all()
    promoted = [row for row in rows if row.kind == "training_promoted"]
    assert len(promoted) == 1 and promoted[0].key.startswith(f"promoted:{anna.uid}")
    assert "moved up" in str(promoted[0].payload)  # the promotion's own words, with the .ics


async def test_attendees_export_csv_and_xlsx_formula_safe_in_order(app: App) -> None:
    await sync_catalogue(app)
    async with app.database.transaction() as session:
        await book(
            session,
            "korea-business-2027-02",
            Applicant(None, "Eve", '=HYPERLINK("http://evil")', "eve@x.example", False, "de"),
            now=app.services.clock(),
        )
    async with office_client(app) as client:
        await sign_in(client, app)
        response = await client.get("/office/trainings/korea-business-2027-02/attendees.csv")
        text = await response.text()
        workbook = await client.get("/office/trainings/korea-business-2027-02/attendees.xlsx")
        body = await workbook.read()
    assert response.status == 200 and "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["Status", "Waiting position", "Name"]
    assert rows[1][2:4] == ["Eve", '\'=HYPERLINK("http://evil")']
    sheet = load_workbook(io.BytesIO(body)).active
    assert sheet is not None and sheet["D2"].value == '\'=HYPERLINK("http://evil")'
    assert sheet["D2"].data_type == "s"


async def test_every_change_needs_the_csrf_token(app: App) -> None:
    await sync_catalogue(app)
    async with office_client(app) as client:
        await sign_in(client, app)
        for path, data in (
            ("/office/trainings/new", NEW),
            (f"/office/trainings/{JAPAN}/edit", NEW),
            (f"/office/trainings/{JAPAN}/close", {}),
            (f"/office/trainings/{JAPAN}/cancel", {"confirm": "yes"}),
            (f"/office/trainings/{JAPAN}/announce", {}),
            (f"/office/trainings/{JAPAN}/move", {"uid": "x", "to": "seat"}),
        ):
            response = await client.post(path, data={**data, "csrf": "0" * 32})
            assert response.status == 403, path
    async with app.database.transaction() as session:
        training = await session.get(Training, JAPAN)
        assert training is not None and training.status == "open"
        assert await session.get(Training, NEW["id"]) is None


async def test_an_unknown_training_is_not_found(app: App) -> None:
    async with office_client(app) as client:
        token = await sign_in(client, app)
        assert (await client.get("/office/trainings/nope")).status == 404
        response = await client.post("/office/trainings/nope/close", data={"csrf": token})
        assert response.status == 404


async def test_the_pages_speak_german_to_german_staff(make_app: Any) -> None:
    app = await make_app(**{**STAFF, "staff_language": "de"})
    await sync_catalogue(app)
    async with office_client(app) as client:
        token = await sign_in(client, app)
        page = await (await client.get(f"/office/trainings/{JAPAN}")).text()
        form = await (await client.get(f"/office/trainings/{JAPAN}/edit")).text()
        wrong = await client.post("/office/trainings/new", data={**NEW, "place": "", "csrf": token})
        wrong_page = await wrong.text()
        csv_text = await (await client.get(f"/office/trainings/{JAPAN}/attendees.csv")).text()
    assert "Teilnehmende" in page and "Training absagen" in page and "290,00" in page
    assert "Speichern" in form and 'value="14"' in form
    assert "Nichts wurde gespeichert" in wrong_page and "Pflichtfeld." in wrong_page
    assert csv_text.startswith("Status,Wartelistenplatz,Name")


async def test_a_member_moved_to_the_waiting_list_is_told(app: App) -> None:
    await sync_catalogue(app)
    await member_in_chat(app, "anna")
    await book_people(app, JAPAN, ["Anna"], member_id=1)
    [anna] = await registrations(app, JAPAN)
    async with office_client(app) as client:
        token = await sign_in(client, app)
        data = {"csrf": token, "uid": anna.uid, "to": "waiting"}
        page = await (await client.post(f"/office/trainings/{JAPAN}/move", data=data)).text()
    assert "Moved; the member is being told." in page
    assert "Anna" in page.split('id="waiting"', 1)[1]
    async with app.database.transaction() as session:
        query = select(OutboxMessage).where(OutboxMessage.kind == "training_waiting")
        [told] = (await session.execute(query)).scalars().all()
    assert "Back on the waiting list" in str(told.payload)


async def test_switching_language_on_a_problem_page_lands_on_the_training(app: App) -> None:
    await sync_catalogue(app)
    async with office_client(app) as client:
        token = await sign_in(client, app)
        refused = await client.post(f"/office/trainings/{JAPAN}/cancel", data={"csrf": token})
        assert refused.status == 400
        data = {"csrf": token, "language": "de", "next": f"/office/trainings/{JAPAN}/cancel"}
        response = await client.post("/office/language", data=data)
        page = await response.text()
    assert response.status == 200 and response.url.path == f"/office/trainings/{JAPAN}"
    assert "Training absagen" in page


async def test_a_german_staff_member_reads_the_catalogues_problem_in_german(
    make_app: Any,
) -> None:
    app = await make_app(**{**STAFF, "staff_language": "de"})
    async with office_client(app) as client:
        token = await sign_in(client, app)
        wrong = {**NEW, "end": "2027-03-10T08:00", "csrf": token}
        response = await client.post("/office/trainings/new", data=wrong)
        page = await response.text()
    problem = re.search(r'id="problem-end">([^<]*)<', page)
    assert response.status == 400 and problem
    assert problem.group(1) == "Das Ende muss nach dem Beginn liegen."
    async with app.database.transaction() as session:
        assert (await session.execute(select(Training))).first() is None
