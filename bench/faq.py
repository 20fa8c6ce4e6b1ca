"""FAQ matching speed: index build and per-question latency on the real knowledge base and
on a synthetic one of 10,000 entries, plus peak memory. Prints JSON; not part of the tests.

    .venv/bin/python bench/faq.py
"""

from __future__ import annotations

import json
import random
import resource
import time
import tracemalloc
from dataclasses import replace
from pathlib import Path

from knowledge.entries import Entry, load_entries
from knowledge.evaluation import percentile, read_cases
from knowledge.matcher import Matcher

ROOT = Path(__file__).resolve().parents[1]
SYNTHETIC = 10_000


def synthetic(entries: tuple[Entry, ...], count: int) -> list[Entry]:
    """Real entries copied with a made-up word per copy, so the vocabulary grows too."""
    rng = random.Random(4)
    made = []
    for number in range(count):
        base = entries[number % len(entries)]
        tag = "".join(rng.choice("bcdfghklmnprstvz") + rng.choice("aeiou") for _ in range(4))
        texts = {
            lang: replace(
                text,
                title=f"{text.title} {tag}",
                questions=tuple(f"{q} {tag}" for q in text.questions),
            )
            for lang, text in base.texts.items()
        }
        made.append(replace(base, id=f"{base.id}-{number}", texts=texts, related=()))
    return made


def measure(
    entries: list[Entry] | tuple[Entry, ...], questions: list[str], *, trace: bool = True
) -> dict[str, float | None]:
    """Build time without tracemalloc (it slows every allocation); the index's memory from
    a second, traced build when ``trace`` (skipped where a build takes minutes)."""
    start = time.perf_counter()
    matcher = Matcher(entries)
    build = time.perf_counter() - start
    peak = None
    if trace:
        tracemalloc.start()
        Matcher(entries)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    for question in questions[:20]:
        matcher.match(question)  # warm caches as a running process has them
    latencies = []
    for question in questions:
        start = time.perf_counter()
        matcher.match(question)
        latencies.append((time.perf_counter() - start) * 1000)
    return {
        "entries": len(entries),
        "questions": len(questions),
        "build_s": round(build, 3),
        "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99),
        "index_peak_mb": round(peak / 2**20, 1) if peak is not None else None,
    }


def main() -> None:
    entries = load_entries(ROOT / "knowledge" / "entries").entries
    questions = [c.question for c in read_cases(ROOT / "tests" / "knowledge" / "eval_set.yaml")]
    report = {
        "real": measure(entries, questions),
        "synthetic": measure(synthetic(entries, SYNTHETIC), questions, trace=False),
        "process_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
