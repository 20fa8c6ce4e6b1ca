"""Adding a channel touches ``bot/channels/`` and its tests only (issue #28): no code
outside names Telegram or Slack, but for the few spots listed here with their reason.

Code is what Python runs: names, attributes, imports and string literals; docstrings and
comments may still mention a platform as an example.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "handlers", "knowledge")
INSIDE = Path("bot/channels")
PLATFORM = re.compile(r"telegram|slack", re.IGNORECASE)

EXCEPTIONS = {
    "bot/webhook_secret.py": "Telegram's webhook secret, made once by serve --workers",
    "bot/markdown.py": "to_mrkdwn, Slack's markup beside the HTML and plain renderings",
    "bot/cli/leads.py": "an example staff id in the help text",
    "bot/cli/members.py": "an example member id in the help text",
    "bot/cli/office.py": "example staff ids in the help text",
    "bot/cli/serve.py": "the help text names the channels; catches the webhook secret's error",
    "bot/office/links.py": "the refusal names the staff id settings",
    "bot/storage/migrations/versions/0002_security_review.py": "a migration is history",
}
"""Files outside ``bot/channels/`` that may name a platform, and why."""


def words(tree: ast.AST) -> Iterator[str]:
    """The identifiers and string literals of a module, without its docstrings."""
    docs = {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            yield node.id
        elif isinstance(node, ast.Attribute):
            yield node.attr
        elif isinstance(node, ast.alias):
            yield node.name
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            yield node.name
        elif isinstance(node, ast.arg | ast.keyword) and node.arg:
            yield node.arg
        elif (
            isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs
        ):
            yield node.value


def naming_a_platform() -> set[str]:
    found = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            relative = path.relative_to(ROOT)
            if relative.is_relative_to(INSIDE):
                continue
            if any(PLATFORM.search(word) for word in words(ast.parse(path.read_text()))):
                found.add(relative.as_posix())
    return found


def test_no_code_outside_the_channels_names_a_platform() -> None:
    assert naming_a_platform() - EXCEPTIONS.keys() == set()


def test_every_exception_is_still_needed() -> None:
    """A spot that no longer names a platform leaves the list, so it only shrinks."""
    assert EXCEPTIONS.keys() - naming_a_platform() == set()


def test_the_check_sees_a_platform_in_code_not_in_docstrings() -> None:
    named = ast.parse('"""For Slack."""\nfrom bot.channels.slack_spec import COMMAND\n')
    assert any(PLATFORM.search(word) for word in words(named))
    described = ast.parse('"""For Slack and Telegram."""\nx = 1  # telegram\n')
    assert not any(PLATFORM.search(word) for word in words(described))
