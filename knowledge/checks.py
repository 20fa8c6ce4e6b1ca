"""Every check of ``optobot kb check`` over one set of entries, wherever they come from.

The files of ``knowledge/entries/`` and the office's edits (the files with the saved
versions in their place) pass the same checks, so an entry the office accepts is one the
repository's check accepts too.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from pathlib import Path

from knowledge.entries import Loaded
from knowledge.evaluation import copied_questions
from knowledge.problems import Problem
from knowledge.semantic import OFF_TOPIC, load_off_topic
from knowledge.synonyms import load_synonyms


def evaluation_sets(knowledge_dir: Path) -> list[Path]:
    """The labelled question sets of the checkout ``knowledge_dir`` belongs to (none in an
    installation without the tests): their questions must not become example questions."""
    return sorted((knowledge_dir.parent / "tests" / "knowledge").glob("*_set.yaml"))


def check_base(knowledge_dir: Path, loaded: Loaded, sets: Sequence[Path] = ()) -> list[Problem]:
    """The entries' problems, example questions copied from an evaluation set, and the
    problems of the synonyms, the off-topic phrases and the trainings catalogue."""
    problems: list[Problem] = list(loaded.problems)
    elsewhere, off_topic_problems = load_off_topic(knowledge_dir / OFF_TOPIC)
    for path in sets:
        problems += copied_questions(loaded.entries, path, elsewhere)
    problems += load_synonyms(knowledge_dir / "synonyms.yaml").problems
    problems += off_topic_problems
    catalogue = knowledge_dir / "trainings.yaml"
    try:
        checker = importlib.import_module("knowledge.catalogue")
    except ModuleNotFoundError:
        checker = None
    if checker is not None and catalogue.exists():
        problems += checker.check(catalogue)
    return problems
