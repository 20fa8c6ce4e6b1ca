"""Issue #25: the decision on each kind of question the issue names, with the encoder.

The questions are the issue's own examples (written for it, not taken from the blind sets).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.base import KnowledgeBase
from knowledge.matcher import Matcher

ENTRIES = Path(__file__).resolve().parents[2] / "knowledge" / "entries"


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return KnowledgeBase(ENTRIES).current.matcher


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # long, with context about the company: the right entry is offered first
        (
            "We're 40 people in Ilmenau and want to show our prototype to a company in "
            "Ontario next month, nothing filed yet – is that a problem?",
            "ip-before-talks",
        ),
        # a number, a year or a team size added to an easy question
        ("Was ist ZIM 2026", "funding-zim"),
        ("gibts eurostars noch? wir sind 40 leute", "funding-eurostars"),
        # typos in the key word
        ("patnet kosten", "ip-costs"),
        ("exprot kontrolle", "ip-export-control"),
    ],
)
def test_hard_in_scope_questions_reach_their_entry(
    matcher: Matcher, question: str, expected: str
) -> None:
    match = matcher.match(question)
    assert match.decision in ("answer", "clarify"), match
    assert match.candidates[0].id == expected
    if match.decision == "answer":
        assert match.id == expected
    else:
        assert 2 <= len(match.candidates) <= 3


@pytest.mark.parametrize(
    ("question", "expected"),
    [("Was ist ZIM 2026", "funding-zim"), ("patnet kosten", "ip-costs")],
)
def test_clear_questions_with_noise_are_answered(
    matcher: Matcher, question: str, expected: str
) -> None:
    assert (matcher.match(question).decision, matcher.match(question).id) == ("answer", expected)


@pytest.mark.parametrize(
    "question",
    [
        "what is the capital of France",
        "schreib mir ein Gedicht über Laser",
        "how is the weather in Rochester",
        "recipe for banana bread",
    ],
)
def test_unrelated_questions_sharing_a_word_are_off_topic(matcher: Matcher, question: str) -> None:
    """Before: start-up support, export control and partner regions answered these; and
    the fallback's offer to forward them is wrong too (the office cannot help)."""
    match = matcher.match(question)
    assert (match.decision, match.id) == ("off_topic", None)


@pytest.mark.parametrize(
    "question",
    ["Wann ist die nächste Mitgliederversammlung?", "Wie hoch ist der Mindestlohn in Kanada?"],
)
def test_in_topic_questions_the_base_cannot_answer_keep_the_forward_offer(
    matcher: Matcher, question: str
) -> None:
    match = matcher.match(question)
    assert (match.decision, match.id) == ("fallback", None)


def test_one_word_many_entries_mention_is_offered_not_answered(matcher: Matcher) -> None:
    match = matcher.match("japan")
    assert match.decision == "clarify" and 2 <= len(match.candidates) <= 3
    assert "training-japan" in {c.id for c in match.candidates}
