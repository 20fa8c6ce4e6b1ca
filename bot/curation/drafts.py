"""Drafts from staff answers (``KbDraft``, made by :func:`bot.leads.answers.answer`) as the
office decides them: the open ones to list, one accepted into an entry or rejected."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.office.audit import record
from bot.office.staff import StaffMember
from bot.storage import KbDraft

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
    await record(
        session,
        staff,
        f"kb_draft_{status}",
        now,
        subject=f"kb_draft:{draft.id}",
        entry=result,
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
) -> None:
    """The draft, if still open, accepted into the entry made or extended from it."""
    draft = await open_draft(session, draft_id)
    if draft is not None:
        await decide(session, draft, staff, now, status="accepted", result=entry_id)
