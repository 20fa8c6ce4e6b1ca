"""Entry versions saved in the office: checked as ``optobot kb check`` checks, kept with
who and when, newest first served.

A save is refused, changing nothing, when the base with it in place has a problem the base
without it did not have (an empty answer, a related id that does not exist, an example
question another entry has); each problem is named with the field it belongs to.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.office.staff import StaffMember
from bot.storage import KnowledgeVersion
from knowledge.base import KnowledgeBase
from knowledge.checks import check_base, evaluation_sets
from knowledge.entries import dump_entry, load_texts
from knowledge.problems import Problem

FIELD = re.compile(r"\b(de|en)[. ](title|answer|questions|keywords)\b|\b(de|en) example question")
TOP_FIELDS = ("related", "reviewed", "sources", "topic", "id")


@dataclass(frozen=True)
class Refused:
    """Why a save was refused: the problems by field (``en.answer``, ``related`` …), or
    the version someone else saved since the form was opened (``conflict``). A problem of
    another entry's file (a question the entry now shares) names that file."""

    problems: dict[str, list[Problem]]
    conflict: KnowledgeVersion | None = None


def field_of(problem: Problem) -> str:
    """The form field a problem belongs to, ``""`` when it belongs to the entry as a whole."""
    message = problem.message
    found = FIELD.search(message)
    if found:
        if found.group(3):
            return f"{found.group(3)}.questions"
        return f"{found.group(1)}.{found.group(2)}"
    for name in TOP_FIELDS:
        if re.search(rf"\b{name}\b", message) or (name == "sources" and "source" in message):
            return name
    return ""


async def latest(session: AsyncSession) -> dict[str, KnowledgeVersion]:
    """The newest version of every entry the office saved, by entry id."""
    newest = (
        select(KnowledgeVersion.entry_id, func.max(KnowledgeVersion.version).label("version"))
        .group_by(KnowledgeVersion.entry_id)
        .subquery()
    )
    query = select(KnowledgeVersion).join(
        newest,
        (KnowledgeVersion.entry_id == newest.c.entry_id)
        & (KnowledgeVersion.version == newest.c.version),
    )
    return {row.entry_id: row for row in (await session.execute(query)).scalars()}


async def stamp(session: AsyncSession) -> int:
    """The newest version's id: it changes with every save anywhere, for the reload."""
    return int((await session.execute(select(func.max(KnowledgeVersion.id)))).scalar() or 0)


def edits(base: KnowledgeBase, versions: Mapping[str, KnowledgeVersion]) -> dict[str, str | None]:
    """The saved versions as the knowledge base serves them: by file, None when retired."""
    return {
        base.file_of(entry_id): None if row.retired else row.text
        for entry_id, row in versions.items()
    }


async def history(session: AsyncSession, entry_id: str) -> Sequence[KnowledgeVersion]:
    query = (
        select(KnowledgeVersion)
        .where(KnowledgeVersion.entry_id == entry_id)
        .order_by(KnowledgeVersion.version.desc())
    )
    return (await session.execute(query)).scalars().all()


async def save(
    session: AsyncSession,
    base: KnowledgeBase,
    entry_id: str,
    text: str | None,
    staff: StaffMember,
    now: datetime,
    *,
    expected: int | None = None,
) -> Refused | KnowledgeVersion:
    """Save ``text`` (an entry's YAML; None retires it) as the entry's next version, or
    refuse it with the problems it brings, saving nothing. ``expected``: the version the
    form was opened on (0: the file's); another one saved since is a conflict, so nobody
    overwrites a colleague's edit unseen."""
    versions = await latest(session)
    last = versions.get(entry_id)
    if expected is not None and (last.version if last else 0) != expected:
        return Refused({}, conflict=last)
    served = edits(base, versions)
    name = base.file_of(entry_id)
    folder = base.directory.parent
    sets = evaluation_sets(folder)
    before = {str(p) for p in check_base(folder, load_texts(base.files(served)), sets)}
    after = check_base(folder, load_texts(base.files({**served, name: text})), sets)
    new = [p for p in after if p.file == name or str(p) not in before]
    if new:
        by_field: dict[str, list[Problem]] = {}
        for problem in new:
            by_field.setdefault(field_of(problem), []).append(problem)
        return Refused(by_field)
    if text is None and last is None and entry_id not in base.entries:
        return Refused({"": [Problem.of(name, None, "no_entry", id=entry_id)]})
    previous = last.text if last else _file_text(base, entry_id)
    row = KnowledgeVersion(
        entry_id=entry_id,
        version=(last.version if last else 0) + 1,
        text=text if text is not None else (previous or ""),
        retired=text is None,
        staff=staff.key,
        name=staff.name,
        at=now,
    )
    session.add(row)
    await session.flush()
    return row


def served_version(versions: Mapping[str, KnowledgeVersion], entry_id: str) -> int:
    """The version number a form is opened on: the newest saved one, 0 for the file."""
    last = versions.get(entry_id)
    return last.version if last else 0


def _file_text(base: KnowledgeBase, entry_id: str) -> str | None:
    path = base.directory / f"{entry_id}.yaml"
    return path.read_text(encoding="utf-8") if path.exists() else None


def entry_data(text: str) -> dict[str, Any]:
    """A version's YAML as plain data (the form's values); ``{}`` when it is not a mapping."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, dict) else {}


def entry_text(data: Mapping[str, Any]) -> str:
    return dump_entry(data)
