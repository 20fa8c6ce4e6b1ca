"""Drafts from staff answers (``KbDraft``, made by :func:`bot.leads.answers.answer`) as the
office decides them: the open ones to list, one accepted into an entry or rejected."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.office.audit import record
from bot.office.staff import StaffMember
from bot.storage import KbDraft
from bot.storage.database import rows_touched

SHOWN = 100
"""Open drafts on the page at most, oldest first: the longest waiting are decided first."""


async def open_drafts(session: AsyncSession, limit: int = SHOWN) -> Sequence[KbDraft]:
    query = (
        select(KbDraft)
        .where(KbDraft.status == "open")
        .order_by(KbDraft.created_at, KbDraft.id)
        .limit(limit)
    )
    return (await session.execute(query)).scalars().all()


async def open_draft(session: AsyncSession, draft_id: int) -> KbDraft | None:
    """The draft if it is still open: a second press (or a colleague's) finds none."""
    draft = await session.get(KbDraft, draft_id)
    return draft if draft is not None and draft.status == "open" else None


async def decide(
    session: AsyncSession,
    draft: KbDraft,
    staff: StaffMember,
    now: datetime,
    *,
    status: str,
    result: str | None = None,
) -> None:
    """Accept (into entry ``result``) or reject the draft, with its audit record."""
    draft.status = status
    draft.result = result
    draft.decided_at = now
    await _audit(session, draft.id, status, staff, now, result)


async def _audit(
    session: AsyncSession,
    draft_id: int,
    status: str,
    staff: StaffMember,
    now: datetime,
    entry: str | None,
) -> None:
    await record(
        session, staff, f"kb_draft_{status}", now, subject=f"kb_draft:{draft_id}", entry=entry
    )


def prefill(draft: KbDraft) -> dict[str, str]:
    """The new-entry form's values from a draft: its question as example question and the
    office's answer, in the draft's language (the other language is left for the office)."""
    lang = draft.language
    return {
        f"{lang}.questions": draft.question,
        f"{lang}.answer": draft.answer,
        "draft": str(draft.id),
    }


async def accept_into(
    session: AsyncSession, draft_id: int, entry_id: str, staff: StaffMember, now: datetime
) -> bool:
    """The draft accepted into the entry made or extended from it, in the transaction of
    that save; False when it was no longer open (a second press, a colleague's)."""
    decided = await session.execute(
        update(KbDraft)
        .where(KbDraft.id == draft_id, KbDraft.status == "open")
        .values(status="accepted", result=entry_id, decided_at=now)
    )
    if not rows_touched(decided):
        return False
    await _audit(session, draft_id, "accepted", staff, now, entry_id)
    return True
