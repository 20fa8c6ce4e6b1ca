"""``/office/``: the figures of the last weeks, as SVG charts with their numbers as text."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import bot.office
from bot.app import App
from bot.storage import QuestionLog
from tests.office.support import STAFF, office_client, sign_in, submit_idea
from tests.office.test_leads import move
from tests.office.test_trainings import JAPAN, fill
from tests.trainings_catalogue import sync_catalogue


@pytest.fixture
async def app(make_app: Any, database_url: str) -> App:
    return await make_app(**STAFF, database_url=database_url)


async def questions(app: App, weeks_ago: int, **counts: int) -> None:
    """Logged questions as the FAQ handler logs them, ``weeks_ago`` weeks back."""
    at = app.services.clock() - timedelta(weeks=weeks_ago)
    async with app.database.transaction() as session:
        for outcome, n in counts.items():
            decision, forwarded, feedback = {
                "answered": ("answer", False, None),
                "liked": ("answer", False, 1),
                "disliked": ("answer", False, -1),
                "clarified": ("clarify", False, None),
                "forwarded": ("fallback", True, None),
                "off_topic": ("off_topic", False, None),
                "old": ("answer", False, None),
            }[outcome]
            for _ in range(n):
                session.add(
                    QuestionLog(
                        channel="console",
                        language="en",
                        text="q",
                        decision=decision,
                        forwarded=forwarded,
                        feedback=feedback,
                        created_at=at,
                    )
                )


def numbers(page: str, key: str) -> str:
    """The chart's section: its SVG and its table of numbers."""
    section = rf'<section class="card figure" id="figure-{key}">(.*?)</section>'
    found = re.search(section, page, re.S)
    assert found, key
    return found.group(1)


def row(section: str, label: str) -> list[str]:
    found = re.search(rf"<tr><th scope=\"row\">{re.escape(label)}</th>(.*?)</tr>", section)
    assert found, label
    return re.findall(r'<td class="number">([^<]*)</td>', found.group(1))


async def seeded(app: App) -> None:
    await questions(app, 0, answered=3, liked=2, disliked=1, clarified=2, forwarded=1)
    await questions(app, 2, answered=4, off_topic=5)
    await questions(app, 12, old=7)  # before the window: not counted
    await submit_idea(app, "anna")  # laser, Japan
    app.services.clock.advance(hours=3)
    await move(app, "IDEA-2026-0001", "claimed", by="Sven")
    await submit_idea(
        app,
        "ben",
        field="f:field:pick:sensors",
        regions=["f:regions:tick:quebec", "f:regions:tick:japan", "f:regions:done"],
    )
    await sync_catalogue(app)
    await fill(app, JAPAN, 5)


async def test_the_figures_show_the_seeded_counts_in_svg_and_text(app: App) -> None:
    await seeded(app)
    async with office_client(app) as client:
        await sign_in(client, app)
        response = await client.get("/office/")
        page = await response.text()
    assert response.status == 200
    assert "The last 8 weeks: 18 questions, 2 leads (1 not claimed yet)." in page
    asked = numbers(page, "questions")
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in asked and 'role="img"' in asked
    assert "<title id=" in asked and "<desc id=" in asked
    # answered, clarified, forwarded, off-topic, not answered, total
    assert row(asked, "23 Nov") == ["6", "2", "1", "0", "0", "9"]
    assert row(asked, "9 Nov") == ["4", "0", "0", "5", "0", "9"]
    assert row(asked, "16 Nov") == ["0", "0", "0", "0", "0", "0"]
    assert "23 Nov · answered: 6</title>" in asked
    assert row(numbers(page, "feedback"), "23 Nov") == ["2", "1", "3"]
    regions = numbers(page, "regions")
    assert row(regions, "Japan") == ["2"] and row(regions, "Canada (Québec)") == ["1"]
    fields = numbers(page, "fields")
    assert row(fields, "Laser technology") == ["1"] and row(fields, "Sensor technology") == ["1"]
    assert row(numbers(page, "leads"), "23 Nov") == ["1", "1", "2"]
    claim = numbers(page, "claim")
    assert row(claim, "23 Nov") == ["3"] and row(claim, "16 Nov") == ["–"]
    seats = numbers(page, "seats")
    assert re.search(r"<td class=\"number\">5 / 14</td>", seats)
    assert ">5 / 14</text>" in seats
    assert "http" not in page.replace("http://www.w3.org/2000/svg", "")


async def test_an_empty_office_says_so_and_german_has_its_words(make_app: Any) -> None:
    app = await make_app(**{**STAFF, "staff_language": "de"})
    async with office_client(app) as client:
        await sign_in(client, app)
        page = await (await client.get("/office/")).text()
    assert "Kennzahlen" in page and "Die letzten 8 Wochen: 0 Fragen, 0 Leads" in page
    assert "Keine Daten in diesen Wochen." in page


async def test_the_figures_need_a_session_and_office_leads_there(app: App) -> None:
    async with office_client(app) as client:
        response = await client.get("/office/", allow_redirects=False)
        assert response.status == 303 and "/office/signin" in response.headers["Location"]
        response = await client.get("/office", allow_redirects=False)
        assert response.headers["Location"] == "/office/"


async def test_htmx_comes_from_the_office_itself_under_its_csp(app: App) -> None:
    """The vendored htmx (README: version and sha256) is the only script, served by us."""
    vendored = Path(bot.office.__file__).parent / "static" / "htmx.min.js"
    async with office_client(app) as client:
        await sign_in(client, app)
        response = await client.get("/office/leads")
        page = await response.text()
        script = await client.get("/office/static/htmx.min.js")
        body = await script.read()
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "default-src 'none'" in policy
    assert re.findall(r"<script[^>]*>", page) == ['<script src="/office/static/htmx.min.js" defer>']
    assert 'hx-get="/office/leads"' in page and 'method="get" action="/office/leads"' in page
    assert script.status == 200 and body == vendored.read_bytes()
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    assert hashlib.sha256(body).hexdigest() in readme
