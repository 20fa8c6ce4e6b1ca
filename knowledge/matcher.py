"""Which entry answers a question: BM25 ranking over both languages, then a decision.

The index is built once per knowledge base. Each entry is one BM25 document made of its
titles, example questions and keywords in both languages, plus the office's synonym groups
(knowledge/synonyms.yaml); its answer only counts towards coverage, since answers mention
many topics in passing. The best example question by BM25, the question's words in the
entry's title and, for the best few entries, how much of the question the entry covers and
the closest example question by fuzzy whole-question similarity add to an entry's score;
with the encoder, so do how close in meaning the question is to the entry's example
questions and to its answer.
The decision looks at how much of the question the best entry covers (weighted by rarity,
so "Jena" counts less than "Eurostars"), how strong the BM25 evidence is and how far ahead
of the runner-up the best entry is, by words and by meaning; the limits are calibrated on
the development set. Two logistic models (knowledge/confidence.py) then weigh the same
evidence at once: no answer for a question unlikely to be in the cluster's topics, and an
answer where the rules would only offer choices but the best entry is almost surely right.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import bm25s
import numpy as np
from rapidfuzz import fuzz, process

from knowledge.entries import Entry, EntryText
from knowledge.evidence import Candidate, Match, Ranking, Thresholds
from knowledge.semantic import SemanticIndex, VectorCache
from knowledge.synonyms import Synonyms, default_synonyms
from knowledge.text import Analyzer, clip, fold, words

logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every index build at DEBUG

MAX_CANDIDATES = 3
FULL_COVERAGE = 0.999
"""Every word of a short question of two or more words is in the entry: too little BM25
mass is no reason to give up ("help, how does this work"); one word alone is too little.
``Thresholds.sure_coverage`` may lower this limit."""
DISTINCT = 2
"""A one-word question is enough when the word is a title word or keyword of at most this
many entries: "eurostars" or "nemawashi" name a topic, "japan" or "viele" do not."""
QUESTION_WEIGHT = 0.5
ANSWER_ONLY = 0.5
"""A word found only in an entry's answer is weaker evidence than one in its questions."""
FUZZY_WEIGHT = 0.5
"""A question worded much like one example question gets up to this much extra."""
TITLE_WEIGHT = 0.5
"""A question naming what an entry's title names (Korea, ZIM) gets up to this much extra:
words that many entries mention in passing still tell the entries apart by their titles."""
COVERAGE_WEIGHT = 1.5
"""How much of the question an entry covers (by rarity) counts in the ranking, not only
in the decision: BM25 alone lets one frequent word outweigh the rare word that matters."""
NEARBY = 5
"""How many of the most similar entries say how close a question is to the topics near it."""
RERANK = 10
"""Only the best entries by BM25 are compared word for word (keeps 10,000 entries fast)."""
CLOSEST_TEXTS = 3
"""An entry's similarity to a question is the mean of its three closest texts' (semantic.py)."""
SEMANTIC_WEIGHT = 1.5
"""How much the encoder's opinion counts beside the lexical score (each scaled to 0..1):
judged by three texts an entry, it ranks almost as well as all the words together, and the
development set's top-1 lies on a plateau from 1.0 to 2.0."""
SEMANTIC_SPAN = 0.1
"""An entry this much less similar than the most similar one gets no semantic credit:
e5's similarities of related sentences lie close together (0.8-0.95)."""
ANSWER_WEIGHT = 0.5
"""How much the similarity of a question to an entry's answer (read by e5 as a passage)
counts beside its similarity to the example questions. Alone the answers rank poorly (the
right entry first for 0.61 of the development questions), but they know what no example
question says: with this weight the first candidate is right for 0.964 instead of 0.954
(on the first two development sets; the second, less tuned, 0.944/0.950 instead of
0.931/0.942)."""
ANSWER_SPAN = 0.1
"""As ``SEMANTIC_SPAN``, for the answers."""


@dataclass
class _Document:
    id: str
    core: set[str] = field(default_factory=set)
    answer: set[str] = field(default_factory=set)


class Matcher:
    def __init__(
        self,
        entries: Sequence[Entry],
        thresholds: Thresholds | None = None,
        synonyms: Synonyms | None = None,
        vectors: VectorCache | None = None,
        off_topic: Sequence[str] = (),
    ) -> None:
        """``vectors``: the encoder and its cache, for the semantic signal (without it the
        matcher is lexical only); ``off_topic``: questions outside the cluster's topics
        (knowledge/off_topic.yaml), which a question may resemble more than any entry."""
        self.thresholds = thresholds or Thresholds()
        self.ids = [entry.id for entry in entries]
        self.semantic = self.elsewhere = self.answers = None
        if vectors is not None:
            self.semantic = SemanticIndex(
                [questions_of(entry) for entry in entries], vectors, closest=CLOSEST_TEXTS
            )
            answers = [answers_of(entry) for entry in entries]
            self.answers = SemanticIndex(answers, vectors, passages=True)
            examples = [[question] for question in off_topic]  # each its own similarity
            self.elsewhere = SemanticIndex(examples, vectors) if off_topic else None
        texts = [(_core_text(entry), _answer_text(entry)) for entry in entries]
        groups = (synonyms if synonyms is not None else default_synonyms()).groups
        vocabulary = (w for pair in texts for text in pair for w in words(text))
        self.analyzer = Analyzer(vocabulary, groups)
        self.documents = []
        corpus = []
        for entry_id, (core, answer) in zip(self.ids, texts, strict=True):
            core_terms, answer_terms = self.analyzer.terms(core), self.analyzer.terms(answer)
            self.documents.append(_Document(entry_id, set(core_terms), set(answer_terms)))
            corpus.append(core_terms)
        self.retriever = bm25s.BM25()
        if corpus:
            self.retriever.index(corpus, show_progress=False)
        questions, owners = [], []
        for index, entry in enumerate(entries):
            for text in entry.texts.values():
                for question in (text.title, *text.questions):
                    questions.append(self.analyzer.terms(question))
                    owners.append(index)
        # an entry's questions are consecutive and every entry has a title: one segment each
        self._starts = np.searchsorted(np.array(owners, dtype=np.int64), np.arange(len(entries)))
        self._phrases: list[list[str]] = [[] for _ in entries]
        self._exact: dict[str, int] = {}
        for index, entry in enumerate(entries):
            for text in entry.texts.values():
                for question in (text.title, *text.questions):
                    self._phrases[index].append(fold(question))
                    self._exact.setdefault(fold(question), index)
        self.questions = bm25s.BM25()
        if questions:
            self.questions.index(questions, show_progress=False)
        frequency: dict[str, int] = {}
        for document in self.documents:
            for term in document.core | document.answer:
                frequency[term] = frequency.get(term, 0) + 1
        self._subjects: dict[str, int] = {}
        for entry in entries:
            subject = {t for x in entry.texts.values() for t in self.analyzer.terms(_subject(x))}
            for term in subject:
                self._subjects[term] = self._subjects.get(term, 0) + 1
        count = len(self.documents)
        self._idf = {t: _idf(n, count) for t, n in frequency.items()}
        self._unseen_idf = _idf(0, count)
        postings: dict[str, set[int]] = {}
        for index, entry in enumerate(entries):
            for text in entry.texts.values():
                for term in self.analyzer.terms(text.title):
                    postings.setdefault(term, set()).add(index)
        self._titles = {t: np.fromiter(ix, dtype=np.int64) for t, ix in postings.items()}

    def match(self, question: str) -> Match:
        return self.decide(self.rank(question))

    def rank(self, question: str) -> Ranking:
        """The best entries and the evidence for them, before any threshold is applied."""
        question = clip(question)
        groups = self.analyzer.groups(question, correct=True)
        terms = list(dict.fromkeys(term for group in groups for term in group))
        known = [term for term in terms if term in self._idf]
        exact = self._exact.get(fold(question))
        if exact is not None and not known:  # only stop words, e.g. "what can you do"
            return Ranking((Candidate(self.ids[exact], 1.0),), 1.0, 0.0, exact=True)
        if not self.documents or not groups:  # nothing but stop words and punctuation
            return Ranking(())
        if not (known or self.semantic):
            return Ranking(())
        scores, entry_top = self.scores(known) if known else (np.zeros(len(self.ids)), 0.0)
        scores += TITLE_WEIGHT * self.title_share(groups)
        phrase = fold(question)
        for i in np.argpartition(-scores, min(RERANK, len(scores) - 1))[:RERANK]:
            if scores[i] > 0 and known:
                scores[i] += COVERAGE_WEIGHT * self.coverage(groups, self.documents[i])
                similar = process.extractOne(
                    phrase, self._phrases[i], scorer=fuzz.token_set_ratio, processor=None
                )
                scores[i] += FUZZY_WEIGHT * similar[1] / 100 if similar else 0.0
        lexical = int(np.argmax(scores)) if known and scores.max() > 0 else -1
        similarities = None
        if self.semantic is not None and self.answers is not None:
            similarities = self.semantic.similarities(question)
            answers = self.answers.similarities(question)
            scores = scores / (scores.max() or 1.0)
            scores += SEMANTIC_WEIGHT * _credit(similarities, SEMANTIC_SPAN)
            scores += ANSWER_WEIGHT * _credit(answers, ANSWER_SPAN)
        if exact is not None:
            scores[exact] = scores.max() + 1.0
        order = np.argsort(-scores)[: MAX_CANDIDATES + 1]
        ranked = tuple(Candidate(self.ids[i], float(scores[i])) for i in order if scores[i] > 0)
        if not ranked:
            return Ranking((), semantic=similarities is not None, best_similarity=0.0)
        coverage = self.coverage(groups, self.documents[order[0]])
        distinct = len(groups) == 1 and all(
            0 < self._subjects.get(term, 0) <= DISTINCT for term in groups[0] if term in self._idf
        )
        ranking = Ranking(
            ranked,
            coverage,
            entry_top,
            exact=exact is not None,
            words=len(groups),
            distinct=distinct,
        )
        if similarities is None:
            return ranking
        best = int(order[0])
        others = np.delete(similarities, best)
        closest = np.sort(self.elsewhere.similarities(question))[::-1] if self.elsewhere else None
        if closest is None or not len(closest):
            closest = np.zeros(1)
        agree = lexical == best == int(np.argmax(similarities))
        nearest = min(NEARBY, len(similarities))
        return replace(
            ranking,
            semantic=True,
            elsewhere=float(closest[0]),
            nearby=float(np.partition(similarities, -nearest)[-nearest:].mean()),
            topicality=float(similarities.mean()),
            elsewhere_nearby=float(closest[:3].mean()),
            agreement=agree,
            similarity=float(similarities[best]),
            best_similarity=float(similarities.max()),
            similarity_gap=float(similarities[best] - (others.max() if len(others) else 0)),
        )

    def decide(self, ranking: Ranking) -> Match:
        """Answer when the best entry is clearly best by both signals; offer the close ones
        when two are truly close; otherwise offer to forward an in-topic question, and
        answer an off-topic one with what the assistant is for."""
        limits = self.thresholds
        ranked, coverage = ranking.candidates, ranking.coverage
        off_topic = ranking.semantic and (
            ranking.best_similarity < limits.topic_similarity
            or ranking.elsewhere - ranking.best_similarity > limits.topic_margin
        )
        if not ranked:
            return Match("off_topic" if off_topic else "fallback", None, 0.0)
        best = ranked[0]
        if ranking.exact:
            return Match("answer", best.id, 1.0, ranked[:MAX_CANDIDATES], 1.0)
        shown = ranked[:MAX_CANDIDATES]
        if off_topic:
            return Match("off_topic", None, coverage, shown, coverage)
        runner_up = ranked[1].score if len(ranked) > 1 else 0.0
        margin = (best.score - runner_up) / best.score
        enough = ranking.words >= 2 or ranking.distinct
        complete = coverage >= min(FULL_COVERAGE, limits.sure_coverage) and enough
        weak = ranking.entry_top < limits.minimum_bm25 and not complete
        lexical = not weak and coverage >= limits.clarify_coverage
        similar = ranking.semantic and ranking.similarity >= limits.clarify_similarity
        if not (lexical or similar):
            return Match("fallback", None, coverage, shown, coverage)
        sure = margin >= limits.answer_margin and coverage >= limits.answer_coverage
        if ranking.semantic:
            sure = (
                margin >= limits.answer_margin
                and ranking.similarity >= limits.answer_similarity
                and ranking.similarity_gap >= limits.answer_gap
                and (
                    coverage >= limits.answer_coverage
                    or ranking.similarity >= limits.sure_similarity
                )
            )
            # the rules' verdict, weighed against all the evidence at once; one common
            # word ("japan") names no entry unless the model is all but certain ("trainings")
            right = ranking.right(limits.right_model)
            sure = (
                (enough or right >= limits.one_word_probability)
                and ranking.in_topic(limits.topic_model) >= limits.topic_probability
                and (sure or right >= limits.answer_probability)
            )
        if sure:
            return Match("answer", best.id, coverage, shown, coverage)
        close = [c for c in shown if c.score >= best.score * limits.clarify_ratio]
        return Match("clarify", best.id, coverage, shown[: max(2, len(close))], coverage)

    def scores(self, terms: list[str]) -> tuple[np.ndarray, float]:
        """Per entry: its whole-document BM25 plus half its best single example question's,
        each scaled to the best entry (a close paraphrase of one example counts extra).
        ``reduceat`` over consecutive segments, since ``maximum.at`` was 80 % of the time."""
        whole = self.retriever.get_scores(terms)
        best_question = np.maximum.reduceat(self.questions.get_scores(terms), self._starts)
        entry_top = float(whole.max())
        top_question = best_question.max()
        combined = whole / (entry_top or 1.0)
        if top_question > 0:
            combined = combined + QUESTION_WEIGHT * best_question / top_question
        return combined, entry_top

    def title_share(self, groups: list[tuple[str, ...]]) -> np.ndarray:
        """Per entry: the share of the question's title words (by rarity among titles) that
        its title has, so a question naming Korea favours the entry titled Korea."""
        share = np.zeros(len(self.ids))
        total = 0.0
        count = len(self.ids)
        for group in groups:
            hits = [self._titles[t] for t in group if t in self._titles]
            if not hits:
                continue
            found = np.unique(np.concatenate(hits))
            weight = _idf(len(found), count)
            total += weight
            share[found] += weight
        return share / total if total else share

    def weight(self, group: tuple[str, ...]) -> float:
        """A word's rarity: its rarest indexed term; a spelling variant that no entry has
        ("tokio" beside "~japan") does not make a common word rare."""
        known = [self._idf[term] for term in group if term in self._idf]
        return max(known) if known else self._unseen_idf

    def coverage(self, groups: list[tuple[str, ...]], document: _Document) -> float:
        """The share of the question's words (weighted by rarity) the document contains."""
        total = found = 0.0
        for group in groups:
            weight = self.weight(group)
            total += weight
            if any(term in document.core for term in group):
                found += weight
            elif any(term in document.answer for term in group):
                found += weight * ANSWER_ONLY
        return found / total if total else 0.0


def _credit(similarities: np.ndarray, span: float) -> np.ndarray:
    """1 for the most similar entry, falling to 0 for one ``span`` less similar."""
    result: np.ndarray = np.clip(1 - (similarities.max() - similarities) / span, 0.0, None)
    return result


def _idf(containing: int, count: int) -> float:
    return math.log(1 + (count - containing + 0.5) / (containing + 0.5))


def _core_text(entry: Entry) -> str:
    """What says what the entry is about: titles (twice), questions and keywords."""
    parts = []
    for text in entry.texts.values():
        parts += [text.title, text.title, *text.questions, *text.keywords]
    return "\n".join(parts)


def questions_of(entry: Entry) -> list[str]:
    """What the encoder compares a question with: the entry's titles and questions."""
    return [q for text in entry.texts.values() for q in (text.title, *text.questions)]


def answers_of(entry: Entry) -> list[str]:
    """What the encoder reads as passages: the entry's answers in every language."""
    return [text.answer for text in entry.texts.values()]


def _subject(text: EntryText) -> str:
    """What an entry is about in one language: its title and keywords."""
    return "\n".join((text.title, *text.keywords))


def _answer_text(entry: Entry) -> str:
    return "\n".join(text.answer for text in entry.texts.values())
