"""A real browser for the office: Debian's chromium, headless, driven through chromedriver.

Selenium's calls block, and the office runs on the test's own event loop, so every call
goes through a thread (:class:`Browser`). On a failing test the ``browser`` fixture saves a
screenshot and the page's HTML under ``tests/office/screenshots/`` and names them.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.wait import WebDriverWait

from bot.app import App
from bot.server import http_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SCREENSHOTS = Path(__file__).parent / "screenshots"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)
PHONE = (390, 844)
LAPTOP = (1366, 900)

needs_chromium = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason="browser tests need Debian's chromium and chromium-driver "
    "(apt-get install chromium chromium-driver; .ci/run installs them)",
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_driver(profile: Path, downloads: Path) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument(f"--window-size={LAPTOP[0]},{LAPTOP[1]}")
    options.add_experimental_option(
        "prefs",
        {
            "download.default_directory": str(downloads),
            "download.prompt_for_download": False,
            "safebrowsing.enabled": False,
        },
    )
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    return driver


class Browser:
    """The driver's blocking calls, awaited in a thread while the server keeps serving."""

    def __init__(self, driver: webdriver.Chrome, downloads: Path) -> None:
        self.driver = driver
        self.downloads = downloads

    async def run(self, call: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.to_thread(call, *args)

    async def open(self, url: str) -> None:
        await self.run(self.driver.get, url)

    async def click(self, selector: str, *, navigates: bool = True) -> None:
        """Click, and (a link, a form's button) wait until the next page has loaded."""
        element: WebElement = await self.run(self.driver.find_element, By.CSS_SELECTOR, selector)
        page = await self.run(self.driver.find_element, By.TAG_NAME, "html")
        await self.run(element.click)
        if navigates:
            await self.run(WebDriverWait(self.driver, 10).until, lambda _driver: _gone(page))

    async def text(self, selector: str = "body") -> str:
        element: WebElement = await self.run(self.driver.find_element, By.CSS_SELECTOR, selector)
        return str(await self.run(lambda: element.text))

    async def source(self) -> str:
        return str(await self.run(lambda: self.driver.page_source))

    async def path(self) -> str:
        url = str(await self.run(lambda: self.driver.current_url))
        return "/" + url.split("://", 1)[1].split("/", 1)[1] if "://" in url else url

    async def script(self, code: str) -> Any:
        return await self.run(self.driver.execute_script, code)

    async def size(self, width: int, height: int) -> None:
        await self.run(self.driver.set_window_size, width, height)

    async def screenshot(self, path: Path) -> None:
        await self.run(self.driver.save_screenshot, str(path))

    async def downloaded(self, suffix: str) -> Path:
        """The finished download whose name ends with ``suffix`` (ten seconds at most)."""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            done = [p for p in self.downloads.glob(f"*{suffix}") if p.is_file()]
            if done:
                return done[0]
            await asyncio.sleep(0.1)
        raise AssertionError(f"no *{suffix} in {self.downloads}: {list(self.downloads.iterdir())}")


def _gone(element: WebElement) -> bool:
    """The element's page was left: stale, or (chromium, at times) a node "that does not
    belong to the document", which selenium's staleness_of lets through as an error."""
    try:
        element.is_enabled()
    except WebDriverException:
        return True
    return False


@pytest.fixture
def browser(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Browser]:
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    driver = start_driver(tmp_path / "profile", downloads)
    try:
        yield Browser(driver, downloads)
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            SCREENSHOTS.mkdir(exist_ok=True)
            shot = SCREENSHOTS / f"{request.node.name}.png"
            driver.save_screenshot(str(shot))
            (SCREENSHOTS / f"{request.node.name}.html").write_text(driver.page_source)
            print(f"\nscreenshot of the failing page: {shot} (its HTML beside it)")
    finally:
        driver.quit()
        shutil.rmtree(tmp_path / "profile", ignore_errors=True)


@asynccontextmanager
async def serving(app: App, channels: list[Any], port: int) -> AsyncIterator[str]:
    """The one HTTP server of ``serve`` (office included) on 127.0.0.1:``port``."""
    runner = web.AppRunner(http_app(app, channels))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()
