"""``/office/gaps``, drafts from staff answers: listed, added as an example question of an
entry (then answered), made into a new entry, rejected; no action without the CSRF token."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from bot.app import App
from bot.storage import KbDraft, OfficeAudit
from tests.conversation import Conversation
from tests.office.knowledge_support import form_fields
from tests.office.support import STAFF, office_client, sign_in

QUESTION = "Can I bring my dog to the consultation at the office?"
ANSWER = "Yes, dogs are welcome in our office.\nPlease tell us beforehand."

DOGS_EN = [
    "May my dog come along to the office?",
    "Are pets allowed at your office?",
    "Is my dog welcome at the appointment?",
    "Dogs allowed in the office?",
    "Can I take my puppy with me to the meeting?",
]
DOGS_DE = [
    "Darf ich meinen Hund mitbringen?",
    "Sind Hunde im Büro erlaubt?",
    "Darf mein Hund zum Termin mitkommen?",
    "Sind Haustiere bei euch erlaubt?",
    "Kann ich meinen Welpen zum Gespräch mitnehmen?",
    "Hunde im Büro erlaubt?",
]


async def draft_of(app: App, question: str = QUESTION, entry: str | None = "contact-office") -> int:
    """A draft as bot.leads.answers.answer leaves it for an answered question."""
    async with app.database.transaction() as session:
        row = KbDraft(question=question, answer=ANSWER, language="en", entry_id=entry)
        session.add(row)
        await session.flush()
        return row.id


async def state(app: App, draft_id: int) -> tuple[str, str | None, list[str]]:
    async with app.database.transaction() as session:
        row = await session.get(KbDraft, draft_id)
        assert row is not None
        audit = select(OfficeAudit.action).where(OfficeAudit.subject == f"kb_draft:{draft_id}")
        return row.status, row.result, list((await session.execute(audit)).scalars())


async def test_a_draft_is_listed_and_added_as_an_example_question_then_answered(
    make_app: Any, database_url: str
) -> None:
    app = await make_app(database_url=database_url, **STAFF)
    draft = await draft_of(app)
    async with office_client(app) as client:
        await sign_in(client, app)
        page = await (await client.get("/office/gaps")).text()
        section = re.search(
            rf'<section class="card draft" id="draft-{draft}"[^>]*>(.*?)</section>', page, re.S
        )
        assert section, page[-2000:]
        shown = section.group(1)
        title = app.services.knowledge.title("contact-office", "en")
        assert QUESTION in shown and "dogs are welcome" in shown and title in shown
        fields = form_fields(shown, f"draft-example-{draft}")
        assert re.search(r'<option value="contact-office" selected>', shown)
        fields["entry"] = "contact-office"
        response = await client.post(f"/office/gaps/drafts/{draft}/example", data=fields)
        assert response.url.path == "/office/gaps", await response.text()
        page = await response.text()
        assert 'id="added"' in page and f'id="draft-{draft}"' not in page
    assert await state(app, draft) == ("accepted", "contact-office", ["kb_draft_accepted"])
    entry = app.services.knowledge.get("contact-office")
    assert QUESTION in entry.text("en").questions
    chat = Conversation(app.assistant, channel="console", user="dora", locale="en")
    await chat.say(QUESTION)
    assert entry.text("en").title in chat.text


async def test_a_new_entry_from_a_draft_is_prefilled_and_accepts_it_when_saved(
    make_app: Any,
) -> None:
    app = await make_app(**STAFF)
    draft = await draft_of(app, entry=None)
    async with office_client(app) as client:
        await sign_in(client, app)
        page = await (await client.get("/office/gaps")).text()
        assert "no entry close" in page
        link = re.search(rf'href="([^"]+)" id="draft-new-{draft}"', page)
        assert link
        form = form_fields(await (await client.get(link.group(1))).text())
        assert form["en.questions"] == QUESTION
        assert form["en.answer"] == ANSWER
        assert form["de.answer"] == "" and form["draft"] == str(draft)
        assert (await state(app, draft))[0] == "open"  # opening the form decides nothing
        form |= {
            "id": "dogs-in-the-office",
            "topic": "contact",
            "en.title": "Dogs in the office",
            "de.title": "Hunde im Büro",
            "de.answer": "Ja, Hunde sind willkommen.",
        }
        refused = await client.post("/office/knowledge/new", data=form)
        assert refused.status == 400  # too few example questions: the draft stays open
        form = form_fields(await refused.text())
        assert form["draft"] == str(draft) and (await state(app, draft))[0] == "open"
        form |= {
            "en.questions": "\n".join([QUESTION, *DOGS_EN]),
            "en.keywords": "dog\npet",
            "de.questions": "\n".join(DOGS_DE),
            "de.keywords": "Hund\nHaustier",
            "sources": "Office rules | https://example.org/office",
        }
        response = await client.post("/office/knowledge/new", data=form)
        assert response.url.path == "/office/knowledge/dogs-in-the-office", await response.text()
    assert await state(app, draft) == ("accepted", "dogs-in-the-office", ["kb_draft_accepted"])
    assert app.services.knowledge.match(QUESTION).id == "dogs-in-the-office"


async def test_a_rejected_draft_goes_and_no_action_without_the_csrf_token(
    make_app: Any, database_url: str
) -> None:
    app = await make_app(database_url=database_url, **STAFF)
    draft = await draft_of(app)
    async with office_client(app) as client:
        csrf = await sign_in(client, app)
        for action, data in (("reject", {}), ("example", {"entry": "contact-office"})):
            refused = await client.post(f"/office/gaps/drafts/{draft}/{action}", data=data)
            assert refused.status == 403
        assert await state(app, draft) == ("open", None, [])
        response = await client.post(f"/office/gaps/drafts/{draft}/reject", data={"csrf": csrf})
        page = await response.text()
        assert 'id="draft-rejected"' in page and 'id="no-drafts"' in page
        again = await client.post(
            f"/office/gaps/drafts/{draft}/example", data={"csrf": csrf, "entry": "contact-office"}
        )
        assert again.url.path == "/office/gaps"
    assert await state(app, draft) == ("rejected", None, ["kb_draft_rejected"])
    assert QUESTION not in app.services.knowledge.get("contact-office").text("en").questions


async def test_german_staff_get_the_drafts_in_german(make_app: Any) -> None:
    app = await make_app(**{**STAFF, "staff_language": "de"})
    draft = await draft_of(app)
    async with office_client(app) as client:
        await sign_in(client, app)
        page = await (await client.get("/office/gaps")).text()
        assert "Entwürfe aus Antworten des Büros" in page and "Verwerfen" in page
        assert QUESTION in page
        form = await (await client.get(f"/office/knowledge/new?draft={draft}")).text()
        assert "Neuer Eintrag" in form and form_fields(form)["en.answer"] == ANSWER
