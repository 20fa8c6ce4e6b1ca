"""A press of a card's button in the staff chat is in the lead's history in the office, as
a press in the office is: who, what, when and where it was pressed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot.server import http_app
from bot.storage import Lead, OfficeAudit
from tests.channels.telegram_support import telegram_run
from tests.channels.test_telegram_scenarios import IDEA, STAFF, SVEN, deliver_outbox, walk
from tests.office.support import csrf_of, new_link


async def test_a_claim_in_telegram_and_a_close_in_the_office_are_both_in_the_history(
    make_app: Callable[..., Any],
) -> None:
    async with telegram_run(make_app, **STAFF, staff_language="en") as run:
        await walk(run, IDEA)
        assert await deliver_outbox(run) == 1
        async with run.app.database.transaction() as session:
            ref = (await session.execute(select(Lead.ref))).scalar_one()
        await run.press(f"lead:claim:{ref}", SVEN, chat_id=STAFF["staff_telegram_chat_id"])
        await run.press(f"lead:claim:{ref}", SVEN, chat_id=STAFF["staff_telegram_chat_id"])
        async with TestClient(TestServer(http_app(run.app, []))) as client:
            link = await new_link(run.app)
            signed = await client.post("/office/signin", data={"token": link.rsplit("/", 1)[1]})
            page = await (await client.get(f"/office/leads/{ref}")).text()
            await client.post(
                f"/office/leads/{ref}/status", data={"csrf": csrf_of(page), "verb": "close"}
            )
            page = await (await client.get(f"/office/leads/{ref}")).text()
        assert signed.status == 200
        async with run.app.database.transaction() as session:
            changes = (
                (await session.execute(select(OfficeAudit).where(OfficeAudit.subject.isnot(None))))
                .scalars()
                .all()
            )
    pressed, closed = changes  # the second press changed nothing: no second entry
    assert (pressed.staff, pressed.name) == ("telegram:4711", "Sven")
    assert pressed.action == "lead_claimed"
    assert pressed.details == {"before": "new", "after": "claimed", "via": "telegram"}
    assert (closed.action, closed.details["via"]) == ("lead_closed", "office")
    assert "Sven (telegram:4711) claimed the lead in Telegram</li>" in page
    assert "(telegram:4711) closed the lead in the office</li>" in page
