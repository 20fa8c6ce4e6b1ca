"""Issue 30 with issue 29: a forwarded question answered from its page in the office.

The answer takes the path of a reply to the card in a staff chat: the member's message in
the outbox under the answer's key, the lead ``answered``, the cards redrawn, a draft for
the knowledge base, and the office's record. A form the browser sends twice is one answer.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import App
from bot.storage import KbDraft, Lead, LeadAnswer, OfficeAudit, OutboxMessage
from tests.conversation import Conversation
from tests.office.support import STAFF, STAFF_ID, csrf_of, office_client, sign_in, submit_idea

NONCE = re.compile(r'name="nonce" value="([^"]+)"')


@pytest.fixture
async def app(make_app: Any, database_url: str) -> App:
    chats = {"staff_telegram_chat_id": -1001000000099, "staff_slack_channel": "C0STAFF"}
    return await make_app(**STAFF, **chats, database_url=database_url)


async def forward(app: App) -> Conversation:
    chat = Conversation(app.assistant, channel="console", user="carla", locale="en")
    await chat.say("Can the office tell us the customs duty on lenses shipped to Mexico?")
    await chat.press("Forward")
    return chat


async def outbox(app: App) -> list[OutboxMessage]:
    async with app.database.transaction() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        return list((await session.execute(query)).scalars())


async def test_an_answer_from_the_office_reaches_the_member_once(app: App) -> None:
    await forward(app)
    async with office_client(app) as client:
        await sign_in(client, app)
        page = await (await client.get("/office/leads/Q-2026-0001")).text()
        assert "Not answered yet." in page
        nonce = NONCE.search(page)
        assert nonce is not None
        form = {"csrf": csrf_of(page), "nonce": nonce.group(1)}
        form["text"] = "25 Nm, <b>crosswise</b> & <!channel>"
        sent = await client.post("/office/leads/Q-2026-0001/answer", data=form)
        again = await client.post("/office/leads/Q-2026-0001/answer", data=form)  # resent
        shown = await sent.text()
    assert sent.status == 200 and sent.url.path == "/office/leads/Q-2026-0001"
    assert again.status == 200
    assert "25 Nm, &lt;b&gt;crosswise&lt;/b&gt; &amp; &lt;!channel&gt;" in shown  # literally
    assert "Sven Berger" in shown and "answered the member" in shown
    async with app.database.transaction() as session:
        lead = (await session.execute(select(Lead))).scalar_one()
        answers = (await session.execute(select(LeadAnswer))).scalars().all()
        drafts = (await session.execute(select(KbDraft))).scalars().all()
        audit = (
            (await session.execute(select(OfficeAudit).where(OfficeAudit.action != "signed_in")))
            .scalars()
            .all()
        )
    assert lead.status == "answered" and lead.answered_by == "Sven Berger"
    [stored] = answers
    assert (stored.kind, stored.staff, stored.text) == (
        "answer",
        f"telegram:{STAFF_ID}",
        "25 Nm, <b>crosswise</b> & <!channel>",
    )
    [draft] = drafts
    assert draft.answer == stored.text and "customs duty" in draft.question
    assert [(a.action, a.details) for a in audit] == [("lead_answered", {"via": "office"})]
    rows = await outbox(app)
    to_member = [row for row in rows if row.key.endswith(":member") and ":answer:" in row.key]
    assert [row.key for row in to_member] == [f"lead:Q-2026-0001:answer:{stored.id}:member"]
    redrawn = sorted(row.target for row in rows if row.kind == "lead_card")
    assert redrawn == ["slack", "telegram"]  # both staff chats show "answered by"


async def test_an_empty_answer_a_stale_form_and_an_idea_are_refused(app: App) -> None:
    await forward(app)
    await submit_idea(app, "anna")
    async with office_client(app) as client:
        csrf = await sign_in(client, app)
        empty = await client.post(
            "/office/leads/Q-2026-0001/answer", data={"csrf": csrf, "nonce": "n1", "text": " "}
        )
        stale = await client.post(
            "/office/leads/Q-2026-0001/answer", data={"csrf": csrf, "text": "25 Nm"}
        )
        idea = await client.post(
            "/office/leads/IDEA-2026-0001/answer",
            data={"csrf": csrf, "nonce": "n2", "text": "Hello"},
        )
        forged = await client.post(
            "/office/leads/Q-2026-0001/answer", data={"nonce": "n3", "text": "25 Nm"}
        )
        idea_page, empty_page, stale_page = [await r.text() for r in (idea, empty, stale)]
    assert empty.status == 400 and "The answer is empty" in empty_page
    assert stale.status == 400 and "out of date" in stale_page
    assert idea.status == 400 and "Only a forwarded question" in idea_page
    assert 'id="answers"' not in idea_page  # an idea's page has no answer form
    assert forged.status == 403
    async with app.database.transaction() as session:
        assert (await session.execute(select(LeadAnswer))).scalars().all() == []


async def test_the_answer_form_speaks_german(make_app: Any) -> None:
    app = await make_app(**{**STAFF, "staff_language": "de"})
    await forward(app)
    async with office_client(app) as client:
        await sign_in(client, app)
        page = await (await client.get("/office/leads/Q-2026-0001")).text()
    assert "Antwort an das Mitglied" in page and "Noch nicht beantwortet." in page
