"""Sign-in links and sessions of the office: random tokens whose SHA-256 alone is stored.

A link is good for one sign-in within :data:`LINK_LIFETIME`; a session ends after
:data:`IDLE_LIMIT` without a request, on sign-out, or when its id is no longer staff. The
CSRF token of a session is derived from the session's own secret (an HMAC), so it is never
stored at all and a page from another site cannot know it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.office.staff import StaffMember, is_configured, staff_of
from bot.settings import Settings
from bot.storage import OfficeLink, OfficeSession

LINK_LIFETIME = timedelta(minutes=15)
IDLE_LIMIT = timedelta(hours=8)
LINKS_KEPT = timedelta(days=1)
"""A used or expired link is kept this long, so opening it says *used* or *expired*."""
TOUCH_EVERY = timedelta(minutes=1)
"""A session's last use is written at most this often, not at every request."""


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_token(session_token: str) -> str:
    return hmac.new(session_token.encode(), b"optobot-office-csrf", hashlib.sha256).hexdigest()


def csrf_ok(session_token: str, sent: str | None) -> bool:
    return bool(sent) and hmac.compare_digest(csrf_token(session_token), str(sent))


async def new_link(session: AsyncSession, staff: StaffMember, now: datetime) -> str:
    """A fresh link token for ``staff``; only its hash is stored."""
    token = secrets.token_urlsafe(32)
    session.add(
        OfficeLink(
            token_hash=digest(token),
            staff=staff.key,
            name=staff.name,
            created_at=now,
            expires_at=now + LINK_LIFETIME,
        )
    )
    await session.flush()
    return token


def link_state(link: OfficeLink | None, now: datetime) -> str:
    """'ok', or why the link signs nobody in: 'unknown', 'used', 'expired'."""
    if link is None:
        return "unknown"
    if link.used_at is not None:
        return "used"
    if link.expires_at <= now:
        return "expired"
    return "ok"


async def find_link(session: AsyncSession, token: str) -> OfficeLink | None:
    query = select(OfficeLink).where(OfficeLink.token_hash == digest(token))
    return (await session.execute(query)).scalar_one_or_none()


async def use_link(session: AsyncSession, token: str, now: datetime) -> OfficeLink | None:
    """Mark the link used if it still may be: one conditional UPDATE, so two browsers
    racing with the same link cannot both sign in."""
    used = await session.execute(
        update(OfficeLink)
        .where(
            OfficeLink.token_hash == digest(token),
            OfficeLink.used_at.is_(None),
            OfficeLink.expires_at > now,
        )
        .values(used_at=now)
        .returning(OfficeLink.id)
    )
    if used.first() is None:
        return None
    return await find_link(session, token)


@dataclass
class Signed:
    """A request's session: the row and the cookie's secret (for its CSRF token)."""

    row: OfficeSession
    token: str

    @property
    def staff(self) -> StaffMember:
        return staff_of(self.row.staff, self.row.name)

    @property
    def csrf(self) -> str:
        return csrf_token(self.token)


async def start_session(
    session: AsyncSession, staff_key: str, name: str, language: str, now: datetime
) -> str:
    token = secrets.token_urlsafe(32)
    session.add(
        OfficeSession(
            token_hash=digest(token),
            staff=staff_key,
            name=name,
            language=language,
            created_at=now,
            last_seen_at=now,
        )
    )
    await session.flush()
    return token


async def load_session(
    session: AsyncSession, settings: Settings, token: str | None, now: datetime
) -> Signed | None:
    """The live session of the cookie ``token``, its last use moved to ``now``; else None."""
    if not token:
        return None
    query = select(OfficeSession).where(OfficeSession.token_hash == digest(token))
    row = (await session.execute(query)).scalar_one_or_none()
    if row is None or row.ended_at is not None or now - row.last_seen_at >= IDLE_LIMIT:
        return None
    if not is_configured(settings, row.staff):
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
    return Signed(row, token)


async def forget_stale(session: AsyncSession, now: datetime) -> None:
    """Links past :data:`LINKS_KEPT` and sessions that ended; run at each sign-in, so the
    tables stay as small as the number of staff."""
    await session.execute(delete(OfficeLink).where(OfficeLink.expires_at < now - LINKS_KEPT))
    await session.execute(
        delete(OfficeSession).where(
            or_(OfficeSession.ended_at.is_not(None), OfficeSession.last_seen_at < now - IDLE_LIMIT)
        )
    )
