"""What the matcher found and what it decides by: the candidates, the evidence of one
question (``Ranking``), the limits (``Thresholds``) and the outcome (``Match``)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from knowledge import confidence

Decision = Literal["answer", "clarify", "fallback", "off_topic"]


@dataclass(frozen=True)
class Thresholds:
    """Where the decisions change: ``optobot kb calibrate --labelled`` on the blind
    development sets (tests/knowledge/dev*_set.yaml), never on the test sets;
    figures in knowledge/README.md. ``topic_margin`` stays 0.01 where the search found 0.0
    as good: at 0.0 "Wann ist die nächste Mitgliederversammlung?" is off-topic."""

    answer_coverage: float = 0.1
    """0.1 instead of 0.3 since the answers count in the ranking: cross-validated on the
    three development sets 91.2 % answered instead of 89.4 %, for 0.2 points more wrong and
    0.6 more out-of-scope answers."""
    answer_margin: float = 0.04
    clarify_coverage: float = 0.2
    clarify_ratio: float = 0.0
    minimum_bm25: float = 4.0
    sure_coverage: float = 0.5
    """Covering this much of a question of two or more words is enough evidence even with
    little BM25 mass (a short question against a long entry: "prioritätsjahr wie lange")."""
    answer_similarity: float = 0.0
    """The best entry's closest text must be at least this similar to answer."""
    clarify_similarity: float = 0.87
    """Below this similarity, weak lexical evidence is no reason to offer choices."""
    answer_gap: float = -0.01
    """How much more similar than any other entry the best must be to answer."""
    sure_similarity: float = 0.9
    """A similarity that answers even when the question's words are not the entry's."""
    topic_margin: float = 0.01
    """A question this much more similar to an off-topic example than to every entry is
    outside the cluster's topics."""
    topic_similarity: float = 0.84
    """Below this similarity to every entry, with little lexical evidence, a question is
    outside the cluster's topics: no offer to forward it (the office cannot help either)."""
    topic_probability: float = confidence.TOPIC_PROBABILITY
    """Below this probability of being in the topics (``Ranking.in_topic``), no answer."""
    answer_probability: float = confidence.RIGHT_PROBABILITY
    """At this probability that the best entry is right (``Ranking.right``), an answer."""
    one_word_probability: float = 0.98
    """At this probability that the best entry is right, one common word is enough to
    answer ("trainings"); "japan", which several entries name, stays a choice."""
    topic_model: confidence.Model = confidence.IN_TOPIC
    right_model: confidence.Model = confidence.RIGHT
    """The two models (fitted, not searched: ``evaluation.fit_confidence``)."""


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
    exact: bool = False
    """The question is one of the best entry's example questions, word for word."""
    words: int = 0
    """How many content words the question has."""
    distinct: bool = False
    """Its one content word is the subject of few entries ("Eurostars", not "Japan")."""
    semantic: bool = False
    """The encoder was asked; without it the similarity limits do not apply."""
    similarity: float = 0.0
    """The encoder's similarity of the best candidate's closest text."""
    best_similarity: float = 1.0
    """The highest similarity of any entry (the question's distance from every topic)."""
    similarity_gap: float = 1.0
    """How much more similar the best candidate is than the most similar other entry."""
    elsewhere: float = 0.0
    """The similarity of the closest off-topic example question (knowledge/off_topic.yaml)."""
    nearby: float = 0.0
    """The mean similarity of the ``NEARBY`` most similar entries."""
    topicality: float = 0.0
    """The mean similarity of all entries: how close the question is to the topics as a whole."""
    elsewhere_nearby: float = 0.0
    """The mean similarity of the three closest off-topic examples."""
    agreement: bool = False
    """Words alone and meaning alone both rank the best candidate first."""

    @property
    def margin(self) -> float:
        """How far ahead of the runner-up the best candidate is, as a share of its score."""
        if not self.candidates or not self.candidates[0].score:
            return 0.0
        runner_up = self.candidates[1].score if len(self.candidates) > 1 else 0.0
        return (self.candidates[0].score - runner_up) / self.candidates[0].score

    def features(self, names: Sequence[str]) -> tuple[float, ...]:
        """The evidence ``knowledge.confidence``'s models weigh, by name."""
        known = {
            "similarity": self.similarity,
            "similarity_gap": self.similarity_gap,
            "margin": self.margin,
            "coverage": self.coverage,
            "evidence": math.log1p(self.entry_top),
            "elsewhere_margin": self.elsewhere - self.best_similarity,
            "nearby": self.nearby,
            "topicality": self.topicality,
            "elsewhere_nearby": self.elsewhere_nearby,
            "agreement": float(self.agreement),
        }
        return tuple(known[name] for name in names)

    def in_topic(self, model: confidence.Model = confidence.IN_TOPIC) -> float:
        """How likely the question is in the cluster's topics (1.0 without the encoder)."""
        if not self.semantic:
            return 1.0
        return model.probability(self.features(confidence.TOPIC_FEATURES))

    def right(self, model: confidence.Model = confidence.RIGHT) -> float:
        """How likely the best candidate is the right entry (0.0 without the encoder)."""
        if not self.semantic:
            return 0.0
        return model.probability(self.features(confidence.RIGHT_FEATURES))
