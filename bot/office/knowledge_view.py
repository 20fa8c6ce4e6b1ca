"""The knowledge base as the office's pages read and write it: an entry as form fields and
back, the list's figures, a version's diff, the zip of entry files."""

from __future__ import annotations

import difflib
import io
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage import QuestionLog
from knowledge.entries import LANGUAGES, TEXT_FIELDS, Entry

FIGURE_WEEKS = 4
LIST_FIELDS = ("questions", "keywords")
"""Text fields written one item a line."""


@dataclass(frozen=True)
class Figures:
    """How often an entry was the answer in the last weeks, and its thumbs."""

    answered: int = 0
    up: int = 0
    down: int = 0


@dataclass(frozen=True)
class ListRow:
    entry: Entry
    title: str
    stale: bool
    figures: Figures


def form_values(data: Mapping[str, Any]) -> dict[str, str]:
    """An entry (as :func:`knowledge.entries.entry_as_dict` gives it) as the form's fields."""
    values = {
        "id": str(data.get("id", "")),
        "topic": str(data.get("topic", "")),
        "reviewed": str(data.get("reviewed", "")),
        "related": ", ".join(str(r) for r in data.get("related") or []),
        "sources": "\n".join(
            f"{s.get('title', '')} | {s.get('url') or ''}".rstrip(" |")
            for s in data.get("sources") or []
            if isinstance(s, Mapping)
        ),
    }
    for lang in LANGUAGES:
        text = data.get(lang) or {}
        for name in sorted(TEXT_FIELDS):
            value = text.get(name, "") if isinstance(text, Mapping) else ""
            if name in LIST_FIELDS:
                value = "\n".join(str(item) for item in value or [])
            values[f"{lang}.{name}"] = str(value or "").strip()
    return values


def form_data(form: Mapping[str, Any], entry_id: str) -> dict[str, Any]:
    """The form's fields as an entry: lists one item a line, sources as ``title | url``."""

    def text(name: str) -> str:
        value = form.get(name)
        return value.replace("\r\n", "\n").strip() if isinstance(value, str) else ""

    def lines(name: str) -> list[str]:
        return [line.strip() for line in text(name).split("\n") if line.strip()]

    sources = []
    for line in lines("sources"):
        title, _, url = line.partition("|")
        sources.append({"title": title.strip(), "url": url.strip() or None})
    data: dict[str, Any] = {
        "id": entry_id,
        "topic": text("topic"),
        "reviewed": text("reviewed"),
        "sources": sources,
        "related": [r.strip() for r in text("related").replace("\n", ",").split(",") if r.strip()],
    }
    for lang in LANGUAGES:
        data[lang] = {
            "title": text(f"{lang}.title"),
            "answer": text(f"{lang}.answer"),
            "questions": lines(f"{lang}.questions"),
            "keywords": lines(f"{lang}.keywords"),
        }
    return data


async def figures(session: AsyncSession, now: datetime) -> dict[str, Figures]:
    """Answers and thumbs per entry over the last :data:`FIGURE_WEEKS` weeks."""
    since = now - timedelta(weeks=FIGURE_WEEKS)
    query = (
        select(
            QuestionLog.entry_id,
            func.count(),
            func.sum(case((QuestionLog.feedback > 0, 1), else_=0)),
            func.sum(case((QuestionLog.feedback < 0, 1), else_=0)),
        )
        .where(QuestionLog.decision == "answer", QuestionLog.created_at >= since)
        .group_by(QuestionLog.entry_id)
    )
    rows = (await session.execute(query)).all()
    return {str(e): Figures(int(n), int(up or 0), int(down or 0)) for e, n, up, down in rows if e}


def list_rows(
    entries: Mapping[str, Entry],
    counted: Mapping[str, Figures],
    language: str,
    today: date,
    stale_days: int,
) -> list[ListRow]:
    """Every entry by topic and title, stale when not reviewed for ``stale_days``."""
    rows = [
        ListRow(
            entry,
            entry.text(language).title,
            (today - entry.reviewed).days > stale_days,
            counted.get(entry.id, Figures()),
        )
        for entry in entries.values()
    ]
    return sorted(rows, key=lambda row: (row.entry.topic, row.title.casefold()))


def diff(before: str, after: str) -> list[tuple[str, str]]:
    """The lines that changed, each with its kind (``add``, ``del``, ``at``) for the page."""
    lines = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=1)
    out = []
    for line in list(lines)[2:]:
        kind = {"+": "add", "-": "del", "@": "at"}.get(line[:1], "same")
        out.append((kind, line))
    return out


def entries_zip(files: Mapping[str, str]) -> bytes:
    """The entry files as ``entries/<id>.yaml`` in a zip, the layout ``kb check`` reads."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in sorted(files.items()):
            archive.writestr(f"entries/{Path(name).name}", text)
    return buffer.getvalue()
