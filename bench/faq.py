"""FAQ matching speed with the encoder: start-up, per-question latency on the real knowledge
base and on a synthetic one of 10,000 entries, a long message, and memory. Prints JSON; not
part of the tests.

    .venv/bin/python bench/faq.py

Latency is given as wall time and as the process's CPU time per question: on a machine
shared with other work the wall time includes waiting for a core, the CPU time does not.
The synthetic base copies the real entries with a made-up word per copy; its texts take the
vectors of the texts they were copied from (encoding ~200,000 made-up questions would take
hours and measure the encoder, not the search at that size).
"""

from __future__ import annotations

import json
import random
import resource
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

from knowledge.base import KnowledgeBase, vectors_cache
from knowledge.entries import Entry, load_entries
from knowledge.evaluation import percentile, read_cases
from knowledge.matcher import Matcher
from knowledge.semantic import OFF_TOPIC, VectorCache, load_off_topic

ROOT = Path(__file__).resolve().parents[1]
ENTRIES = ROOT / "knowledge" / "entries"
SYNTHETIC = 10_000
START = """
import resource, sys, time
start = time.perf_counter()
from knowledge.base import KnowledgeBase
base = KnowledgeBase(__import__("pathlib").Path(sys.argv[1]))
ready = time.perf_counter() - start
base.match("gibt es eurostars noch? wir sind 40 leute")
first = time.perf_counter() - start
for q in sys.argv[2:]:
    base.match(q)
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(round(ready, 3), round(first, 3), round(rss, 1))
"""


def synthetic(entries: tuple[Entry, ...], count: int, cache: VectorCache) -> list[Entry]:
    """Real entries copied with a made-up word per copy, so the vocabulary grows too."""
    rng = random.Random(4)
    made = []
    for number in range(count):
        base = entries[number % len(entries)]
        tag = "".join(rng.choice("bcdfghklmnprstvz") + rng.choice("aeiou") for _ in range(4))
        texts = {}
        for lang, text in base.texts.items():
            originals = (text.title, *text.questions)
            copies = tuple(f"{q} {tag}" for q in originals)
            for copy, vector in zip(copies, cache.vectors(originals), strict=True):
                cache.remember(copy, vector)
            texts[lang] = replace(text, title=copies[0], questions=copies[1:])
        made.append(replace(base, id=f"{base.id}-{number}", texts=texts, related=()))
    return made


def measure(matcher: Matcher, questions: list[str]) -> dict[str, float]:
    for question in questions[:20]:
        matcher.match(question)  # the model loaded and warm, as in a running process
    wall, cpu = [], []
    for question in questions:
        start, used = time.perf_counter(), time.process_time()
        matcher.match(question)
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - used) * 1000)
    return {
        "questions": len(questions),
        "wall_p50_ms": percentile(wall, 50),
        "wall_p99_ms": percentile(wall, 99),
        "cpu_p50_ms": percentile(cpu, 50),
        "cpu_p99_ms": percentile(cpu, 99),
    }


def long_messages(matcher: Matcher) -> dict[str, float]:
    """Issue #24: one 3,990-letter word and a 4,000-character message of made-up words."""
    rng = random.Random(24)
    word = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(3990))
    words = " ".join(
        "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(9)) for _ in range(400)
    )
    result = {}
    for name, text in (("one_3990_letter_word_ms", word), ("4000_chars_of_words_ms", words)):
        start = time.process_time()
        matcher.match(text)
        result[name] = round((time.process_time() - start) * 1000, 1)
    return result


def start_up(questions: list[str]) -> dict[str, float]:
    """A fresh process with the shipped vectors: the base ready, then the first answer
    (which loads the model), and its peak RSS after the questions."""
    out = subprocess.run(
        [sys.executable, "-c", START, str(ENTRIES), *questions],
        capture_output=True, text=True, check=True, cwd=ROOT,
    ).stdout.split()  # fmt: skip
    ready, first, rss = map(float, out)
    return {"ready_s": ready, "first_answer_s": first, "peak_rss_mb": rss}


def main() -> None:
    entries = load_entries(ENTRIES).entries
    elsewhere = load_off_topic(ENTRIES.parent / OFF_TOPIC)[0]
    questions = [c.question for c in read_cases(ROOT / "tests" / "knowledge" / "dev_set.yaml")]
    real = KnowledgeBase(ENTRIES).current.matcher
    report: dict[str, object] = {
        "start_up_warm_cache": start_up(questions[:50]),
        "real": {"entries": len(entries), **measure(real, questions)},
        "long_message": long_messages(real),
    }
    cache = vectors_cache(ENTRIES)
    made = synthetic(entries, SYNTHETIC, cache)
    start = time.perf_counter()
    big = Matcher(made, vectors=cache, off_topic=elsewhere)
    build = round(time.perf_counter() - start, 1)
    report["synthetic"] = {"entries": len(made), "build_s": build, **measure(big, questions)}
    report["process_peak_rss_mb"] = round(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
    )
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
