"""How well the matcher does on a labelled question set, and thresholds that do best on it.

The set is YAML: ``{in_scope: [{q, lang, id}], out_of_scope: [{q, lang}]}``. The figures
are the ones the issue sets targets for: answered correctly, correct entry among the
answer or the offered choices, wrong confident answers, and fallbacks on out-of-scope
questions; per language and overall, with latency.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from knowledge.entries import Entry
from knowledge.matcher import FULL_COVERAGE, MAX_CANDIDATES, Match, Matcher, Ranking, Thresholds
from knowledge.synonyms import Synonyms


@dataclass(frozen=True)
class Case:
    question: str
    language: str
    expected: str | None  # None: out of scope, a fallback is right


def read_cases(path: Path) -> list[Case]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    cases = [Case(i["q"], i.get("lang", "de"), i["id"]) for i in data.get("in_scope") or []]
    cases += [Case(i["q"], i.get("lang", "de"), None) for i in data.get("out_of_scope") or []]
    return cases


def figures(results: Sequence[tuple[Case, Match]]) -> dict[str, float | int]:
    inside = [(c, m) for c, m in results if c.expected is not None]
    outside = [m for c, m in results if c.expected is None]

    def share(hits: int, total: int) -> float:
        return round(hits / total, 4) if total else 0.0

    correct = sum(m.decision == "answer" and m.id == c.expected for c, m in inside)
    offered = sum(_offers(m, c.expected) for c, m in inside)
    wrong = sum(m.decision == "answer" and m.id != c.expected for c, m in inside)
    fallback = sum(m.decision == "fallback" for m in outside)
    return {
        "in_scope": len(inside),
        "out_of_scope": len(outside),
        "answered_correct": share(correct, len(inside)),
        "correct_in_candidates": share(offered, len(inside)),
        "wrong_answer": share(wrong, len(inside)),
        "out_of_scope_fallback": share(fallback, len(outside)),
    }


def _offers(match: Match, expected: str | None) -> bool:
    if match.decision == "answer":
        return match.id == expected
    if match.decision == "clarify":
        return expected in {c.id for c in match.candidates}
    return False


def evaluate(matcher: Matcher, cases: Sequence[Case]) -> dict[str, Any]:
    """The figures overall and per language, and latency per question in milliseconds."""
    results, latencies = [], []
    for case in cases:
        start = time.perf_counter()
        match = matcher.match(case.question)
        latencies.append((time.perf_counter() - start) * 1000)
        results.append((case, match))
    report: dict[str, Any] = {"overall": figures(results)}
    for language in sorted({case.language for case in cases}):
        report[language] = figures([(c, m) for c, m in results if c.language == language])
    report["latency_ms"] = {"p50": percentile(latencies, 50), "p99": percentile(latencies, 99)}
    report["misses"] = [
        {"q": c.question, "lang": c.language, "expected": c.expected, **m.as_dict()}
        for c, m in results
        if not ((c.expected is None and m.decision == "fallback") or
                (c.expected is not None and m.decision == "answer" and m.id == c.expected))
    ]  # fmt: skip
    return report


def percentile(values: Sequence[float], pct: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return round(ordered[index], 3)


GRID = {
    "answer_coverage": (0.3, 0.4, 0.5, 0.6, 0.7),
    "answer_margin": (0.0, 0.02, 0.04, 0.06, 0.08, 0.1, 0.12, 0.15, 0.2),
    "clarify_coverage": (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5),
    "clarify_ratio": (0.0, 0.5, 0.6, 0.7, 0.8, 0.9),
    "minimum_bm25": (0.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0),
    "sure_coverage": (0.5, 0.6, 0.7, 0.8, 1.0),
}


TARGETS = {
    "answered_correct": 0.90,
    "correct_in_candidates": 0.97,
    "wrong_answer": 0.03,
    "out_of_scope_fallback": 0.85,
}
"""The issue's targets; wrong answers are a ceiling, the others floors."""


def shortfall(result: dict[str, float | int]) -> float:
    """How far the figures fall short of the targets, summed (0 when all are met)."""
    return sum(
        max(0.0, float(result[name]) - limit)
        if name == "wrong_answer"
        else max(0.0, limit - float(result[name]))
        for name, limit in TARGETS.items()
    )


def objective(result: dict[str, float | int]) -> float:
    """Correct answers, offered choices and fallbacks count; missing a target costs thrice."""
    return (
        float(result["answered_correct"])
        + float(result["correct_in_candidates"])
        + float(result["out_of_scope_fallback"])
        - float(result["wrong_answer"])
        - 3 * shortfall(result)
    )


def calibrate(
    ranked: Sequence[tuple[Case, Matcher, Ranking]],
) -> tuple[Thresholds, dict[str, Any]]:
    """The grid point that scores best; each question is ranked once, and the decisions of
    all questions are taken at once per grid point (``Outcomes``), so a finer grid is cheap."""
    outcomes = Outcomes([(case, ranking) for case, _, ranking in ranked])
    best: tuple[float, Thresholds] | None = None
    for values in itertools.product(*GRID.values()):
        limits = Thresholds(**dict(zip(GRID, values, strict=True)))
        if limits.clarify_coverage > limits.answer_coverage:
            continue
        score = objective(outcomes.figures(limits))
        if best is None or score > best[0]:
            best = (score, limits)
    assert best is not None
    limits = best[1]
    results = []
    for case, matcher, ranking in ranked:
        matcher.thresholds = limits
        results.append((case, matcher.decide(ranking)))
    return limits, figures(results)


class Outcomes:
    """``Matcher.decide`` and ``figures`` for many questions at once, as numpy arrays: the
    same rules (a test holds them equal), 50 times faster over the calibration grid."""

    def __init__(self, ranked: Sequence[tuple[Case, Ranking]]) -> None:
        rows = []
        for case, ranking in ranked:
            shown = ranking.candidates[:MAX_CANDIDATES]
            best = shown[0].score if shown else 0.0
            runner_up = ranking.candidates[1].score if len(ranking.candidates) > 1 else 0.0
            ids = [c.id for c in shown]
            position = ids.index(case.expected) if case.expected in ids else -1
            rows.append(
                (
                    case.expected is not None,
                    bool(shown),
                    ranking.exact,
                    position,
                    shown[position].score / best if position >= 0 and best else 0.0,
                    (best - runner_up) / best if best else 0.0,
                    ranking.coverage,
                    ranking.entry_top,
                    ranking.words >= 2 or ranking.distinct,
                )
            )
        columns = list(zip(*rows, strict=True)) if rows else [()] * 9
        (inside, ranked_any, exact, position, ratio, margin, coverage, top, enough) = (
            np.array(column) for column in columns
        )
        self.inside, self.exact = inside.astype(bool), exact.astype(bool)
        self.ranked = ranked_any.astype(bool) & ~self.exact
        self.position, self.ratio, self.margin = position, ratio, margin
        self.coverage, self.entry_top, self.enough = coverage, top, enough.astype(bool)

    def figures(self, limits: Thresholds) -> dict[str, float | int]:
        """What ``figures`` would say of the decisions under ``limits``."""
        complete = (self.coverage >= min(FULL_COVERAGE, limits.sure_coverage)) & self.enough
        weak = (self.entry_top < limits.minimum_bm25) & ~complete
        fallback = self.ranked & (weak | (self.coverage < limits.clarify_coverage))
        confident = (self.coverage >= limits.answer_coverage) & (
            self.margin >= limits.answer_margin
        )
        answer = self.exact | (self.ranked & ~fallback & confident)
        clarify = self.ranked & ~fallback & ~confident
        chosen = self.position == 0
        among = (self.position >= 0) & ((self.position < 2) | (self.ratio >= limits.clarify_ratio))
        inside, outside = self.inside, ~self.inside
        count, others = int(inside.sum()), int(outside.sum())
        return {
            "in_scope": count,
            "out_of_scope": others,
            "answered_correct": _share(inside & answer & chosen, count),
            "correct_in_candidates": _share(
                inside & ((answer & chosen) | (clarify & among)), count
            ),
            "wrong_answer": _share(inside & answer & ~chosen, count),
            "out_of_scope_fallback": _share(outside & ~answer & ~clarify, others),
        }


def _share(hits: np.ndarray, total: int) -> float:
    return round(int(hits.sum()) / total, 4) if total else 0.0


def calibration_rankings(
    entries: Sequence[Entry],
    out_of_scope: Sequence[Case],
    folds: int = 5,
    synonyms: Synonyms | None = None,
) -> list[tuple[Case, Matcher, Ranking]]:
    """Held-out example questions (ranked against the entries without them) and the given
    out-of-scope questions (against all entries): data that is not the evaluation set."""
    ranked = []
    for kept, cases in held_out_examples(entries, folds):
        matcher = Matcher(kept, synonyms=synonyms)
        ranked += [(case, matcher, matcher.rank(case.question)) for case in cases]
    matcher = Matcher(entries, synonyms=synonyms)
    ranked += [(case, matcher, matcher.rank(case.question)) for case in out_of_scope]
    return ranked


def held_out_examples(
    entries: Sequence[Entry], folds: int = 5
) -> Iterable[tuple[list[Entry], list[Case]]]:
    """Entries with every ``folds``-th example question removed, and those questions as cases:
    calibration data that is not the evaluation set."""
    for fold in range(folds):
        kept, cases = [], []
        for entry in entries:
            texts = {}
            for lang, text in entry.texts.items():
                questions = list(text.questions)
                cases += [Case(q, lang, entry.id) for q in questions[fold::folds]]
                del questions[fold::folds]
                texts[lang] = replace(text, questions=tuple(questions))
            kept.append(replace(entry, texts=texts))
        yield kept, cases


def cross_validate(
    ranked: Sequence[tuple[Case, Matcher, Ranking]], folds: int = 5
) -> dict[str, float | int]:
    """Figures of thresholds calibrated without the very questions they are judged on:
    every ``folds``-th question held out in turn, pooled; what to expect on new questions."""
    results = []
    for fold in range(folds):
        train = [item for i, item in enumerate(ranked) if i % folds != fold]
        limits, _ = calibrate(train)
        for case, matcher, ranking in ranked[fold::folds]:
            matcher.thresholds = limits
            results.append((case, matcher.decide(ranking)))
    return figures(results)
