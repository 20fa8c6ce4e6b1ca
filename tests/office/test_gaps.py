"""``/office/gaps``: unanswered questions grouped (German and English together), a wording
added as an example question and then answered, a new entry started from one, dismissal."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlparse

from bot.app import App
from tests.conversation import Conversation
from tests.office.knowledge_support import form_fields
from tests.office.support import STAFF, office_client, sign_in

WAGE = "What is the minimum wage in Canada?"
"""In the topics (a partner region) though no entry answers it; Mexico would be off topic."""


async def ask(app: App, user: str, text: str, locale: str = "en") -> Conversation:
    chat = Conversation(app.assistant, channel="console", user=user, locale=locale)
    await chat.say(text)
    return chat


async def test_a_gap_added_as_an_example_question_is_then_answered(make_app: Any) -> None:
    app = await make_app(**STAFF)
    first = await ask(app, "anna", WAGE)
    assert "Forward" in str([c.label for c in first.choices])  # the fallback
    await ask(app, "bob", WAGE)
    # in German, the member's chat English
    await ask(app, "carl", "Wie hoch ist eigentlich der Mindestlohn in Kanada?")
    async with office_client(app) as client:
        await sign_in(client, app)
        page = await (await client.get("/office/gaps")).text()
        section = re.search(r'<section class="card gap" id="gap-1">(.*?)</section>', page, re.S)
        assert section, page[:1000]
        assert WAGE in section.group(1) or "Mindestlohn" in section.group(1)
        assert re.search(r'class="count">3<', section.group(1)), section.group(1)  # de + en
        fields = form_fields(section.group(1), "add-example-1")
        wording, lang = fields["question"], fields["lang"]
        assert (wording, lang) == ("Wie hoch ist eigentlich der Mindestlohn in Kanada?", "de")
        fields["entry"] = "contact-office"
        response = await client.post("/office/gaps/example", data=fields)
        assert response.url.path == "/office/gaps", await response.text()
        assert 'id="added"' in await response.text()
    again = await ask(app, "dora", wording, lang)
    entry = app.services.knowledge.get("contact-office")
    assert wording in entry.text(lang).questions
    assert entry.text(lang).title in again.text


async def test_adding_a_wording_another_entry_has_is_refused(make_app: Any) -> None:
    app = await make_app(**STAFF)
    await ask(app, "anna", WAGE)
    async with office_client(app) as client:
        csrf = await sign_in(client, app)
        taken = app.services.knowledge.get("funding-zim").text("en").questions[0]
        response = await client.post(
            "/office/gaps/example",
            data={"csrf": csrf, "question": taken, "lang": "en", "entry": "contact-office"},
        )
        page = await response.text()
    assert response.status == 400 and 'id="refused"' in page and "funding-zim" in page
    assert taken not in app.services.knowledge.get("contact-office").text("en").questions


async def test_a_new_entry_starts_from_the_wording_and_a_dismissed_gap_goes(
    make_app: Any,
) -> None:
    app = await make_app(**STAFF)
    await ask(app, "anna", WAGE)
    async with office_client(app) as client:
        await sign_in(client, app)
        page = await (await client.get("/office/gaps")).text()
        link = re.search(r'href="([^"]+)" id="new-1"', page)
        assert link
        target = link.group(1).replace("&amp;", "&")
        assert parse_qs(urlparse(target).query) == {"question": [WAGE], "lang": ["en"]}
        new = form_fields(await (await client.get(target)).text())
        assert new["en.questions"] == WAGE
        dismiss = form_fields(page, "dismiss-form-1")
        response = await client.post("/office/gaps/dismiss", data=dismiss)
        assert 'id="no-gaps"' in await response.text()


async def test_a_question_of_an_evaluation_set_does_not_become_an_example(
    make_app: Any,
) -> None:
    """Members asking a held-out test question must not turn the test into a memory test."""
    app = await make_app(**STAFF)
    held_out = "funding landscape for cross-border research"  # tests/knowledge/test_set.yaml
    async with office_client(app) as client:
        csrf = await sign_in(client, app)
        response = await client.post(
            "/office/gaps/example",
            data={"csrf": csrf, "question": held_out, "lang": "en", "entry": "funding-overview"},
        )
        page = await response.text()
    assert response.status == 400 and "evaluation question" in page
    assert held_out not in app.services.knowledge.get("funding-overview").text("en").questions
