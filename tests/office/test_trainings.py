"""``/office/trainings``: the catalogue with seats taken, free and the waiting list."""

from __future__ import annotations

import re
from typing import Any

from bot.app import App
from bot.trainings.registrations import Applicant, book
from tests.office.support import STAFF, office_client, sign_in
from tests.trainings_catalogue import sync_catalogue

JAPAN = "japan-business-2027-01"  # 14 seats in the shipped catalogue


async def fill(app: App, training: str, people: int) -> None:
    async with app.database.transaction() as session:
        for n in range(people):
            applicant = Applicant(None, f"P{n}", "Org", f"p{n}@x.example", True, "en")
            await book(session, training, applicant, now=app.services.clock())


def cell(page: str, training: str, name: str) -> str:
    row = re.search(rf'<tr id="training-{training}">(.*?)</tr>', page, re.S)
    assert row, training
    found = re.search(rf'class="number {name}">(\d+)<', row.group(1))
    assert found, name
    return found.group(1)


async def test_the_list_shows_seats_taken_free_and_waiting(make_app: Any) -> None:
    app = await make_app(**STAFF)
    await sync_catalogue(app)
    await fill(app, JAPAN, 16)
    async with office_client(app) as client:
        await sign_in(client, app)
        page = await (await client.get("/office/trainings")).text()
    assert "Intercultural" in page or "Japan" in page
    assert (cell(page, JAPAN, "taken"), cell(page, JAPAN, "free")) == ("14", "0")
    assert cell(page, JAPAN, "waiting") == "2"
    assert cell(page, "korea-business-2027-02", "free") == "20"


async def test_the_trainings_page_needs_a_session(make_app: Any) -> None:
    app = await make_app(**STAFF)
    async with office_client(app) as client:
        response = await client.get("/office/trainings", allow_redirects=False)
    assert response.status == 303
