"""Issue #25: the two models that weigh all the evidence (knowledge/confidence.py)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from bot.cli.kb import DEV_SETS
from knowledge import confidence
from knowledge.base import KnowledgeBase
from knowledge.evaluation import Case, cross_validate_confidence, fit_confidence, read_cases
from knowledge.evidence import Candidate, Ranking
from knowledge.matcher import Matcher

HERE = Path(__file__).resolve().parent
ENTRIES = HERE.parents[1] / "knowledge" / "entries"
DEVELOPMENT_SETS = tuple(HERE / path.name for path in DEV_SETS)  # the sets kb calibrate fits


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return KnowledgeBase(ENTRIES).current.matcher


@pytest.fixture(scope="module")
def development(matcher: Matcher) -> list[tuple[Case, Ranking]]:
    cases = [case for path in DEVELOPMENT_SETS for case in read_cases(path)]
    return [(case, matcher.rank(case.question)) for case in cases]


def test_fit_learns_which_side_of_a_line_is_which() -> None:
    rng = np.random.default_rng(4)
    points = rng.normal(size=(400, 2)) * (1.0, 10.0)  # scales apart: standardising matters
    labels = (points[:, 0] + points[:, 1] / 10 + rng.normal(scale=0.3, size=400) > 0).astype(float)
    model = confidence.fit(points, labels)
    far = np.array([[2.0, 20.0], [-2.0, -20.0], [0.1, -15.0]])
    probabilities = model.probabilities(far)
    assert probabilities[0] > 0.95 and probabilities[1] < 0.05 and probabilities[2] < 0.2
    assert [model.probability(row) for row in far] == pytest.approx(list(probabilities))


def test_the_shipped_models_are_the_development_sets_fit(
    development: list[tuple[Case, Ranking]],
) -> None:
    """``IN_TOPIC`` and ``RIGHT`` are what ``kb calibrate --labelled`` prints: refitting on
    the development sets gives them back, so nobody tuned them by hand (or on the test set)."""
    fitted = fit_confidence(development)
    for name, shipped in (("in_topic", confidence.IN_TOPIC), ("right", confidence.RIGHT)):
        assert fitted[name].weights == pytest.approx(shipped.weights, abs=1e-3), name
        assert fitted[name].bias == pytest.approx(shipped.bias, abs=1e-3), name


def test_models_fitted_without_a_question_still_decide_it_well(
    matcher: Matcher, development: list[tuple[Case, Ranking]]
) -> None:
    """5-fold cross-validated figures on the development sets (knowledge/README.md), less a
    little: what to expect of questions nobody fitted on."""
    result = cross_validate_confidence(development, matcher.thresholds)["overall"]
    assert result["answered_correct"] >= 0.9 and result["correct_in_candidates"] >= 0.95
    assert result["wrong_answer"] <= 0.03 and result["out_of_scope_answered"] <= 0.045


def test_a_development_set_held_out_is_decided_about_as_well_as_the_test_sets(
    matcher: Matcher, development: list[tuple[Case, Ranking]]
) -> None:
    """The newest development set decided by models fitted on the others and four fifths
    of itself: the honest estimate knowledge/README.md quotes, per language, less a little."""
    last = len(read_cases(DEVELOPMENT_SETS[-1]))  # the fixture ranks the sets in order
    held, rest = development[-last:], development[:-last]
    report = cross_validate_confidence(held, matcher.thresholds, also=rest)
    assert report["overall"]["in_scope"] + report["overall"]["out_of_scope"] == len(held)
    for language in ("de", "en"):
        result = report[language]
        assert result["answered_correct"] >= 0.85 and result["correct_in_candidates"] >= 0.92
        assert result["wrong_answer"] <= 0.045 and result["out_of_scope_answered"] <= 0.05


def test_an_answer_the_topics_do_not_support_is_only_offered(matcher: Matcher) -> None:
    """One word shared with the trainings' registration; the rules alone answer with it."""
    question = "wie melde ich mein auto an"
    ranking = matcher.rank(question)
    rules_alone = Matcher([], thresholds=replace(matcher.thresholds, topic_probability=0.0))
    assert rules_alone.decide(ranking).decision == "answer"
    assert ranking.in_topic() < confidence.TOPIC_PROBABILITY
    assert matcher.match(question).decision != "answer"


def _ranking(**evidence: object) -> Ranking:
    """A ranking the rules only offer as a choice (little coverage, close runner-up)."""
    base = Ranking(
        (Candidate("ip-nda", 1.0), Candidate("ip-before-talks", 0.97)),
        coverage=0.15,
        entry_top=10.0,
        words=3,
        semantic=True,
        similarity=0.95,
        best_similarity=0.95,
        similarity_gap=0.06,
        elsewhere=0.75,
        nearby=0.9,
        topicality=0.86,
        elsewhere_nearby=0.79,
        agreement=True,
    )
    return replace(base, **evidence)  # type: ignore[arg-type]


def test_a_choice_the_evidence_is_sure_of_is_answered() -> None:
    judge = Matcher([])
    sure = _ranking()
    assert sure.right() >= confidence.RIGHT_PROBABILITY and sure.in_topic() >= 0.5
    assert (judge.decide(sure).decision, judge.decide(sure).id) == ("answer", "ip-nda")
    doubtful = _ranking(
        similarity=0.87, best_similarity=0.88, similarity_gap=-0.01, elsewhere=0.84, agreement=False
    )
    assert doubtful.right() < confidence.RIGHT_PROBABILITY
    assert judge.decide(doubtful).decision == "clarify"


def test_without_the_encoder_the_rules_decide_alone() -> None:
    lexical = _ranking(semantic=False)
    assert (lexical.in_topic(), lexical.right()) == (1.0, 0.0)
