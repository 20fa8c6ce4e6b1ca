"""Issue 28 item 3: every handler declares the actions it owns, and the router refuses to
start when two claim the same start, so no button is answered by whoever comes first."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from bot.messages import Reply
from bot.routing import OverlappingPrefixes, Router
from bot.trainings import actions
from bot.turn import Turn
from handlers.fallback import Fallback


class Claims:
    def __init__(self, *prefixes: str) -> None:
        self.prefixes = frozenset(prefixes)

    def check(self, turn: Turn) -> bool:
        return False

    async def handle(self, turn: Turn) -> list[Reply]:
        return []


def test_the_assistants_handlers_own_their_prefixes(app) -> None:
    owners = {prefix: type(h).__name__ for prefix, h in app.services.router.prefixes.items()}
    assert owners == {
        "ans:": "MemberAnswers",
        "f:": "ActiveForm",
        "lang:": "Commands",
        "menu:": "Commands",
        "lead:": "StaffActions",
        "privacy:": "Privacy",
        "tr:": "Trainings",
        "idea:": "Ideas",
        "faq:": "Faq",
        "fb:": "Faq",
        "fwd:": "Faq",
    }


@pytest.mark.parametrize(
    ("first", "second"),
    [("tr:", "tr:"), ("tr:", "tr:mine"), ("tr:mine", "tr:"), ("f", "fb:")],
)
def test_overlapping_prefixes_are_refused_at_start(first: str, second: str) -> None:
    with pytest.raises(OverlappingPrefixes, match="Claims"):
        Router([Claims("faq:"), Claims(first), Claims(second)])


def test_one_handler_may_not_claim_overlapping_prefixes_either() -> None:
    with pytest.raises(OverlappingPrefixes):
        Router([Claims("fb:", "fb:x")])


def test_prefixes_that_only_look_alike_are_fine() -> None:
    router = Router([Claims("f:"), Claims("fb:", "fwd:"), Claims("faq:"), Fallback()])
    assert set(router.prefixes) == {"f:", "fb:", "fwd:", "faq:"}


def test_trainings_actions_are_built_and_read_back_by_one_module() -> None:
    built = [actions.show("jp-2026"), actions.register("jp-2026"), actions.drop("u1"), actions.MINE]
    assert [actions.parse(a) for a in built] == [
        ("show", "jp-2026"),
        ("reg", "jp-2026"),
        ("drop", "u1"),
        ("mine", ""),
    ]
    assert all(a.startswith(actions.PREFIX) and len(a.encode()) <= 64 for a in built)


SPELLED_ELSEWHERE = {
    "bot/office/audit.py": "lead:<ref> there is an audit subject, not a button",
}
"""Files allowed to spell a string that starts with an action prefix, and why."""


def literals(path: Path) -> set[str]:
    """The string literals of a module, f-strings by their constant start, docstrings aside."""
    tree = ast.parse(path.read_text())
    nodes = list(ast.walk(tree))
    skipped = {id(n.value) for n in nodes if isinstance(n, ast.Expr)}  # docstrings
    skipped |= {id(part) for n in nodes if isinstance(n, ast.JoinedStr) for part in n.values}
    found = set()
    for node in nodes:
        if isinstance(node, ast.JoinedStr) and node.values:
            first = node.values[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.add(first.value + "{")
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in skipped
        ):
            found.add(node.value)
    return found


def test_an_action_is_spelled_only_where_its_prefix_is_defined(app: Any) -> None:
    """Issue 28 item 3: "tr:mine" was spelled in three files. An action is built by the
    functions of the module that defines its prefix; anywhere else it is imported."""
    prefixes = set(app.services.router.prefixes)
    root = Path(__file__).parent.parent
    spelled = {}
    for path in sorted([*root.glob("bot/**/*.py"), *root.glob("handlers/*.py")]):
        name = str(path.relative_to(root))
        if "/migrations/" in name or name in SPELLED_ELSEWHERE:
            continue
        strings = literals(path)
        defines = prefixes & strings
        for text in strings:
            prefix = next((p for p in prefixes if text.startswith(p) and text != p), None)
            if prefix is not None and prefix not in defines:
                spelled[name] = text
    assert spelled == {}
