"""The office in a real browser (headless chromium), with the real Telegram channel (PTB on
the fake Bot API) beside it: sign in by the link from ``/office``, reuse refused, no page
without a session, a claim that reaches the member in Telegram, the CSV, the CSRF refusal."""

from __future__ import annotations

import csv
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from selenium.webdriver.common.by import By
from sqlalchemy import select

from bot.storage import Lead
from tests.channels.telegram_support import ALICE, TelegramRun, telegram_run
from tests.channels.test_telegram_scenarios import IDEA, STAFF_GROUP, deliver_outbox, walk
from tests.office.browser import PHONE, SCREENSHOTS, Browser, free_port, needs_chromium, serving

pytestmark = needs_chromium

SVEN = {"id": 4711, "is_bot": False, "first_name": "Sven", "language_code": "en"}
LINK = re.compile(r'href="(http://127\.0\.0\.1:\d+/office/signin/[^"]+)"')


@asynccontextmanager
async def office_with_telegram(make_app: Callable[..., Any]) -> AsyncIterator[TelegramRun]:
    """Telegram polling against the fake Bot API, and the HTTP server with the office."""
    port = free_port()
    async with (
        telegram_run(
            make_app,
            staff_telegram_chat_id=STAFF_GROUP,
            staff_telegram_ids="[4711]",
            staff_language="en",
            rate_limit_per_minute=1000,
            http_host="127.0.0.1",
            http_port=port,
        ) as run,
        serving(run.app, [run.channel], port),
    ):
        yield run


async def link_from_the_chat(run: TelegramRun) -> str:
    """Sven sends /office in his private chat; the link of the bot's answer."""
    [answer] = await run.say("/office", SVEN)
    assert answer.params["chat_id"] == SVEN["id"]
    found = LINK.search(str(answer.params["text"]))
    assert found, answer.params["text"]
    return found.group(1)


async def idea_and_signed_in(run: TelegramRun, browser: Browser) -> str:
    """Alice's idea is a lead and Sven is signed in; the office's base URL."""
    await walk(run, IDEA)
    await signed_in(browser, await link_from_the_chat(run))
    return f"http://127.0.0.1:{run.app.settings.http_port}"


async def signed_in(browser: Browser, link: str) -> None:
    await browser.open(link)
    assert "Sign in as Sven" in await browser.text("h1")
    await browser.click("#signin")
    assert await browser.path() == "/office/leads"


async def test_a_claim_in_the_browser_reaches_the_member_in_telegram(
    make_app: Callable[..., Any], browser: Browser
) -> None:
    async with office_with_telegram(make_app) as run:
        await walk(run, IDEA)
        assert await deliver_outbox(run) == 1  # the card in the staff group
        link = await link_from_the_chat(run)
        await signed_in(browser, link)
        assert "IDEA-2026-0001" in await browser.text("table.leads")
        await browser.click('a[href="/office/leads/IDEA-2026-0001"]')
        assert "Laser technology" in await browser.text()
        await browser.click("#verb-claim")
        assert await browser.path() == "/office/leads/IDEA-2026-0001"
        assert await browser.text("#status") == "Claimed"
        assert await browser.text("#assignee") == "Sven"

        assert await deliver_outbox(run) == 2  # the member's notice and the card's edit
        told = run.fake.texts(ALICE["id"])[-1]
        [edit] = run.fake.called("editMessageText")
        async with run.app.database.transaction() as session:
            lead = (await session.execute(select(Lead))).scalar_one()
    assert "IDEA-2026-0001" in told and "Sven" in told
    assert edit.params["chat_id"] == STAFF_GROUP and "claimed (Sven)" in edit.params["text"]
    assert lead.status == "claimed" and lead.assignee == "Sven"


async def test_an_answer_typed_in_the_office_reaches_the_member_in_telegram(
    make_app: Callable[..., Any], browser: Browser
) -> None:
    async with office_with_telegram(make_app) as run:
        await run.say("What is the minimum wage in Canada?")
        await run.press("Forward", chat_id=ALICE["id"])
        await deliver_outbox(run)  # the card in the staff group
        await signed_in(browser, await link_from_the_chat(run))
        await browser.click('a[href="/office/leads/Q-2026-0001"]')
        assert "Not answered yet." in await browser.text("#answers")
        field = await browser.run(browser.driver.find_element, By.ID, "answer-text")
        await browser.run(field.send_keys, "Each province sets it; <b>Ontario</b>: CAD 17.20.")
        await browser.click("#send-answer")
        assert await browser.path() == "/office/leads/Q-2026-0001#answers"
        assert "Each province sets it; <b>Ontario</b>" in await browser.text("#answers")
        assert await browser.text("#status") == "Answered"
        await deliver_outbox(run)
        told = run.fake.texts(ALICE["id"])[-1]
        edits = [call.params["text"] for call in run.fake.called("editMessageText")]
    assert "Q-2026-0001" in told and "&lt;b&gt;Ontario&lt;/b&gt;: CAD 17.20" in told
    assert any("Answered by Sven" in text for text in edits), edits


async def test_a_used_link_is_refused_and_no_page_shows_without_a_session(
    make_app: Callable[..., Any], browser: Browser
) -> None:
    async with office_with_telegram(make_app) as run:
        await walk(run, IDEA)
        base = f"http://127.0.0.1:{run.app.settings.http_port}"
        await browser.open(f"{base}/office/leads/IDEA-2026-0001")
        assert (await browser.path()).startswith("/office/signin?next=")
        assert "IDEA-2026" not in await browser.source()
        assert "/office" in await browser.text("main")

        link = await link_from_the_chat(run)
        await signed_in(browser, link)
        await browser.click("#signout")
        assert "signed out" in await browser.text("h1")
        await browser.open(f"{base}/office/leads")
        assert (await browser.path()).startswith("/office/signin")
        assert "IDEA-2026" not in await browser.source()

        await browser.open(link)
        assert "used already" in await browser.text("h1")
        assert "#signin" not in await browser.source() and 'id="signin"' not in (
            await browser.source()
        )
        await browser.open(f"{base}/office/leads")
        assert (await browser.path()).startswith("/office/signin")


async def test_the_csv_downloads_the_filtered_list(
    make_app: Callable[..., Any], browser: Browser
) -> None:
    async with office_with_telegram(make_app) as run:
        base = await idea_and_signed_in(run, browser)
        await browser.open(f"{base}/office/leads?region=japan")
        await browser.click("#csv", navigates=False)
        downloaded = await browser.downloaded(".csv")
    rows = list(csv.reader(downloaded.read_text(encoding="utf-8").splitlines()))
    assert rows[0][0] == "Reference" and [row[0] for row in rows[1:]] == ["IDEA-2026-0001"]
    assert "Japan" in rows[1]


async def test_a_form_without_its_csrf_token_is_refused_in_the_browser(
    make_app: Callable[..., Any], browser: Browser
) -> None:
    async with office_with_telegram(make_app) as run:
        base = await idea_and_signed_in(run, browser)
        await browser.open(f"{base}/office/leads/IDEA-2026-0001")
        await browser.script(
            "document.querySelectorAll('input[name=csrf]').forEach(i => i.value = 'forged')"
        )
        await browser.click("#verb-claim")
        assert "refused" in await browser.text("h1")
        async with run.app.database.transaction() as session:
            lead = (await session.execute(select(Lead))).scalar_one()
        assert lead.status == "new"
        await browser.open(f"{base}/office/leads/IDEA-2026-0001")
        await browser.click("#verb-claim")  # the page's own token still works
        assert await browser.text("#status") == "Claimed"


async def test_the_pages_fit_a_phone(make_app: Callable[..., Any], browser: Browser) -> None:
    """No page is wider than a phone's screen (the table turns into cards)."""
    async with office_with_telegram(make_app) as run:
        base = await idea_and_signed_in(run, browser)
        await browser.size(*PHONE)
        for path in ("/office/leads", "/office/leads/IDEA-2026-0001"):
            await browser.open(base + path)
            width = await browser.script("return document.documentElement.scrollWidth")
            viewport = await browser.script("return window.innerWidth")
            assert width <= viewport, (path, width, viewport)


__all__ = ["SCREENSHOTS"]
