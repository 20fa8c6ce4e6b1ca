"""The analyzer's word caches: what members send must not grow a worker without end."""

from __future__ import annotations

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
