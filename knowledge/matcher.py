"""Which entry answers a question: BM25 ranking over both languages, then a decision.

The index is built once per knowledge base. Each entry is one document made of its titles,
example questions and keywords in both languages (its answer counts once, so words that
only the answer uses still help). The decision looks at two things a calibration on the
evaluation set showed to separate well: how much of the question the best entry covers
(weighted by rarity, so "Jena" counts less than "Eurostars") and how far ahead of the
runner-up it is.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import bm25s
import numpy as np

from knowledge.entries import Entry
from knowledge.text import Analyzer, words

logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every index build at DEBUG

Decision = Literal["answer", "clarify", "fallback"]
MAX_CANDIDATES = 3
QUESTION_WEIGHT = 0.5
ANSWER_ONLY = 0.5
"""A word found only in an entry's answer is weaker evidence than one in its questions."""


@dataclass(frozen=True)
class Thresholds:
    """Where the decisions change; calibrated with ``optobot kb eval --calibrate``."""

    answer_coverage: float = 0.65
    answer_margin: float = 0.2
    clarify_coverage: float = 0.5
    clarify_ratio: float = 0.6
    minimum_bm25: float = 1.5


@dataclass(frozen=True)
class Candidate:
    id: str
    score: float


@dataclass(frozen=True)
class Match:
    decision: Decision
    id: str | None
    score: float
    candidates: tuple[Candidate, ...] = ()
    coverage: float = 0.0

    def as_dict(self) -> dict[str, object]:
        return {
            "decision": self.decision,
            "id": self.id,
            "score": round(self.score, 3),
            "candidates": [{"id": c.id, "score": round(c.score, 3)} for c in self.candidates],
        }


@dataclass(frozen=True)
class Ranking:
    candidates: tuple[Candidate, ...]
    coverage: float = 0.0
    entry_top: float = 0.0


@dataclass
class _Document:
    id: str
    core: set[str] = field(default_factory=set)
    answer: set[str] = field(default_factory=set)


class Matcher:
    def __init__(self, entries: Sequence[Entry], thresholds: Thresholds | None = None) -> None:
        self.thresholds = thresholds or Thresholds()
        self.ids = [entry.id for entry in entries]
        texts = [(_core_text(entry), _answer_text(entry)) for entry in entries]
        self.analyzer = Analyzer(w for pair in texts for text in pair for w in words(text))
        self.documents = []
        corpus = []
        for entry_id, (core, answer) in zip(self.ids, texts, strict=True):
            core_terms, answer_terms = self.analyzer.terms(core), self.analyzer.terms(answer)
            self.documents.append(_Document(entry_id, set(core_terms), set(answer_terms)))
            corpus.append(core_terms + answer_terms)
        self.retriever = bm25s.BM25()
        if corpus:
            self.retriever.index(corpus, show_progress=False)
        questions, owners = [], []
        for index, entry in enumerate(entries):
            for text in entry.texts.values():
                for question in (text.title, *text.questions):
                    questions.append(self.analyzer.terms(question))
                    owners.append(index)
        self._owners = np.array(owners, dtype=np.int64)
        self.questions = bm25s.BM25()
        if questions:
            self.questions.index(questions, show_progress=False)
        frequency: dict[str, int] = {}
        for document in self.documents:
            for term in document.core | document.answer:
                frequency[term] = frequency.get(term, 0) + 1
        count = len(self.documents)
        self._idf = {t: _idf(n, count) for t, n in frequency.items()}
        self._unseen_idf = _idf(0, count)

    def match(self, question: str) -> Match:
        return self.decide(self.rank(question))

    def rank(self, question: str) -> Ranking:
        """The best entries and the evidence for them, before any threshold is applied."""
        groups = self.analyzer.groups(question, correct=True)
        terms = list(dict.fromkeys(term for group in groups for term in group))
        known = [term for term in terms if term in self._idf]
        if not self.documents or not known:
            return Ranking(())
        scores, entry_top = self.scores(known)
        order = np.argsort(-scores)[: MAX_CANDIDATES + 1]
        ranked = tuple(Candidate(self.ids[i], float(scores[i])) for i in order if scores[i] > 0)
        if not ranked:
            return Ranking(())
        return Ranking(ranked, self.coverage(groups, self.documents[order[0]]), entry_top)

    def decide(self, ranking: Ranking) -> Match:
        limits = self.thresholds
        ranked, coverage = ranking.candidates, ranking.coverage
        if not ranked:
            return Match("fallback", None, 0.0)
        best = ranked[0]
        runner_up = ranked[1].score if len(ranked) > 1 else 0.0
        margin = (best.score - runner_up) / best.score
        shown = ranked[:MAX_CANDIDATES]
        if ranking.entry_top < limits.minimum_bm25 or coverage < limits.clarify_coverage:
            return Match("fallback", None, coverage, shown, coverage)
        if coverage >= limits.answer_coverage and margin >= limits.answer_margin:
            return Match("answer", best.id, coverage, shown, coverage)
        close = tuple(c for c in shown if c.score >= best.score * limits.clarify_ratio)
        if len(close) >= 2:
            return Match("clarify", best.id, coverage, close, coverage)
        return Match("answer", best.id, coverage, shown, coverage)

    def scores(self, terms: list[str]) -> tuple[np.ndarray, float]:
        """Per entry: its whole-document BM25 plus half its best single example question's,
        each scaled to the best entry (a close paraphrase of one example counts extra)."""
        whole = self.retriever.get_scores(terms)
        best_question = np.zeros(len(self.ids), dtype=np.float64)
        np.maximum.at(best_question, self._owners, self.questions.get_scores(terms))
        entry_top = float(whole.max())
        top_question = best_question.max()
        combined = whole / (entry_top or 1.0)
        if top_question > 0:
            combined = combined + QUESTION_WEIGHT * best_question / top_question
        return combined, entry_top

    def coverage(self, groups: list[tuple[str, ...]], document: _Document) -> float:
        """The share of the question's words (weighted by rarity) the document contains."""
        total = found = 0.0
        for group in groups:
            weight = max(self._idf.get(term, self._unseen_idf) for term in group)
            total += weight
            if any(term in document.core for term in group):
                found += weight
            elif any(term in document.answer for term in group):
                found += weight * ANSWER_ONLY
        return found / total if total else 0.0


def _idf(containing: int, count: int) -> float:
    return math.log(1 + (count - containing + 0.5) / (containing + 0.5))


def _core_text(entry: Entry) -> str:
    """What says what the entry is about: titles (twice), questions and keywords."""
    parts = []
    for text in entry.texts.values():
        parts += [text.title, text.title, *text.questions, *text.keywords]
    return "\n".join(parts)


def _answer_text(entry: Entry) -> str:
    return "\n".join(text.answer for text in entry.texts.values())
