"""From a member's words to index terms: folding, stop words, stems, compounds and typos.

Members write German and English, with or without umlauts, with typos, in compounds
("Reisekostenzuschuss"). Each word becomes the stems of both languages' Snowball stemmers,
so an English question finds a German-worded entry and the other way round; a word the
knowledge base has never seen is split into known parts or, failing that, corrected to the
closest known word.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import lru_cache

import Stemmer
from bm25s.stopwords import STOPWORDS_EN_PLUS, STOPWORDS_GERMAN
from rapidfuzz import fuzz, process

WORD = re.compile(r"[^\W_]+")
ABBREVIATIONS = (
    (re.compile(r"\br\s*&\s*d\b"), " rnd "),
    (re.compile(r"\bf\s*(?:&|\+|u\.?)\s*e\b"), " fue "),
)
CHAT_WORDS = {
    # greetings and fillers that say nothing about the topic
    "hi", "hallo", "hello", "hey", "bitte", "please", "danke", "thanks", "mal", "eigentlich",
    "gibt", "gibts", "gib", "ne", "nen", "kann", "koennen", "können", "could", "would", "pls",
    "ihr", "euch", "you", "we", "wir", "uns", "us", "our", "unser", "unsere", "unseren",
    "know", "tell", "sagen", "wissen", "frage", "question", "möglich", "moeglich",
    # question words: every question has them, no entry is about them
    "wer", "wen", "wem", "wann", "warum", "wieso", "weshalb", "woher", "wohin", "oft",
    "wo", "welcher", "welches", "welchen", "genau", "einfach", "schon",
    "when", "where", "which", "why", "whom", "whose", "much", "many", "anything", "something",
    "hab", "habe", "haben", "hat", "habt", "sind", "bin", "ist", "get", "got",
    "gern", "gerne", "überhaupt", "ueberhaupt", "dafür", "dafuer", "darüber", "darueber",
}  # fmt: skip
STOP_WORDS = frozenset(STOPWORDS_EN_PLUS) | frozenset(STOPWORDS_GERMAN) | CHAT_WORDS
UMLAUTS = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss"})
SPELLED = (("ae", "a"), ("oe", "o"), ("ue", "u"))
MIN_PART = 4
MIN_HEAD = 6
"""A compound's last part alone must be this long: "zeiten", not "amt" or "nung"."""
LINKS = ("s", "n", "en", "es")
"""Linking elements between a compound's parts: "arbeits|zeit", "kunden|termin"."""
MIN_FUZZY = 5
RARE_SPELLING = 25
USUAL = 5
"""A spelling seen at most ``RARE_SPELLING`` times beside one seen ``USUAL`` times as often
is read as both (the examples keep typos on purpose: with ~2,000 of them, "trainig" is
written a dozen times, "training" hundreds)."""
FUZZY_CUTOFF = 84.0
CACHED_WORDS = 16_384
"""Words each of the analyzer's caches remembers. Members' words repeat, so the fuzzy
matching runs once per word; the bound keeps a flood of made-up words from growing a
worker's memory without end."""
LONGEST_WORD = 40
"""Longer "words" are no words a member types (the longest German compounds of the base have
about 35 letters): they are stemmed once, never split, corrected or cached. Splitting stems
every cut, so one 4,000-letter word cost seconds of CPU (issue #24). With this bound each
cache holds at most ``CACHED_WORDS`` keys of at most this many characters."""

LONGEST_QUESTION = 500
"""Characters of a message the matcher reads: a question longer than this has said what it
is about by then, and the rest would only cost time (issue #24)."""

_german = Stemmer.Stemmer("german")
_english = Stemmer.Stemmer("english")


def fold(text: str) -> str:
    """A comparison key: case, umlauts in either spelling, punctuation and spacing ignored."""
    text = text.lower().translate(UMLAUTS)
    for spelled, plain in SPELLED:
        text = text.replace(spelled, plain)
    return " ".join(WORD.findall(text))


def clip(question: str) -> str:
    """The first ``LONGEST_QUESTION`` characters of a question, not ending inside a word."""
    if len(question) <= LONGEST_QUESTION:
        return question
    cut = question[: LONGEST_QUESTION + 1]
    return cut.rsplit(maxsplit=1)[0] if " " in cut.strip() else cut[:LONGEST_QUESTION]


def words(text: str) -> list[str]:
    """The content words of a text, lower-cased, without stop words."""
    text = text.lower().replace("ß", "ss")
    for pattern, replacement in ABBREVIATIONS:
        text = pattern.sub(replacement, text)
    return [w for w in WORD.findall(text) if w not in STOP_WORDS and (len(w) > 1 or w.isdigit())]


def stems(word: str) -> tuple[str, ...]:
    """The German and the English stem (one when they agree), umlauts folded; cached for
    words of at most ``LONGEST_WORD`` characters only, so the cache's size has a bound."""
    return _cached_stems(word) if len(word) <= LONGEST_WORD else _stems(word)


def _stems(word: str) -> tuple[str, ...]:
    german = _german.stemWord(word).translate(UMLAUTS)
    english = _english.stemWord(word).translate(UMLAUTS)
    return (german,) if german == english else (german, english)


_cached_stems = lru_cache(maxsize=65536)(_stems)


_UMLAUTS: dict[str, str | int | None] = {"ä": "ae", "ö": "oe", "ü": "ue"}
_WRITTEN_OUT = str.maketrans(_UMLAUTS)


def _spelling(word: str) -> str:
    """Umlauts written out, so the fuzzy match compares like with like."""
    return word.translate(_WRITTEN_OUT)


class Analyzer:
    """Turns text into groups of terms, one group per word, knowing the base's vocabulary.

    A word in a synonym group also yields the group's term ("~training"), in documents and
    questions alike, so "Kurs" finds an entry that only says "Training"."""

    def __init__(
        self,
        vocabulary: Iterable[str],
        synonyms: Mapping[str, Iterable[str]] | None = None,
        *,
        cached_words: int = CACHED_WORDS,
    ) -> None:
        self._concepts: dict[str, tuple[str, ...]] = {}
        synonym_words = []
        for name, members in (synonyms or {}).items():
            for member in members:
                member = _spelling(member.lower().replace("ß", "ss"))
                synonym_words.append(member)
                for stem in stems(member):
                    known = self._concepts.get(stem, ())
                    if f"~{name}" not in known:
                        self._concepts[stem] = (*known, f"~{name}")
        seen = Counter(_spelling(w) for w in vocabulary)
        seen.update(synonym_words)
        self.known = set(seen)
        self._choices = sorted(self.known)
        self._stems = {stem for w in self.known if len(w) >= MIN_PART for stem in stems(w)}
        self._counts: Counter[str] = Counter()
        for w, n in seen.items():
            for stem in stems(w):
                self._counts[stem] += n
        cache = lru_cache(maxsize=cached_words)
        self._parts = cache(self._find_parts)
        self._usual = cache(self._find_usual)
        self._correction = cache(self._find_correction)

    def groups(self, text: str, *, correct: bool = False) -> list[tuple[str, ...]]:
        """Terms per word: a known word's stems; an unknown compound's parts, each its own
        word; an unknown word's correction when ``correct`` (questions, not documents)."""
        result: list[tuple[str, ...]] = []
        for word in words(text):
            word = _spelling(word)
            own = self.stems(word)
            if word in self.known or self._stemmed(word):
                fixed = self.usual(word) if correct else None
                result.append(tuple(dict.fromkeys((*own, *self.stems(fixed)))) if fixed else own)
                continue
            parts = self.split(word)
            if parts:
                result += [self.stems(part) for part in parts]
                continue
            fixed = self.correct(word) if correct else None
            result.append(tuple(dict.fromkeys((*own, *self.stems(fixed)))) if fixed else own)
        return result

    def stems(self, word: str) -> tuple[str, ...]:
        """The word's stems and the synonym groups it belongs to."""
        own = stems(word)
        concepts = [c for stem in own for c in self._concepts.get(stem, ())]
        return tuple(dict.fromkeys((*own, *concepts))) if concepts else own

    def terms(self, text: str) -> list[str]:
        """Index terms of a document: every word's stems plus those of its compound parts."""
        result: list[str] = []
        for word in words(text):
            word = _spelling(word)
            result += self.stems(word)
            for part in self.split(word):
                result += self.stems(part)
        return result

    def _stemmed(self, word: str) -> bool:
        return any(stem in self._stems for stem in stems(word))

    def split(self, word: str) -> tuple[str, ...]:
        """A German compound's known parts ("reisekostenzuschuss" → reisekosten, zuschuss);
        failing that, its known last part, which names what the compound is
        ("öffnungszeiten" → zeiten)."""
        if not 2 * MIN_PART <= len(word) <= LONGEST_WORD:
            return ()
        return self._parts(word)

    def _find_parts(self, word: str) -> tuple[str, ...]:
        return self._split(word, depth=2) or self._head(word)

    def _split(self, word: str, depth: int) -> tuple[str, ...]:
        best: tuple[str, ...] = ()
        for cut in range(MIN_PART, len(word) - MIN_PART + 1):
            head, tail = word[:cut], word[cut:]
            if not self._is_modifier(head):
                continue
            if self._is_part(tail):
                parts: tuple[str, ...] = (head, tail)
            elif depth > 1 and len(tail) >= 2 * MIN_PART:
                rest = self._split(tail, depth - 1)
                parts = (head, *rest) if rest else ()
            else:
                parts = ()
            if parts and (not best or min(map(len, parts)) > min(map(len, best))):
                best = parts
        return best

    def _is_modifier(self, head: str) -> bool:
        """A known word, also with a linking element ("arbeits", "straßen", "kunden")."""
        return self._is_part(head) or any(
            head.endswith(link) and self._is_part(head[: -len(link)]) for link in LINKS
        )

    def _head(self, word: str) -> tuple[str, ...]:
        """The longest known last part of an unknown compound, the rest left unknown."""
        for cut in range(MIN_PART, len(word) - MIN_HEAD + 1):
            if self._is_part(word[cut:]):
                return (word[cut:],)
        return ()

    def _is_part(self, piece: str) -> bool:
        return len(piece) >= MIN_PART and (piece in self.known or self._stemmed(piece))

    def usual(self, word: str) -> str | None:
        """For a known spelling the base writes rarely, a close one it writes far more often:
        examples keep typos on purpose ("korea trainig"), which must not make "trainigs"
        find only those entries instead of every entry that says "trainings"."""
        if not _may_be_misspelt(word):
            return None
        return self._usual(word)

    def _find_usual(self, word: str) -> str | None:
        own = max(self._counts[stem] for stem in stems(word))
        if own > RARE_SPELLING:
            return None
        found = process.extract(
            word, self._choices, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=4,
            processor=None,
        )  # fmt: skip
        usual = [
            other
            for other, _, _ in found
            if other[0] == word[0]
            and min(self._counts[stem] for stem in stems(other)) >= USUAL * own
        ]
        return usual[0] if usual else None

    def correct(self, word: str) -> str | None:
        """The closest known word for a typo, or None when nothing is close enough."""
        if not _may_be_misspelt(word):
            return None
        return self._correction(word)

    def _find_correction(self, word: str) -> str | None:
        found = process.extractOne(
            word, self._choices, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, processor=None
        )
        if found and found[0][0] != word[0]:
            return None  # typos rarely hit the first letter; this avoids learn → clear
        return found[0] if found else None


def _may_be_misspelt(word: str) -> bool:
    """Short words and numbers are too close to others for fuzzy matching to mean much;
    words over ``LONGEST_WORD`` are no typos of a word of the base."""
    return MIN_FUZZY <= len(word) <= LONGEST_WORD and not word.isdigit()
