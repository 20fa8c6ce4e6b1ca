"""The leads pages: list, filters, search, a lead in words, the buttons, notes, CSV."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

import openpyxl
import pytest
from sqlalchemy import select

from bot.app import App
from bot.csv_export import safe_cell
from bot.leads.records import find_lead, set_status
from bot.storage import Lead, LeadNote, OfficeAudit, OutboxMessage
from bot.xlsx_export import XLSX_TYPE
from tests.conversation import Conversation
from tests.office.support import STAFF, STAFF_ID, office_client, sign_in, submit_idea

STAFF_CHATS = {
    **STAFF,
    "staff_telegram_chat_id": -1001000000099,
    "staff_slack_channel": "C0STAFF",
}


@pytest.fixture
async def app(make_app: Any, database_url: str) -> App:
    """On every backend of the run, as the chat buttons are."""
    return await make_app(**STAFF_CHATS, database_url=database_url)


async def two_leads(app: App) -> None:
    await submit_idea(app, "anna")
    await submit_idea(
        app,
        "ben",
        title="Fibre sensors <script>x</script> for bridges",
        field="f:field:pick:sensors",
        regions=["f:regions:tick:quebec", "f:regions:done"],
        organisation='=HYPERLINK("http://evil")',
        contact_name="Ben Nguyen",
        email="ben@fibre.example",
    )


async def move(app: App, ref: str, status: str, *, by: str) -> None:
    """What a press in a staff chat does to the lead."""
    async with app.database.transaction() as session:
        lead = await find_lead(session, ref)
        assert lead is not None
        await set_status(session, app.services, lead, status, by=by)


async def test_the_list_shows_every_lead_newest_first_in_words(app: App) -> None:
    await two_leads(app)
    async with office_client(app) as client:
        await sign_in(client, app)
        page = await (await client.get("/office/leads")).text()
    assert page.index("IDEA-2026-0002") < page.index("IDEA-2026-0001")
    for shown in (
        "Ultrashort-pulse laser for glass drilling",
        "Anna Schmidt",
        "Photon GmbH",
        "Japan",
        "Laser technology",
        "Canada (Québec)",
        "Sensor technology",
        "Project idea",
        "New",
    ):
        assert shown in page, shown
    assert "f:field" not in page and ">laser<" not in page and ">quebec<" not in page
    assert "<script>" not in page and "&lt;script&gt;x&lt;/script&gt;" in page


async def test_filters_and_search_narrow_the_list(app: App) -> None:
    await two_leads(app)
    await move(app, "IDEA-2026-0001", "claimed", by="Sven")
    async with office_client(app) as client:
        await sign_in(client, app)

        async def refs(**query: str) -> list[str]:
            page = await (await client.get("/office/leads", params=query)).text()
            return [r for r in ("IDEA-2026-0001", "IDEA-2026-0002") if f">{r}<" in page]

        assert await refs() == ["IDEA-2026-0001", "IDEA-2026-0002"]
        assert await refs(status="claimed") == ["IDEA-2026-0001"]
        assert await refs(status="new") == ["IDEA-2026-0002"]
        assert await refs(region="quebec") == ["IDEA-2026-0002"]
        assert await refs(region="japan") == ["IDEA-2026-0001"]
        assert await refs(field="laser") == ["IDEA-2026-0001"]
        assert await refs(kind="question") == []
        assert await refs(kind="idea", q="bridges") == ["IDEA-2026-0002"]
        assert await refs(q="photon gmbh") == ["IDEA-2026-0001"]
        assert await refs(q="sven") == ["IDEA-2026-0001"]  # the assignee
        assert await refs(status="nonsense") == ["IDEA-2026-0001", "IDEA-2026-0002"]


async def test_a_lead_page_shows_every_field_in_words_and_the_consent_time(app: App) -> None:
    await submit_idea(app, "anna")
    async with office_client(app) as client:
        await sign_in(client, app)
        page = await (await client.get("/office/leads/idea-2026-0001")).text()
        missing = await client.get("/office/leads/IDEA-2099-0001")
        assert missing.status == 404
    for shown in (
        "Technology field",
        "Laser technology",
        "Partner region(s)",
        "Partner sought",
        "Research",
        "Stage",
        "Prototype",
        "Next year",
        "anna@photon.example",
        "mailto:anna@photon.example",
        "Consent",
        "Tuesday, 24 November 2026, 10:00",  # the test clock's 09:00 UTC, in Jena
    ):
        assert shown in page, shown
    assert "next_year" not in page and "prototype<" not in page


async def test_claim_in_the_office_tells_the_member_and_changes_the_staff_cards(
    app: App,
) -> None:
    await submit_idea(app, "anna")
    async with office_client(app) as client:
        csrf = await sign_in(client, app)
        claimed = await client.post(
            "/office/leads/IDEA-2026-0001/status", data={"csrf": csrf, "verb": "claim"}
        )
        page = await claimed.text()
        assert claimed.status == 200 and claimed.url.path == "/office/leads/IDEA-2026-0001"
        assert "Claimed" in page and "Sven Berger" in page
    async with app.database.transaction() as session:
        lead = (await session.execute(select(Lead))).scalar_one()
        rows = (await session.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars()
        outbox = [(row.target, row.kind, row.key) for row in rows]
        audit = (
            (await session.execute(select(OfficeAudit).where(OfficeAudit.action != "signed_in")))
            .scalars()
            .all()
        )
    assert lead.status == "claimed" and lead.assignee == "Sven Berger"
    assert lead.assignee_id == f"telegram:{STAFF_ID}"  # the same id a chat button stores
    member_notes = [row for row in outbox if row[0] == "member"]
    assert [kind for _, kind, _ in member_notes] == ["lead_claimed"]
    edits = sorted(target for target, kind, _ in outbox if kind == "lead_card")
    assert edits == ["slack", "telegram"]  # no chat had the button pressed: both cards
    [change] = audit
    assert (change.staff, change.name, change.action, change.subject) == (
        f"telegram:{STAFF_ID}",
        "Sven Berger",
        "lead_claimed",
        "lead:IDEA-2026-0001",
    )
    assert change.details == {"before": "new", "after": "claimed", "via": "office"}


async def test_the_office_follows_the_chat_buttons_rules(app: App) -> None:
    await submit_idea(app, "anna")
    await move(app, "IDEA-2026-0001", "claimed", by="Maria")
    async with office_client(app) as client:
        csrf = await sign_in(client, app)
        taken = await client.post(
            "/office/leads/IDEA-2026-0001/status", data={"csrf": csrf, "verb": "claim"}
        )
        assert taken.status == 400 and "claimed this lead already" in await taken.text()
        closed = await client.post(
            "/office/leads/IDEA-2026-0001/status", data={"csrf": csrf, "verb": "close"}
        )
        assert closed.status == 200
        back = await client.post(
            "/office/leads/IDEA-2026-0001/status", data={"csrf": csrf, "verb": "contacted"}
        )
        assert back.status == 400 and "cannot go back" in await back.text()
        nonsense = await client.post(
            "/office/leads/IDEA-2026-0001/status", data={"csrf": csrf, "verb": "delete"}
        )
        assert nonsense.status == 400
        without = await client.post("/office/leads/IDEA-2026-0001/status", data={"verb": "close"})
        assert without.status == 403
    async with app.database.transaction() as session:
        lead = await find_lead(session, "IDEA-2026-0001")
    assert lead is not None and lead.status == "closed" and lead.assignee == "Maria"


async def test_internal_notes_are_kept_with_who_wrote_them(app: App) -> None:
    await submit_idea(app, "anna")
    async with office_client(app) as client:
        csrf = await sign_in(client, app)
        empty = await client.post(
            "/office/leads/IDEA-2026-0001/notes", data={"csrf": csrf, "text": "  "}
        )
        assert empty.status == 400
        added = await client.post(
            "/office/leads/IDEA-2026-0001/notes",
            data={"csrf": csrf, "text": "Called Anna <b>today</b>;\nsends slides."},
        )
        page = await added.text()
    assert "Called Anna &lt;b&gt;today&lt;/b&gt;" in page and "Sven Berger" in page
    async with app.database.transaction() as session:
        [note] = (await session.execute(select(LeadNote))).scalars().all()
        actions = (await session.execute(select(OfficeAudit.action))).scalars().all()
    assert note.staff == f"telegram:{STAFF_ID}" and note.text.endswith("sends slides.")
    assert "lead_note" in actions


async def test_the_csv_is_the_filtered_list_and_formula_safe(app: App) -> None:
    await two_leads(app)
    async with office_client(app) as client:
        await sign_in(client, app)
        response = await client.get("/office/leads.csv", params={"region": "quebec"})
        body = await response.text()
        everything = await (await client.get("/office/leads.csv")).text()
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][:3] == ["Reference", "Kind", "Title"]
    [row] = rows[1:]
    assert row[0] == "IDEA-2026-0002" and row[1] == "Project idea"
    assert row[4] == '\'=HYPERLINK("http://evil")'
    assert "Canada (Québec)" in row
    assert len(list(csv.reader(io.StringIO(everything)))) == 3


async def test_the_xlsx_is_the_same_filtered_list_with_a_date_cell(app: App) -> None:
    await two_leads(app)
    async with office_client(app) as client:
        await sign_in(client, app)
        page = await (await client.get("/office/leads", params={"region": "quebec"})).text()
        response = await client.get("/office/leads.xlsx", params={"region": "quebec"})
        body = await response.read()
        everything = await (await client.get("/office/leads.xlsx")).read()
    assert 'href="/office/leads.xlsx?region=quebec"' in page
    assert response.headers["Content-Type"] == XLSX_TYPE
    assert 'filename="leads-' in response.headers["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Reference", "Kind", "Title")
    [row] = rows[1:]
    assert row[0] == "IDEA-2026-0002" and row[1] == "Project idea"
    assert row[4] == '\'=HYPERLINK("http://evil")'
    assert "Canada (Québec)" in row
    assert isinstance(row[-1], datetime)
    assert len(list(openpyxl.load_workbook(io.BytesIO(everything)).active.iter_rows())) == 3


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+49 3641 123", "'+49 3641 123"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Photon GmbH", "Photon GmbH"),
        ("a=b", "a=b"),
        ("", ""),
        (None, None),
        (-3, -3),  # a number is no formula
    ],
)
def test_formula_safe_quotes_only_what_a_spreadsheet_would_calculate(
    cell: str | int | None, safe: str | int | None
) -> None:
    assert safe_cell(cell) == safe


async def test_the_pages_follow_the_language_switch(app: App) -> None:
    await submit_idea(app, "anna")
    async with office_client(app) as client:
        csrf = await sign_in(client, app)
        await client.post("/office/language", data={"csrf": csrf, "language": "de"})
        listing = await (await client.get("/office/leads")).text()
        page = await (await client.get("/office/leads/IDEA-2026-0001")).text()
    assert "Projektidee" in listing and "Lasertechnik" in listing and "Neu" in listing
    assert "Technologiefeld" in page or "Fachgebiet" in page
    assert "Übernehmen" in page and "Interne Notizen" in page


async def test_the_board_puts_each_lead_in_its_status_column(app: App) -> None:
    await two_leads(app)
    await move(app, "IDEA-2026-0001", "contacted", by="Sven")
    async with office_client(app) as client:
        await sign_in(client, app)
        page = await (await client.get("/office/leads", params={"view": "board"})).text()
        filtered = await (
            await client.get("/office/leads", params={"view": "board", "region": "quebec"})
        ).text()

    def column(html: str, status: str) -> str:
        return html.split(f'id="column-{status}"', 1)[1].split("</section>", 1)[0]

    assert "IDEA-2026-0002" in column(page, "new") and "IDEA-2026-0001" not in column(page, "new")
    assert "IDEA-2026-0001" in column(page, "contacted")
    assert "IDEA-2026-0001" not in filtered and 'name="view" value="board"' in filtered


async def test_a_forwarded_question_shows_its_text_not_the_assistants_internals(
    app: App,
) -> None:
    chat = Conversation(app.assistant, channel="console", user="carla", locale="en")
    await chat.say("Can the office tell us the customs duty on lenses shipped to Mexico?")
    await chat.press("Forward")
    async with office_client(app) as client:
        await sign_in(client, app)
        listing = await (await client.get("/office/leads", params={"kind": "question"})).text()
        page = await (await client.get("/office/leads/Q-2026-0001")).text()
    assert "Q-2026-0001" in listing and "customs duty" in listing and "Question" in listing
    assert "customs duty on lenses" in page and "fallback" not in page
