"""The office over real HTTP: an App with staff, a test client, signing in by link, leads."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from bot.app import App
from bot.office.links import sign_in_link
from bot.office.staff import StaffMember
from bot.server import http_app
from tests.conversation import Conversation
from tests.handlers.test_ideas import fill_idea

STAFF_ID = "4711"
STAFF = {
    "staff_telegram_ids": f"[{STAFF_ID}]",
    "rate_limit_per_minute": 1000,  # a whole form is faster than a person types
    "staff_language": "en",
}
SVEN = StaffMember("telegram", STAFF_ID, "Sven Berger")
CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')


@asynccontextmanager
async def office_client(app: App) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(http_app(app, []))) as client:
        yield client


async def new_link(app: App, staff: StaffMember = SVEN) -> str:
    """A sign-in link as ``/office`` gives it; the path part (the test server's own host)."""
    async with app.database.transaction() as session:
        url = await sign_in_link(session, app.services, staff)
    return "/office/" + url.split("/office/", 1)[1]


async def sign_in(client: TestClient, app: App) -> str:
    """Open a fresh link and press its button; the CSRF token of the first page."""
    link = await new_link(app)
    token = link.rsplit("/", 1)[1]
    response = await client.post("/office/signin", data={"token": token})
    assert response.status == 200 and response.url.path == "/office/leads", response.url
    return csrf_of(await response.text())


def csrf_of(page: str) -> str:
    found = CSRF.search(page)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


async def submit_idea(app: App, user: str = "anna", **answers: Any) -> None:
    """A member's whole idea dialogue in the console: a real lead with its outbox rows."""
    chat = Conversation(app.assistant, channel="console", user=user)
    await fill_idea(chat, **answers)
    await chat.press("f:_sum:ok")
