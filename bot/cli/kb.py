"""``optobot kb``: check, ask, evaluate, calibrate and export the knowledge base; list gaps."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select

from bot.csv_export import write_csv
from bot.settings import Settings
from bot.storage import Database, QuestionLog
from knowledge.entries import entry_as_dict, load_entries
from knowledge.evaluation import (
    calibrate,
    calibration_rankings,
    cross_validate,
    evaluate,
    read_cases,
)
from knowledge.matcher import Matcher
from knowledge.problems import Problem
from knowledge.synonyms import load_synonyms
from knowledge.text import fold


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    command = commands.add_parser(
        "kb", help="the knowledge base", description="Check, query and evaluate the FAQ base."
    )
    actions = command.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser("check", help="validate every entry and the trainings catalogue")
    ask = actions.add_parser("ask", help="how a question would be answered")
    ask.add_argument("question", help='the question, or "-" to read one per line from stdin')
    ask.add_argument("--lang", choices=["de", "en"], help="the member's language")
    ask.add_argument("--json", action="store_true", help="one JSON object per question")
    evaluation = actions.add_parser("eval", help="figures on a labelled question set")
    evaluation.add_argument("file", type=Path)
    evaluation.add_argument("--json", action="store_true")
    cal = actions.add_parser("calibrate", help="best thresholds for the decisions")
    cal.add_argument("file", type=Path, help="YAML with out_of_scope (and in_scope) questions")
    cal.add_argument(
        "--labelled",
        action="store_true",
        help="calibrate on all the file's questions and print 5-fold cross-validated figures "
        "(default: held-out example questions plus the file's out_of_scope ones)",
    )
    export = actions.add_parser("export", help="all entries with their texts")
    export.add_argument("--json", action="store_true", help="JSON (the only format)")
    gaps = actions.add_parser("gaps", help="fallbacks, clarifications and 👎, most frequent first")
    gaps.add_argument("--format", choices=["table", "json", "csv"], default="table")
    command.set_defaults(run=run)


def run(settings: Settings, args: argparse.Namespace) -> int:
    directory = settings.knowledge_dir / "entries"
    if args.action == "check":
        return _check(settings.knowledge_dir)
    if args.action == "gaps":
        rows = asyncio.run(_gaps(settings))
        _print_gaps(rows, args.format)
        return 0
    loaded = load_entries(directory)
    synonyms = load_synonyms(settings.knowledge_dir / "synonyms.yaml")
    for problem in loaded.problems + synonyms.problems:
        print(problem, file=sys.stderr)
    if args.action == "export":
        print(json.dumps([entry_as_dict(e) for e in loaded.entries], ensure_ascii=False, indent=2))
        return 0
    if args.action == "calibrate":
        cases = read_cases(args.file)
        report: dict[str, Any] = {}
        if args.labelled:
            matcher = Matcher(loaded.entries, synonyms=synonyms.synonyms)
            ranked = [(case, matcher, matcher.rank(case.question)) for case in cases]
            report["cross_validated"] = cross_validate(ranked)
        else:
            out = [c for c in cases if c.expected is None]
            ranked = calibration_rankings(loaded.entries, out, synonyms=synonyms.synonyms)
        limits, result = calibrate(ranked)
        report = {"thresholds": limits.__dict__, "figures": result, **report}
        print(json.dumps(report, indent=2))
        return 0
    matcher = Matcher(loaded.entries, synonyms=synonyms.synonyms)
    if args.action == "eval":
        report = evaluate(matcher, read_cases(args.file))
        if args.json:
            print(json.dumps(report, ensure_ascii=False, indent=2))
        else:
            _print_report(report)
        return 0
    questions = sys.stdin if args.question == "-" else [args.question]
    for line in questions:
        question = line.strip()
        if not question:
            continue
        match = matcher.match(question)
        if args.json:
            print(json.dumps({"q": question, **match.as_dict()}, ensure_ascii=False), flush=True)
        else:
            shown = ", ".join(f"{c.id} ({c.score:.2f})" for c in match.candidates)
            print(f"{match.decision}: {match.id or '–'} score {match.score:.2f}; {shown}")
    return 0


def _check(knowledge_dir: Path) -> int:
    problems: list[Problem] = list(load_entries(knowledge_dir / "entries").problems)
    problems += load_synonyms(knowledge_dir / "synonyms.yaml").problems
    catalogue = knowledge_dir / "trainings.yaml"
    try:
        checker = importlib.import_module("knowledge.catalogue")
    except ModuleNotFoundError:
        checker = None
    if checker is not None and catalogue.exists():
        problems += checker.check(catalogue)
    for problem in problems:
        print(problem)
    print(f"{len(problems)} problem(s)" if problems else "knowledge base is fine")
    return 1 if problems else 0


def _print_report(report: dict[str, Any]) -> None:
    names = ("answered_correct", "correct_in_candidates", "wrong_answer", "out_of_scope_fallback")
    groups = [k for k in report if k not in ("latency_ms", "misses")]
    print(f"{'':24}" + "".join(f"{g:>10}" for g in groups))
    for name in names:
        print(f"{name:24}" + "".join(f"{report[g][name]:>10.1%}" for g in groups))
    latency = report["latency_ms"]
    print(f"latency ms: p50 {latency['p50']:.2f}, p99 {latency['p99']:.2f}")


async def _gaps(settings: Settings) -> list[dict[str, Any]]:
    database = Database(settings.effective_database_url)
    try:
        await database.upgrade()
        async with database.transaction() as session:
            query = select(QuestionLog).where(
                or_(QuestionLog.decision != "answer", QuestionLog.feedback < 0),
                QuestionLog.text.is_not(None),
            )
            logs = (await session.execute(query)).scalars().all()
    finally:
        await database.dispose()
    return group_gaps(logs)


def group_gaps(logs: Sequence[QuestionLog]) -> list[dict[str, Any]]:
    """Questions grouped by their folded, sorted content words, most frequent first."""
    groups: dict[str, dict[str, Any]] = {}
    for log in logs:
        key = " ".join(sorted(set(fold(log.text or "").split()))) or "?"
        group = groups.setdefault(
            key, {"count": 0, "example": log.text, "decisions": {}, "entries": set()}
        )
        group["count"] += 1
        kind = "thumbs_down" if (log.feedback or 0) < 0 else log.decision
        group["decisions"][kind] = group["decisions"].get(kind, 0) + 1
        if log.entry_id:
            group["entries"].add(log.entry_id)
    rows = [
        {**group, "entries": sorted(group["entries"])}
        for group in sorted(groups.values(), key=lambda g: -g["count"])
    ]
    return rows


def _print_gaps(rows: list[dict[str, Any]], form: str) -> None:
    if form == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    flat = [
        {
            "count": r["count"],
            "kinds": " ".join(f"{k}={v}" for k, v in sorted(r["decisions"].items())),
            "entries": " ".join(r["entries"]),
            "example": r["example"],
        }
        for r in rows
    ]
    if form == "csv":
        write_csv(sys.stdout, ["count", "kinds", "entries", "example"], flat)
        return
    for row in flat:
        print(f"{row['count']:>5}  {row['kinds']:<28} {row['entries']:<30} {row['example']}")
    if not flat:
        print("no gaps: every question was answered")
