"""The knowledge pages in a real browser (headless chromium) beside the real Telegram channel:
an edit answered in Telegram without a restart (with the live preview), an invalid edit
refused by its field, a restore, a gap and a draft from a staff answer turned into example
questions and then answered, and the zip export that ``optobot kb check`` loads."""

from __future__ import annotations

import asyncio
import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

from bot.settings import KNOWLEDGE_DIR
from bot.storage import KbDraft
from tests.channels.telegram_support import ALICE, TelegramRun
from tests.cli import run as optobot
from tests.office.browser import Browser, needs_chromium
from tests.office.test_browser import link_from_the_chat, office_with_telegram, signed_in

pytestmark = needs_chromium

NDA = "ip-nda"
QUESTION = "Is there an NDA template?"
WAGE = "What is the minimum wage in Canada?"
"""In the topics (a partner region) though no entry answers it; Mexico would be off topic."""


async def answer_to(run: TelegramRun, question: str) -> str:
    [reply, *_] = await run.say(question, ALICE)
    return str(reply.params["text"])


async def fill(browser: Browser, name: str, value: str) -> None:
    """Type into a field as a person would (the preview listens to ``input``)."""
    await browser.script(
        f"var box = document.querySelector('[name=\"{name}\"]'); box.value = {json.dumps(value)};"
        "box.dispatchEvent(new Event('input'));"
    )


async def preview(browser: Browser, lang: str, wanted: str) -> str:
    """The live preview's HTML once it shows ``wanted`` (five seconds at most)."""
    shown = ""
    for _ in range(50):
        shown = str(
            await browser.script(f"return document.getElementById('preview-{lang}').innerHTML")
        )
        if wanted in shown:
            break
        await asyncio.sleep(0.1)
    return shown


async def open_office(run: TelegramRun, browser: Browser, path: str) -> None:
    await signed_in(browser, await link_from_the_chat(run))
    await browser.open(f"http://127.0.0.1:{run.app.settings.http_port}{path}")


async def test_an_edit_is_answered_in_telegram_and_an_invalid_one_refused_then_restored(
    make_app: Any, browser: Browser
) -> None:
    async with office_with_telegram(make_app) as run:
        before = await answer_to(run, QUESTION)
        assert "NDA" in before
        await open_office(run, browser, f"/office/knowledge/{NDA}")
        await fill(browser, "en.answer", "Our **first** NDA template is in the members' area.")
        assert "<b>first</b>" in await preview(browser, "en", "<b>first</b>")
        await browser.click("#save")
        assert "Saved" in await browser.text("#saved")
        assert "first" in await answer_to(run, QUESTION)  # no restart

        await fill(browser, "en.answer", "")
        await browser.click("#save")
        assert "empty" in await browser.text("#problem-en-answer")
        assert "Nothing was changed" in await browser.text("#refused")
        await fill(browser, "en.answer", "An answer that is fine.")
        await fill(browser, "related", "no-such-entry")
        await browser.click("#save")
        assert "no-such-entry" in await browser.text("#problem-related")
        assert "first" in await answer_to(run, QUESTION)  # nothing changed

        await browser.open(f"http://127.0.0.1:{run.app.settings.http_port}/office/knowledge/{NDA}")
        await fill(browser, "en.answer", "Our second NDA template is in the members' area.")
        await browser.click("#save")
        assert "second" in await answer_to(run, QUESTION)
        await browser.click("#history")
        assert "Version 2" in await browser.text("#version-2")
        await browser.click("#restore-1")
        assert "Saved" in await browser.text("#saved")
        assert "first" in await answer_to(run, QUESTION)


async def test_a_gap_becomes_an_example_question_and_is_then_answered(
    make_app: Any, browser: Browser
) -> None:
    async with office_with_telegram(make_app) as run:
        assert "Forward" in json.dumps((await run.say(WAGE, ALICE))[0].params)
        await open_office(run, browser, "/office/gaps")
        assert WAGE in await browser.text("#gap-1")
        await browser.script(
            "document.querySelector('#add-example-1 select').value = 'contact-office';"
        )
        await browser.click("#add-1")
        assert "How to reach the office" in await browser.text("#added")
        assert "How to reach the office" in await answer_to(run, WAGE)


async def test_a_draft_from_a_staff_answer_becomes_an_example_question_and_is_answered(
    make_app: Any, browser: Browser
) -> None:
    question = "Where can I leave my bike when I visit you?"
    async with office_with_telegram(make_app) as run:
        async with run.app.database.transaction() as session:
            draft = KbDraft(
                question=question,
                answer="In the courtyard, left of the door.",
                language="en",
                entry_id="contact-office",
            )
            session.add(draft)
            await session.flush()
            number = draft.id
        await open_office(run, browser, "/office/gaps")
        shown = await browser.text(f"#draft-{number}")
        assert question in shown and "courtyard" in shown and "How to reach the office" in shown
        await browser.click(f"#draft-add-{number}")
        assert "How to reach the office" in await browser.text("#added")
        assert "How to reach the office" in await answer_to(run, question)


async def test_the_yaml_export_loads_with_kb_check(
    make_app: Any, browser: Browser, tmp_path: Path
) -> None:
    async with office_with_telegram(make_app) as run:
        await open_office(run, browser, f"/office/knowledge/{NDA}")
        await fill(browser, "en.title", "NDA templates, edited in the office")
        await browser.click("#save")
        await browser.click('a[href="/office/knowledge"]')
        await browser.click("#export", navigates=False)
        archive = await browser.downloaded(".zip")
    knowledge = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, knowledge, ignore=shutil.ignore_patterns("entries"))
    with zipfile.ZipFile(archive) as opened:
        opened.extractall(knowledge)
    assert "edited in the office" in (knowledge / "entries" / f"{NDA}.yaml").read_text()
    checked = optobot(
        "kb", "check", data_dir=tmp_path / "var", env={"OPTOBOT_KNOWLEDGE_DIR": str(knowledge)}
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "knowledge base is fine" in checked.stdout
