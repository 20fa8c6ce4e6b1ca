"""The knowledge base a process serves: entries plus their index, swapped whole on reload.

A broken file never takes answers away: at start the sound entries are served and the
problems logged; on reload a base with problems is refused and the last good one stays.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from knowledge.entries import Entry, directory_texts, load_entries, load_texts
from knowledge.evidence import Match
from knowledge.matcher import Matcher
from knowledge.problems import Problem
from knowledge.semantic import OFF_TOPIC, SHIPPED, E5Encoder, VectorCache, load_off_topic
from knowledge.synonyms import Synonyms, load_synonyms

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Snapshot:
    entries: dict[str, Entry]
    matcher: Matcher


class KnowledgeBase:
    def __init__(self, directory: Path, vectors: Path | None = None) -> None:
        """``vectors``: the data directory's cache of the entries' vectors (written when an
        entry's text has no vector yet); the shipped one beside the entries is read too."""
        self.directory = directory
        self.edits: Mapping[str, str | None] = {}
        """The office's versions by file: the YAML served instead of the file, or None for
        a retired entry (see :mod:`bot.curation.reload`)."""
        self.vectors = vectors_cache(directory, vectors)
        loaded = load_entries(directory)
        synonyms = load_synonyms(self.synonyms_file)
        elsewhere, problems = load_off_topic(directory.parent / OFF_TOPIC)
        self._report(loaded.problems + synonyms.problems + tuple(problems))
        self.current = _snapshot(loaded.entries, synonyms.synonyms, self.vectors, elsewhere)

    @property
    def synonyms_file(self) -> Path:
        """Next to the entries directory, like knowledge/synonyms.yaml."""
        return self.directory.parent / "synonyms.yaml"

    @property
    def entries(self) -> dict[str, Entry]:
        return self.current.entries

    def get(self, entry_id: str) -> Entry | None:
        return self.current.entries.get(entry_id)

    def title(self, entry_id: str, language: str) -> str:
        """The entry's title, or its id when there is no such entry (any more)."""
        entry = self.get(entry_id)
        return entry.text(language).title if entry is not None else entry_id

    def match(self, question: str) -> Match:
        return self.current.matcher.match(question)

    def files(self, edits: Mapping[str, str | None] | None = None) -> dict[str, str]:
        """The entry files with ``edits`` (by default the ones served) in their place."""
        return merged(directory_texts(self.directory), self.edits if edits is None else edits)

    def file_of(self, entry_id: str) -> str:
        """The name an entry's file has (and an office version of it has)."""
        return str(self.directory / f"{entry_id}.yaml")

    def serve(self, edits: Mapping[str, str | None]) -> list[Problem]:
        """Serve the files with these edits in place; on a problem keep what we serve."""
        before = self.edits
        self.edits = dict(edits)
        problems = self.reload()
        if problems:
            self.edits = before
        return problems

    def reload(self) -> list[Problem]:
        """Load the files again; on any problem keep serving what we have and say why."""
        loaded = load_texts(self.files()) if self.edits else load_entries(self.directory)
        synonyms = load_synonyms(self.synonyms_file)
        elsewhere, off_topic_problems = load_off_topic(self.directory.parent / OFF_TOPIC)
        problems = loaded.problems + synonyms.problems + tuple(off_topic_problems)
        if problems:
            self._report(problems)
            log.error("knowledge base not reloaded: %d problem(s)", len(problems))
            return list(problems)
        self.current = _snapshot(loaded.entries, synonyms.synonyms, self.vectors, elsewhere)
        log.info("knowledge base reloaded: %d entries", len(loaded.entries))
        return []

    @staticmethod
    def _report(problems: tuple[Problem, ...]) -> None:
        for problem in problems:
            log.error("knowledge base: %s", problem)


def merged(files: Mapping[str, str], edits: Mapping[str, str | None]) -> dict[str, str]:
    """``files`` with each edit in its place: a text replaces (or adds) a file, None drops it."""
    out = dict(files)
    for name, text in edits.items():
        if text is None:
            out.pop(name, None)
        else:
            out[name] = text
    return out


def vectors_cache(directory: Path, writable: Path | None = None) -> VectorCache:
    """The encoder with the vectors shipped beside ``directory`` and those in ``writable``."""
    return VectorCache(E5Encoder(), shipped=directory.parent / SHIPPED, writable=writable)


def _snapshot(
    entries: tuple[Entry, ...], synonyms: Synonyms, vectors: VectorCache, elsewhere: list[str]
) -> Snapshot:
    matcher = Matcher(entries, synonyms=synonyms, vectors=vectors, off_topic=elsewhere)
    return Snapshot({entry.id: entry for entry in entries}, matcher)
