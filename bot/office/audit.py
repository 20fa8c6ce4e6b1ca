"""The office's record of every change made in it: who, what, on what, when."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.office.staff import StaffMember
from bot.storage import OfficeAudit


def lead_subject(ref: str) -> str:
    """The subject of the records about one lead (office presses, chat presses, notes)."""
    return f"lead:{ref}"


async def record(
    session: AsyncSession,
    staff: StaffMember,
    action: str,
    now: datetime,
    *,
    subject: str | None = None,
    **details: Any,
) -> None:
    """In the transaction of the change itself, so a change is never without its record."""
    session.add(
        OfficeAudit(
            at=now,
            staff=staff.key,
            name=staff.name,
            action=action,
            subject=subject,
            details=details,
        )
    )


async def history(session: AsyncSession, subject: str) -> Sequence[OfficeAudit]:
    query = select(OfficeAudit).where(OfficeAudit.subject == subject).order_by(OfficeAudit.id)
    return (await session.execute(query)).scalars().all()
