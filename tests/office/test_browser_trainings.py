"""The trainings section in a real browser (headless chromium) beside the real Telegram
channel: a training created in the office is booked by a member in Telegram and shows on
its page; the attendees download as CSV; the pages fit a phone."""

from __future__ import annotations

import csv
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from selenium.webdriver.common.by import By

from tests.channels.telegram_support import ALICE
from tests.channels.test_telegram_scenarios import walk
from tests.office.browser import PHONE, Browser, needs_chromium
from tests.office.test_browser import link_from_the_chat, office_with_telegram, signed_in

pytestmark = needs_chromium

TRAINING = "laser-safety-2027-03"
TYPED = {
    "f-id": TRAINING,
    "f-title_de": "Laserschutz für Einsteiger",
    "f-title_en": "Laser safety for beginners",
    "f-description_de": "Ein Tag Laserschutz.",
    "f-description_en": "A day of laser safety.",
    "f-timezone": "Europe/Berlin",
    "f-place": "Jena, Carl-Zeiss-Promenade 10",
    "f-seats": "12",
    "f-fee_member": "90",
    "f-fee_non_member": "120",
}
SET = {  # a date picker and selects: set as a person's picking would
    "f-topic": "funding",
    "f-language": "de",
    "f-start": "2027-03-10T09:00",
    "f-end": "2027-03-10T16:00",
    "f-deadline": "2027-03-01T23:59",
}
LOOK = os.environ.get("OPTOBOT_OFFICE_SCREENSHOTS")
"""A directory to save screenshots of the pages into, to look at them."""


async def fill(browser: Browser, typed: dict[str, str], chosen: dict[str, str]) -> None:
    for element_id, text in typed.items():
        element = await browser.run(browser.driver.find_element, By.ID, element_id)
        await browser.run(element.clear)
        await browser.run(element.send_keys, text)
    for element_id, value in chosen.items():
        await browser.script(f"document.getElementById('{element_id}').value = '{value}'")


async def look(browser: Browser, name: str) -> None:
    if LOOK:
        await browser.screenshot(Path(LOOK) / f"{name}.png")


async def test_a_training_made_in_the_office_is_booked_in_telegram_and_exported(
    make_app: Callable[..., Any], browser: Browser
) -> None:
    async with office_with_telegram(make_app) as run:
        base = f"http://127.0.0.1:{run.app.settings.http_port}"
        await signed_in(browser, await link_from_the_chat(run))
        await browser.open(f"{base}/office/trainings")
        await browser.click("#new-training")
        assert await browser.path() == "/office/trainings/new"
        await fill(browser, TYPED, {**SET, "f-end": "2027-03-10T08:00"})
        await browser.click("#save")
        assert "end must be after start" in await browser.text("#problem-end")
        await look(browser, "training-form-problem")
        await fill(browser, {}, SET)
        await browser.click("#save")
        assert await browser.path() == f"/office/trainings/{TRAINING}?done=saved"
        assert "Laser safety for beginners" in await browser.text("h1")
        assert "created the training" in await browser.text("#history")

        await walk(
            run,
            [
                "/trainings",
                f"tr:show:{TRAINING}",
                f"tr:reg:{TRAINING}",
                "Alice Schmidt",
                "Photon GmbH",
                "alice@photon.example",
                "f:member:pick:yes",
                "f:consent:pick:yes",
                "f:_sum:ok",
            ],
        )
        assert "Laser" in " ".join(run.fake.texts(ALICE["id"]))
        await browser.open(f"{base}/office/trainings/{TRAINING}")
        assert "Alice Schmidt" in await browser.text("#attendees")
        assert (await browser.text("#taken"), await browser.text("#free")) == ("1", "11")
        await look(browser, "training-page")
        await browser.click("#csv", navigates=False)
        downloaded = await browser.downloaded(".csv")
        await browser.open(f"{base}/office/trainings")
        assert "Laser safety for beginners" in await browser.text(f"#training-{TRAINING}")
        await look(browser, "trainings-list")
        await browser.open(f"{base}/office/trainings/{TRAINING}/edit")
        await look(browser, "training-form")
    rows = list(csv.reader(downloaded.read_text(encoding="utf-8").splitlines()))
    assert rows[0][:3] == ["Status", "Waiting position", "Name"]
    assert [row[2] for row in rows[1:]] == ["Alice Schmidt"]


async def test_the_trainings_pages_fit_a_phone(
    make_app: Callable[..., Any], browser: Browser
) -> None:
    from tests.trainings_catalogue import sync_catalogue

    async with office_with_telegram(make_app) as run:
        await sync_catalogue(run.app)
        base = f"http://127.0.0.1:{run.app.settings.http_port}"
        await signed_in(browser, await link_from_the_chat(run))
        await browser.size(*PHONE)
        japan = "japan-business-2027-01"
        for path in (
            "/office/trainings",
            f"/office/trainings/{japan}",
            f"/office/trainings/{japan}/edit",
            "/office/trainings/new",
        ):
            await browser.open(base + path)
            await look(browser, "phone" + path.replace("/", "-"))
            width = await browser.script("return document.documentElement.scrollWidth")
            viewport = await browser.script("return window.innerWidth")
            assert width <= viewport, (path, width, viewport)
