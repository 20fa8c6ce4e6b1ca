"""What members asked that got no answer, a clarification or a 👎, grouped by meaning.

Questions are grouped with the FAQ's own encoder (multilingual, so a German and an English
wording of one need land together); if the encoder cannot run, by their folded content
words. Each group has its count, when it was last asked, and the entry closest to it.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.language import detect
from bot.storage import KnowledgeGapOutcome, QuestionLog
from knowledge.base import KnowledgeBase
from knowledge.entries import LANGUAGES
from knowledge.text import fold

log = logging.getLogger(__name__)
SAME_MEANING = 0.9
"""Cosine similarity of two questions' vectors above which they ask the same."""


@dataclass
class Wording:
    text: str
    language: str


@dataclass
class Gap:
    key: str
    wordings: list[Wording] = field(default_factory=list)
    count: int = 0
    last_asked: datetime | None = None
    kinds: dict[str, int] = field(default_factory=dict)
    closest: str | None = None

    @property
    def example(self) -> Wording:
        return self.wordings[0]

    @property
    def languages(self) -> list[str]:
        return sorted({w.language for w in self.wordings})


def wording_language(text: str, member_language: str) -> str:
    """The language the question is written in (an English member may ask in German), else
    the member's: the example question goes to the entry's texts in that language."""
    found = detect(text)
    return found if found in LANGUAGES else member_language


def word_key(text: str) -> str:
    """A question's folded content words, sorted: the grouping without the encoder."""
    return " ".join(sorted(set(fold(text).split()))) or "?"


def dismissal_key(text: str) -> str:
    """What a dismissal is kept under: a hash of the words, not the member's words, which
    the retention period would otherwise not reach."""
    return hashlib.sha256(word_key(text).encode()).hexdigest()[:32]


async def gap_logs(
    session: AsyncSession, since: datetime | None = None, limit: int = 500
) -> Sequence[QuestionLog]:
    """The newest ``limit`` unanswered questions (since ``since``), newest first. A question
    a worker has not met costs ~20 ms to encode, so a page waits 10 s at worst."""
    query = (
        select(QuestionLog)
        .where(
            or_(QuestionLog.decision != "answer", QuestionLog.feedback < 0),
            QuestionLog.text.is_not(None),
        )
        .order_by(QuestionLog.created_at.desc(), QuestionLog.id.desc())
        .limit(limit)
    )
    if since is not None:
        query = query.where(QuestionLog.created_at >= since)
    return (await session.execute(query)).scalars().all()


async def dismissed(session: AsyncSession) -> set[str]:
    return set((await session.execute(select(KnowledgeGapOutcome.key))).scalars())


def group(logs: Sequence[QuestionLog], base: KnowledgeBase, hidden: set[str]) -> list[Gap]:
    """The logs (newest first) in groups, most asked first; dismissed groups left out."""
    texts = [log.text or "" for log in logs]
    vectors = _vectors(base, texts)
    gaps: list[Gap] = []
    centres: list[np.ndarray] = []
    by_words: dict[str, Gap] = {}
    for n, entry in enumerate(logs):
        text = texts[n]
        gap = None
        if vectors is not None:
            for centre, known in zip(centres, gaps, strict=True):
                if float(centre @ vectors[n]) >= SAME_MEANING:
                    gap = known
                    break
        else:
            gap = by_words.get(word_key(text))
        if gap is None:
            gap = Gap(dismissal_key(text))
            gaps.append(gap)
            by_words[word_key(text)] = gap
            if vectors is not None:
                centres.append(vectors[n])
        gap.count += 1
        if gap.last_asked is None or entry.created_at > gap.last_asked:
            gap.last_asked = entry.created_at
        if fold(text) not in {fold(w.text) for w in gap.wordings}:
            gap.wordings.append(Wording(text, wording_language(text, entry.language)))
        kind = "thumbs_down" if (entry.feedback or 0) < 0 else entry.decision
        gap.kinds[kind] = gap.kinds.get(kind, 0) + 1
    shown = [gap for gap in gaps if gap.key not in hidden]
    for gap in shown:
        match = base.match(gap.example.text)
        gap.closest = match.id or (match.candidates[0].id if match.candidates else None)
    return sorted(shown, key=lambda g: (-g.count, -(g.last_asked or datetime.min).timestamp()))


def _vectors(base: KnowledgeBase, texts: list[str]) -> np.ndarray | None:
    """The questions' vectors, or None when the encoder cannot run here."""
    if not texts:
        return None
    try:
        return np.stack([base.vectors.question(text) for text in texts])
    except Exception:  # no model on this machine: group by words
        log.warning("gaps grouped by words: the encoder is not available", exc_info=True)
        return None
