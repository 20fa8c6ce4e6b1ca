"""From an answered question to the knowledge base: the entry files a draft changes.

A draft (``bot.storage.KbDraft``: a member's question, the office's answer, the
language, the closest entry) is accepted in one of two ways: its question becomes one
more example question of an existing entry, or it becomes a new entry file whose other
language is left empty and marked for the office, so that ``optobot kb check`` fails
until someone has written it. The files are edited as text, line by line, so the
comments, block scalars and order the office wrote stay as they are.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml

from knowledge.entries import ID_PATTERN, LANGUAGES
from knowledge.text import fold

TO_WRITE = "TO WRITE"
"""The mark on the texts of a new entry the office still has to write."""


class DraftError(Exception):
    """The entry file cannot take the draft; the message says why in one line."""


@dataclass(frozen=True)
class Draft:
    """What of a draft goes into an entry: nothing that names the member."""

    question: str
    answer: str
    language: str
    entry_id: str | None = None


def add_question(entries: Path, entry_id: str, question: str, language: str) -> Path:
    """The question as one more example question of ``entry_id`` in ``language``."""
    path = entries / f"{entry_id}.yaml"
    if not ID_PATTERN.match(entry_id) or not path.is_file():
        raise DraftError(f"no entry {entry_id!r} in {entries}")
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    data = yaml.safe_load("".join(lines)) or {}
    known = data.get(language, {}).get("questions") or []
    if fold(question) in {fold(str(q)) for q in known}:
        raise DraftError(f"{entry_id} has this question already")
    at = _after_questions(lines, language)
    if at is None:
        raise DraftError(f"{path.name} has no {language}.questions list to add to")
    indent = _item_indent(lines, at)
    lines.insert(at, f"{indent}- {_scalar(question)}\n")
    text = "".join(lines)
    if question not in (yaml.safe_load(text)[language]["questions"] or []):
        raise DraftError(f"{path.name}: the question could not be added safely")
    path.write_text(text, encoding="utf-8")
    return path


def new_entry(entries: Path, entry_id: str, draft: Draft, *, topic: str, reviewed: date) -> Path:
    """A new entry file from the draft; the other language is marked for the office."""
    if not ID_PATTERN.match(entry_id):
        raise DraftError(f"entry id {entry_id!r} must be lower-case words joined by '-'")
    path = entries / f"{entry_id}.yaml"
    if path.exists():
        raise DraftError(f"{path.name} exists already")
    texts = []
    for language in LANGUAGES:
        if language == draft.language:
            answer = "\n".join(f"    {line}".rstrip() for line in draft.answer.splitlines())
            texts.append(
                f"{language}:\n"
                f"  title: {_scalar(_title(draft.question))}\n"
                "  answer: |\n"
                f"{answer}\n"
                "  questions:\n"
                f"    - {_scalar(draft.question)}\n"
                "  keywords: []\n"
            )
        else:
            texts.append(
                f"# {TO_WRITE}: the office writes the {language} texts (title, answer and at\n"
                "# least six example questions); `optobot kb check` fails until then.\n"
                f"{language}:\n"
                '  title: ""\n'
                '  answer: ""\n'
                "  questions: []\n"
                "  keywords: []\n"
            )
    related = f"[{draft.entry_id}]" if draft.entry_id else "[]"
    head = (
        f"# From an answered question (optobot kb drafts); {TO_WRITE}: more example\n"
        "# questions, the keywords and the sources.\n"
        f"id: {entry_id}\n"
        f"topic: {topic}\n"
        f"reviewed: {reviewed.isoformat()}\n"
        "sources:\n"
        "  - title: OptoNet office\n"
        "    url: null\n"
        f"related: {related}\n"
    )
    path.write_text(head + "".join(texts), encoding="utf-8")
    return path


def entry_topic(entries: Path, entry_id: str | None, default: str = "membership") -> str:
    """The topic of the closest entry, for a new entry next to it."""
    path = entries / f"{entry_id}.yaml" if entry_id else None
    if path is None or not path.is_file():
        return default
    return str((yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("topic") or default)


def _title(question: str) -> str:
    return question.strip().rstrip("?").strip()[:80] or question


def _scalar(text: str) -> str:
    """Text as a one-line YAML scalar: JSON's double-quoted string is valid YAML."""
    return json.dumps(" ".join(text.split()), ensure_ascii=False)


_TOP = re.compile(r"^(?P<key>[a-z_]+):")
_QUESTIONS = re.compile(r"^\s+questions:\s*$")
_ITEM = re.compile(r"^\s+-\s")
_SIBLING = re.compile(r"^\s{1,3}[a-z_]+:")


def _after_questions(lines: list[str], language: str) -> int | None:
    """The line index after the last item of ``<language>: questions:`` (a block list)."""
    section = next((n for n, line in enumerate(lines) if line.startswith(f"{language}:")), None)
    if section is None:
        return None
    questions = None
    for number in range(section + 1, len(lines)):
        if _TOP.match(lines[number]):
            break
        if _QUESTIONS.match(lines[number]):
            questions = number
            break
    if questions is None:
        return None
    last = None
    for number in range(questions + 1, len(lines)):
        line = lines[number]
        if _TOP.match(line) or _SIBLING.match(line):
            break
        if _ITEM.match(line):
            last = number + 1
    return last


def _item_indent(lines: list[str], at: int) -> str:
    previous = lines[at - 1]
    found = re.match(r"^(\s+)-\s", previous)
    return found.group(1) if found else "    "
