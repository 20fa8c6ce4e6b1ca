"""The outbox and the channel seam load neither the handlers nor a platform library.

Each module is imported in a fresh interpreter, so what an earlier test imported cannot
hide a dependency: the outbox must not depend on every handler (``bot.app``), nor ``chat``
on Telegram's or Slack's library.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

LIGHT = (
    "bot.settings",  # its channel mixins live beside the adapters, and import none
    "bot.delivery.worker",
    "bot.delivery.outbox",
    "bot.channels.base",
    "bot.channels.registry",
    "bot.channels.senders",
)
HEAVY = ("bot.app", "handlers", "telegram", "slack_bolt", "slack_sdk")

PROBE = """
import importlib, json, sys
importlib.import_module(sys.argv[1])
heavy = sys.argv[2].split(",")
print(json.dumps(sorted(
    name for name in sys.modules if any(name == h or name.startswith(h + ".") for h in heavy)
)))
"""


def loaded(module: str, heavy: tuple[str, ...] = HEAVY) -> list[str]:
    """The modules of ``heavy`` that importing ``module`` alone loads."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE, module, ",".join(heavy)],
        capture_output=True,
        text=True,
        check=True,
    )
    return list(json.loads(result.stdout))


@pytest.mark.parametrize("module", LIGHT)
def test_importing_it_loads_no_handler_and_no_platform(module: str) -> None:
    assert loaded(module) == []


def test_the_probe_sees_what_an_import_loads() -> None:
    """The check can fail: the app does load the handlers, a channel its platform."""
    assert "handlers" in loaded("bot.app")
    assert "telegram" in loaded("bot.channels.telegram")
