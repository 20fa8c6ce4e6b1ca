"""Each test's outcome on its item, so the browser fixture knows to take a screenshot."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.office.browser import browser

__all__ = ["browser"]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
