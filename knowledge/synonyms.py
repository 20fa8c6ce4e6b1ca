"""Domain synonyms the office keeps in ``knowledge/synonyms.yaml``, checked like the entries.

Members say "workshop", "Kurs" or "Schulung" where an entry says "Training"; listing such
words once, as a group, lets every entry match them without repeating them in each file.
Each group becomes one extra index term ("~training") that a question and an entry share
whenever each uses any word of the group.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from knowledge.problems import Problem

SYNONYMS_FILE = Path(__file__).resolve().parent / "synonyms.yaml"
GROUP_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
ONE_WORD = re.compile(r"^[^\W_]+$")


@dataclass(frozen=True)
class Synonyms:
    """Group name → its words (lower-case, one word each)."""

    groups: dict[str, tuple[str, ...]]


NO_SYNONYMS = Synonyms({})


@dataclass(frozen=True)
class LoadedSynonyms:
    synonyms: Synonyms
    problems: tuple[Problem, ...]


def load_synonyms(path: Path = SYNONYMS_FILE) -> LoadedSynonyms:
    """The groups of ``path`` and every problem found; a missing file means no synonyms."""
    if not path.exists():
        return LoadedSynonyms(NO_SYNONYMS, ())
    file = str(path)
    problems: list[Problem] = []
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        return LoadedSynonyms(NO_SYNONYMS, (Problem(file, line, f"not valid YAML: {error}"),))
    if not isinstance(root, yaml.MappingNode):
        return LoadedSynonyms(NO_SYNONYMS, (Problem(file, 1, "must map group names to words"),))
    groups: dict[str, tuple[str, ...]] = {}
    owner: dict[str, str] = {}
    for key, value in root.value:
        name, line = str(key.value), key.start_mark.line + 1
        if not GROUP_NAME.match(name):
            problems.append(Problem(file, line, f"group name {name!r} must be lower-case words"))
        if name in groups:
            problems.append(Problem(file, line, f"group {name!r} appears twice"))
        if not isinstance(value, yaml.SequenceNode) or len(value.value) < 2:
            problems.append(Problem(file, line, f"group {name!r} needs a list of two or more"))
            continue
        members = []
        for item in value.value:
            word = str(item.value).strip().lower() if isinstance(item, yaml.ScalarNode) else ""
            where = item.start_mark.line + 1
            if not ONE_WORD.match(word):
                problems.append(
                    Problem(file, where, f"{item.value!r} in {name!r} must be one word")
                )
                continue
            if word in owner:
                problems.append(
                    Problem(file, where, f"{word!r} is in {owner[word]!r} and {name!r}")
                )
                continue
            owner[word] = name
            members.append(word)
        groups[name] = tuple(members)
    if problems:
        return LoadedSynonyms(NO_SYNONYMS, tuple(problems))
    return LoadedSynonyms(Synonyms(groups), ())


@lru_cache(maxsize=1)
def default_synonyms() -> Synonyms:
    """The groups of the shipped file; none if it has problems (``kb check`` names them)."""
    return load_synonyms().synonyms
