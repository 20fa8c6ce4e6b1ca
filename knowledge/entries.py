"""The knowledge-base entries: one YAML file each, loaded and checked with line numbers.

Staff edit these files by hand, so loading never stops at the first mistake: it returns the
entries that are sound plus every :class:`Problem` (file and line), and the caller decides
whether to serve them (see :mod:`knowledge.base`).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, StrictUndefined, TemplateError

from knowledge.problems import Problem
from knowledge.text import fold

LANGUAGES = ("de", "en")
TOPICS = {"funding", "ip", "training", "cooperation", "membership", "assistant"}
ENTRY_FIELDS = {"id", "topic", "reviewed", "sources", "related", "de", "en"}
TEXT_FIELDS = {"title", "answer", "questions", "keywords"}
SOURCE_FIELDS = {"title", "url"}
MIN_QUESTIONS = 6
MAX_ANSWER_WORDS = 180
ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
SAMPLE_OFFICE = {
    "office": {"email": "office@example.org", "website": "https://example.org"},
    "in_form": "",
}
SAMPLE_PERIODS = {"periods": {"questions": 90, "dialogues": 7, "outbox": 30, "registrations": 365}}
SAMPLE_CONTEXTS = (SAMPLE_OFFICE, SAMPLE_OFFICE | SAMPLE_PERIODS)
"""An answer is rendered with the office's addresses and whether a form runs (inside one it
leaves out its invitation to start a dialogue); /privacy adds the retention periods."""


@dataclass(frozen=True)
class Source:
    title: str
    url: str | None


@dataclass(frozen=True)
class EntryText:
    """What an entry says in one language."""

    title: str
    answer: str
    questions: tuple[str, ...]
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class Entry:
    id: str
    topic: str
    reviewed: date
    sources: tuple[Source, ...]
    related: tuple[str, ...]
    texts: Mapping[str, EntryText]
    file: str

    def text(self, language: str) -> EntryText:
        return self.texts.get(language) or self.texts[LANGUAGES[0]]


@dataclass(frozen=True)
class Loaded:
    entries: tuple[Entry, ...]
    problems: tuple[Problem, ...]


def load_entries(directory: Path) -> Loaded:
    """Every ``*.yaml`` under ``directory``: the sound entries and all problems found."""
    files = sorted(directory.glob("*.yaml"))
    if not files:
        return Loaded((), (Problem(str(directory), None, "no entry files (*.yaml) found"),))
    return load_texts({str(path): _read(path) for path in files})


def directory_texts(directory: Path) -> dict[str, str]:
    """The entry files of ``directory`` as ``{file: text}``, for :func:`load_texts`."""
    return {str(path): _read(path) for path in sorted(directory.glob("*.yaml"))}


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return "\x00"  # reported as not valid YAML, with the file's name


def load_texts(files: Mapping[str, str]) -> Loaded:
    """Entries given as ``{file name: YAML text}`` (the files of a directory, or those with
    the office's edits in place): the same checks as :func:`load_entries`."""
    problems: list[Problem] = []
    entries: list[Entry] = []
    for name, text in sorted(files.items()):
        checker = _FileChecker(name, text)
        entry = checker.entry()
        problems += checker.problems
        if entry is not None and not checker.problems:
            entries.append(entry)
    problems += _cross_checks(entries, {Path(name).stem for name in files})
    bad = {p.file for p in problems}
    sound = tuple(e for e in entries if e.file not in bad)
    return Loaded(sound, tuple(problems))


class _FileChecker:
    """Checks one file against the entry schema and remembers where each value stands."""

    def __init__(self, name: str, text: str) -> None:
        self.path = Path(name)
        self.file = name
        self.source = text
        self.problems: list[Problem] = []

    def add(self, node: yaml.Node | None, code: str, **params: Any) -> None:
        line = node.start_mark.line + 1 if node is not None else None
        self.problems.append(Problem.of(self.file, line, code, **params))

    def entry(self) -> Entry | None:
        try:
            root = yaml.compose(self.source, Loader=yaml.SafeLoader)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            line = mark.line + 1 if mark is not None else None
            self.problems.append(Problem.of(self.file, line, "not_yaml", error=str(error)))
            return None
        fields = self.mapping(root, "the file", ENTRY_FIELDS)
        if fields is None or root is None:  # a mapping it is not, then
            return None
        entry_id = self.string(fields.get("id"), "id", root)
        if entry_id and not ID_PATTERN.match(entry_id):
            self.add(fields["id"], "entry_id", id=entry_id)
        if entry_id and entry_id != self.path.stem:
            self.add(fields["id"], "id_not_file", id=entry_id, file=self.path.name)
        topic = self.string(fields.get("topic"), "topic", root)
        if topic and topic not in TOPICS:
            self.add(fields["topic"], "entry_topic", topic=topic, topics=", ".join(sorted(TOPICS)))
        reviewed = self.reviewed(fields.get("reviewed"), root)
        sources = self.sources(fields.get("sources"), root)
        related = self.strings(fields.get("related"), "related", root, required=False)
        texts = {lang: self.text(fields.get(lang), lang, root) for lang in LANGUAGES}
        if self.problems or None in texts.values() or not (entry_id and topic and reviewed):
            return None
        return Entry(
            id=entry_id,
            topic=topic,
            reviewed=reviewed,
            sources=sources,
            related=tuple(related),
            texts={lang: text for lang, text in texts.items() if text is not None},
            file=self.file,
        )

    # typed fields ------------------------------------------------------------------------

    def mapping(
        self, node: yaml.Node | None, what: str, allowed: set[str]
    ) -> dict[str, yaml.Node] | None:
        if not isinstance(node, yaml.MappingNode):
            self.add(node, "not_mapping", what=what)
            return None
        fields: dict[str, yaml.Node] = {}
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else str(key)
            if name in fields:
                self.add(key, "field_twice", name=name, what=what)
            elif name not in allowed:
                self.add(key, "entry_unknown_field", name=name, what=what, allowed=_list(allowed))
            fields[name] = value
        for name in sorted(allowed - set(fields)):
            if name != "url":
                self.add(node, "lacks_field", what=what, name=name)
        return fields

    def string(self, node: yaml.Node | None, what: str, parent: yaml.Node) -> str | None:
        if node is None:
            return None
        if not isinstance(node, yaml.ScalarNode) or node.tag != "tag:yaml.org,2002:str":
            self.add(node, "not_text", what=what)
            return None
        if not node.value.strip():
            self.add(node, "empty", what=what)
            return None
        return str(node.value)

    def strings(
        self, node: yaml.Node | None, what: str, parent: yaml.Node, *, required: bool = True
    ) -> list[str]:
        if node is None:
            return []
        if not isinstance(node, yaml.SequenceNode):
            self.add(node, "not_list", what=what)
            return []
        values = [self.string(item, f"an item of {what}", node) for item in node.value]
        if required and not node.value:
            self.add(node, "empty", what=what)
        return [value for value in values if value]

    def reviewed(self, node: yaml.Node | None, parent: yaml.Node) -> date | None:
        if node is None:
            return None
        value = None
        if isinstance(node, yaml.ScalarNode):
            with contextlib.suppress(ValueError):
                value = date.fromisoformat(str(node.value))
        if value is None:
            self.add(node, "reviewed")
        return value

    def sources(self, node: yaml.Node | None, parent: yaml.Node) -> tuple[Source, ...]:
        if node is None:
            return ()
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            self.add(node, "sources")
            return ()
        sources = []
        for item in node.value:
            fields = self.mapping(item, "a source", SOURCE_FIELDS)
            if fields is None:
                continue
            title = self.string(fields.get("title"), "a source's title", item)
            url_node = fields.get("url")
            url = None
            if url_node is not None and url_node.tag != "tag:yaml.org,2002:null":
                url = self.string(url_node, "a source's url", item)
                if url and not url.startswith(("https://", "http://")):
                    self.add(url_node, "source_url", url=url)
            if title:
                sources.append(Source(title, url))
        return tuple(sources)

    def text(self, node: yaml.Node | None, lang: str, parent: yaml.Node) -> EntryText | None:
        if node is None:
            return None
        fields = self.mapping(node, f"the {lang} texts", TEXT_FIELDS)
        if fields is None:
            return None
        title = self.string(fields.get("title"), f"{lang}.title", node)
        answer = self.string(fields.get("answer"), f"{lang}.answer", node)
        questions = self.strings(fields.get("questions"), f"{lang}.questions", node)
        keywords = self.strings(fields.get("keywords"), f"{lang}.keywords", node)
        if fields.get("questions") is not None and len(questions) < MIN_QUESTIONS:
            self.add(
                fields["questions"],
                "few_questions",
                language=lang,
                count=len(questions),
                needed=MIN_QUESTIONS,
            )
        self.unique_questions(fields.get("questions"), lang)
        if answer is not None:
            self.answer(fields["answer"], lang, answer)
        if not (title and answer and questions):
            return None
        return EntryText(title, answer.strip(), tuple(questions), tuple(keywords))

    def unique_questions(self, node: yaml.Node | None, lang: str) -> None:
        seen: set[str] = set()
        for item in node.value if isinstance(node, yaml.SequenceNode) else ():
            key = fold(str(item.value))
            if key in seen:
                self.add(item, "question_twice", language=lang, question=item.value)
            seen.add(key)

    def answer(self, node: yaml.Node, lang: str, answer: str) -> None:
        """Rendered as the FAQ shows it and as /privacy shows it (with ``periods``): both
        must work, and what members read must stay short."""
        try:
            template = _placeholders.from_string(answer)
            rendered = [template.render(**context) for context in SAMPLE_CONTEXTS]
        except TemplateError as error:
            self.add(node, "placeholder", language=lang, error=str(error))
            rendered = [answer]
        words = max(len(text.split()) for text in rendered)
        if words > MAX_ANSWER_WORDS:
            self.add(node, "answer_words", language=lang, count=words, limit=MAX_ANSWER_WORDS)


_placeholders = Environment(undefined=StrictUndefined, autoescape=False)


def _cross_checks(entries: list[Entry], file_ids: set[str]) -> list[Problem]:
    """What no single file can tell: duplicate ids, related ids, questions shared by entries.

    A related id whose file is broken still counts as existing: that file gets the blame."""
    problems: list[Problem] = []
    by_id: dict[str, Entry] = {}
    for entry in entries:
        if entry.id in by_id:
            problems.append(
                Problem.of(
                    entry.file, None, "id_used_twice", id=entry.id, other=by_id[entry.id].file
                )
            )
        by_id.setdefault(entry.id, entry)
    for entry in entries:
        for other in entry.related:
            if other == entry.id:
                problems.append(Problem.of(entry.file, None, "related_itself"))
            elif other not in by_id and other not in file_ids:
                problems.append(Problem.of(entry.file, None, "related_unknown", id=other))
    owner: dict[str, Entry] = {}
    for entry in entries:
        for lang, text in entry.texts.items():
            for question in text.questions:
                key = fold(question)
                first = owner.setdefault(key, entry)
                if first.id != entry.id:
                    problems.append(
                        Problem.of(
                            entry.file,
                            None,
                            "question_elsewhere",
                            language=lang,
                            question=question,
                            other=first.id,
                        )
                    )
    return problems


def _list(names: Iterable[str]) -> str:
    return ", ".join(sorted(names))


def entry_as_dict(entry: Entry) -> dict[str, Any]:
    """An entry as plain data, for ``kb export --json``."""
    return {
        "id": entry.id,
        "topic": entry.topic,
        "reviewed": entry.reviewed.isoformat(),
        "sources": [{"title": s.title, "url": s.url} for s in entry.sources],
        "related": list(entry.related),
        **{
            lang: {
                "title": text.title,
                "answer": text.answer,
                "questions": list(text.questions),
                "keywords": list(text.keywords),
            }
            for lang, text in entry.texts.items()
        },
    }


class _Block(str):
    """A text written as a YAML block (``|``), as the answers in the files are."""


def _block(dumper: yaml.SafeDumper, text: _Block) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(text), style="|")


class _EntryDumper(yaml.SafeDumper):
    pass


_EntryDumper.add_representer(_Block, _block)


def dump_entry(data: Mapping[str, Any]) -> str:
    """An entry given as :func:`entry_as_dict` gives it, as the YAML of one entry file."""
    out: dict[str, Any] = {
        "id": data["id"],
        "topic": data["topic"],
        "reviewed": _date_or_text(str(data["reviewed"])),
        "sources": [
            {"title": s["title"], "url": s.get("url") or None} for s in data.get("sources", [])
        ],
        "related": list(data.get("related", [])),
    }
    for lang in LANGUAGES:
        text = data.get(lang) or {}
        answer = str(text.get("answer", "")).strip()
        out[lang] = {
            "title": text.get("title", ""),
            "answer": _Block(answer + "\n") if "\n" in answer else answer,
            "questions": list(text.get("questions", [])),
            "keywords": list(text.get("keywords", [])),
        }
    return yaml.dump(
        out, Dumper=_EntryDumper, allow_unicode=True, sort_keys=False, width=1000, indent=2
    )


def _date_or_text(value: str) -> date | str:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return value
