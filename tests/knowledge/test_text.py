"""The analyzer's word caches: what members send must not grow a worker without end."""

from __future__ import annotations

import random

import pytest

from knowledge import text
from knowledge.text import Analyzer

VOCABULARY = ["training", "training", "reisekosten", "zuschuss", "förderung", "patent"]


def test_made_up_words_are_forgotten_but_corrections_stay_right() -> None:
    analyzer = Analyzer(VOCABULARY, cached_words=8)
    typos = [f"wort{n:04d}xyz" for n in range(200)]
    compounds = [f"reisekosten{n}zuschuss" for n in range(50)]
    for word in typos + compounds:
        analyzer.groups(word, correct=True)
    for cached in (analyzer._parts, analyzer._usual, analyzer._correction):
        assert cached.cache_info().currsize <= 8
    assert analyzer.correct("trainnig") == "training"
    assert analyzer.split("reisekostenzuschuss") == ("reisekosten", "zuschuss")
    assert analyzer.groups("zuschus", correct=True) == [("zuschus", "zuschuss")]


class _CountingStemmer:
    """The Snowball stemmer, counting its calls: how much work one message costs."""

    def __init__(self, stemmer: object) -> None:
        self.stemmer, self.calls = stemmer, 0

    def stemWord(self, word: str) -> str:
        self.calls += 1
        return self.stemmer.stemWord(word)  # type: ignore[attr-defined]


def test_24_one_long_word_costs_a_few_stems_not_one_per_cut(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue #24: a 3,990-letter "word" was stemmed at every cut of every split (seconds of
    CPU) and each cut's key stayed in the caches."""
    analyzer = Analyzer(VOCABULARY)
    german = _CountingStemmer(text._german)
    monkeypatch.setattr(text, "_german", german)
    rng = random.Random(24)
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = ["".join(rng.choice(letters) for _ in range(3990)) for _ in range(3)]
    for word in words:
        analyzer.groups(word, correct=True)
        analyzer.terms(word)
    assert german.calls <= len(words) * 4
    for cached in (analyzer._parts, analyzer._usual, analyzer._correction):
        assert cached.cache_info().currsize == 0
    cached_before = text._cached_stems.cache_info().currsize
    text.stems(words[0])
    assert text._cached_stems.cache_info().currsize == cached_before  # no 4 KB keys kept


def test_24_words_of_ordinary_length_are_still_split_and_corrected() -> None:
    analyzer = Analyzer(VOCABULARY)
    assert analyzer.split("reisekostenzuschuss") == ("reisekosten", "zuschuss")
    assert analyzer.correct("trainnig") == "training"


def test_24_a_long_message_is_read_up_to_its_first_500_characters() -> None:
    question = "eurostars " + "zusammenarbeit " * 40 + "nemawashi japan"
    clipped = text.clip(question)
    assert len(clipped) <= 500 and clipped.endswith("zusammenarbeit")
    assert text.clip("kurz") == "kurz"
    assert len(text.clip("x" * 4000)) == 500
