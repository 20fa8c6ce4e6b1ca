"""The figures page and the live lead filters (htmx) in headless chromium, on a laptop and a
phone; without JavaScript the same filter form still works (``test_leads``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.wait import WebDriverWait

from bot.app import App
from tests.office.browser import PHONE, Browser, free_port, needs_chromium, serving
from tests.office.support import STAFF, new_link
from tests.office.test_figures import seeded

pytestmark = needs_chromium
RESULTS = "return document.getElementById('results').textContent"
"""Read in one go: htmx may swap the element between a find and its text."""


@asynccontextmanager
async def office(make_app: Callable[..., Any], **settings: Any) -> AsyncIterator[tuple[App, str]]:
    port = free_port()
    app = await make_app(**{**STAFF, **settings}, http_host="127.0.0.1", http_port=port)
    async with serving(app, [], port) as base:
        yield app, base


async def sign_in(browser: Browser, app: App, base: str) -> None:
    await browser.open(base + await new_link(app))
    await browser.click("#signin")


async def test_the_figures_page_draws_its_charts_and_fits_a_phone(
    make_app: Callable[..., Any], browser: Browser
) -> None:
    async with office(make_app) as (app, base):
        await seeded(app)
        await sign_in(browser, app, base)
        await browser.open(base + "/office/")
        assert await browser.text("h1") == "Figures"
        charts = await browser.script("return document.querySelectorAll('svg.chart').length")
        assert charts == 7
        width = await browser.script(
            "return document.querySelector('#chart-questions').getBoundingClientRect().width"
        )
        assert width > 300  # drawn, not an empty box
        assert "5 / 14" in await browser.text("#figure-seats")
        await browser.click("#figure-questions summary", navigates=False)
        assert "23 Nov" in await browser.text("#figure-questions table")
        await browser.size(*PHONE)
        await browser.open(base + "/office/")
        scroll = await browser.script("return document.documentElement.scrollWidth")
        assert scroll <= await browser.script("return window.innerWidth")
        errors = [
            entry
            for entry in await browser.run(browser.driver.get_log, "browser")
            if entry["level"] == "SEVERE" and "favicon.ico" not in entry["message"]
        ]
        assert errors == []  # the CSP refused nothing the page needs


async def test_a_filter_changes_the_list_without_a_reload(
    make_app: Callable[..., Any], browser: Browser
) -> None:
    async with office(make_app) as (app, base):
        await seeded(app)
        await sign_in(browser, app, base)
        await browser.open(base + "/office/leads")
        driver = browser.driver
        page = await browser.run(driver.find_element, By.TAG_NAME, "html")
        assert await browser.script("return typeof htmx") == "object"
        assert "2 leads" in await browser.text("#results")
        select = Select(await browser.run(driver.find_element, By.NAME, "region"))
        await browser.run(select.select_by_value, "quebec")
        await browser.run(
            WebDriverWait(driver, 10).until,
            lambda d: "1 lead," in d.execute_script(RESULTS),
        )
        assert "IDEA-2026-0002" in await browser.text("#results")
        assert "IDEA-2026-0001" not in await browser.text("#results")
        assert "region=quebec" in await browser.path()  # the address bar follows
        csv = await browser.script("return document.getElementById('csv').getAttribute('href')")
        assert csv == "/office/leads.csv?region=quebec"
        board = await browser.script("return document.getElementById('board').getAttribute('href')")
        assert "region=quebec" in board
        assert page.is_enabled()  # the same document: no reload
