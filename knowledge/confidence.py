"""How likely a ranking's best entry is right, and how likely the question is in the
cluster's topics at all: two small logistic models over the ranking's evidence.

Hand-set limits on one signal at a time (similarity ≥ x, coverage ≥ y, …) fitted the
development set's questions, not members' (issue #25: 2.7 % of its out-of-scope questions
answered, 15.3 % of the blind test set's). A model weighs all the evidence at once and has
two limits with a meaning: answer only when the question is more likely in the topics than
not, and answer a question the rules would only offer as a choice when the best entry is
right with a probability of at least 95 %. ``optobot kb calibrate --labelled`` fits both on
the development set (``fit``) and prints the weights that ``IN_TOPIC`` and ``RIGHT`` hold;
the test set is never fitted on.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

TOPIC_FEATURES = (
    "similarity",
    "coverage",
    "evidence",
    "elsewhere_margin",
    "nearby",
    "topicality",
    "elsewhere_nearby",
    "agreement",
)
"""What says a question is in the cluster's topics: how similar it is to the best entry, to
the five most similar entries and to all entries at once (the topics as a whole), how close
it comes to the off-topic examples, how much of it the best entry's words cover, the BM25
mass, and whether words and meaning pick the same entry."""
RIGHT_FEATURES = (
    "similarity",
    "margin",
    "coverage",
    "evidence",
    "elsewhere_margin",
    "agreement",
)
"""What says the best entry is the right one: its lead over the runner-up, its coverage and
similarity, how much closer it is than the off-topic examples, and whether words and meaning
agree on it. Not its similarity lead over the runner-up: so nearly a copy of similarity and
``elsewhere_margin`` that the fit gave it a negative weight (a clearer lead counting
against the answer)."""


@dataclass(frozen=True)
class Model:
    """A logistic model on raw features (the fit's standardisation folded into the weights)."""

    weights: tuple[float, ...]
    bias: float

    def probability(self, features: Sequence[float]) -> float:
        value = self.bias + sum(w * x for w, x in zip(self.weights, features, strict=True))
        return 1 / (1 + math.exp(-max(-50.0, min(50.0, value))))

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        values = np.clip(features @ np.array(self.weights) + self.bias, -50.0, 50.0)
        result: np.ndarray = 1 / (1 + np.exp(-values))
        return result


def fit(features: np.ndarray, labels: np.ndarray, penalty: float = 1.0) -> Model:
    """Penalised logistic regression by Newton's method on standardised features: a few
    hundred questions and eight features need no library."""
    mean, scale = features.mean(axis=0), features.std(axis=0) + 1e-9
    x = np.c_[(features - mean) / scale, np.ones(len(features))]
    ridge = penalty * np.diag(np.r_[np.ones(x.shape[1] - 1), 0.0])
    w = np.zeros(x.shape[1])
    for _ in range(50):
        p = 1 / (1 + np.exp(-(x @ w)))
        gradient = x.T @ (p - labels) + ridge @ w
        hessian = (x * (p * (1 - p))[:, None]).T @ x + ridge
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-9:
            break
    weights = w[:-1] / scale
    bias = float(w[-1] - (weights * mean).sum())
    return Model(tuple(round(float(v), 4) for v in weights), round(bias, 4))


IN_TOPIC = Model(
    weights=(35.7727, 5.2333, 0.5806, -30.0468, 66.674, 73.4778, -69.3606, 0.5176),
    bias=-95.1179,
)
"""Fitted on tests/knowledge/dev_set.yaml, dev2_set.yaml and dev3_set.yaml (2026-12-04;
1,354 in scope, 537 out of scope; none of them in a test set: ``kb check``)."""
RIGHT = Model(
    weights=(37.1361, 4.5294, 3.2202, 1.4615, -36.1238, 0.5433),
    bias=-38.3352,
)
"""Fitted on the same questions: whether the first candidate is the expected entry."""
TOPIC_PROBABILITY = 0.5
"""Below even odds of being in the topics, no answer (the choices are still offered)."""
RIGHT_PROBABILITY = 0.9
"""A question the rules would only offer as a choice is answered at this probability: the
value the dev set's 5-fold cross-validation chose (`kb calibrate --labelled`), not one
picked by looking at the test set."""
