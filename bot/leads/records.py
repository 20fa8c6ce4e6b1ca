"""Leads for the office: project ideas and forwarded questions.

A lead is committed with a readable reference (``IDEA-2026-0007``, ``Q-2026-0001``) in the
same transaction that puts its staff messages into the outbox, so nothing is sent about a
lead that is not stored, and nothing stored goes unannounced. Its status only moves
forward: new → claimed → answered (a forwarded question the staff answered in their chat,
:mod:`bot.leads.answers`) → contacted → closed; the member hears when someone takes it up
and when it is closed.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery.outbox import enqueue_replies
from bot.leads.cards import lead_key, notify_staff, update_staff_cards
from bot.messages import Reply
from bot.storage import ChannelIdentity, Lead, LeadCounter, Member
from bot.storage.database import upsert_insert
from bot.turn import Services

STATUSES = ("new", "claimed", "answered", "contacted", "closed")
KINDS = {"idea": "IDEA", "question": "Q"}
CONTACT_FIELDS = ("organisation", "contact_name", "email", "phone")
NOTIFIED = ("claimed", "closed")
"""The changes a member is told about; 'contacted' they noticed themselves."""


log = logging.getLogger(__name__)


class LeadError(Exception):
    """A request the lead cannot follow; ``reason`` names the template that explains it."""

    def __init__(self, reason: str, lead: Lead | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.lead = lead


async def next_ref(session: AsyncSession, kind: str, now: datetime) -> str:
    """The next number of this kind and year, counted in the database (safe for workers).

    One upsert, so a worker waits once for the counter's row lock, not once to make sure
    the row exists and again to count; the lock is held until the lead is committed, which
    keeps the numbers without gaps."""
    prefix = f"{KINDS[kind]}-{now.year}"
    insert = upsert_insert(session)(LeadCounter).values(prefix=prefix, last=1)
    number = await session.execute(
        insert.on_conflict_do_update(
            index_elements=[LeadCounter.prefix], set_={"last": LeadCounter.last + 1}
        ).returning(LeadCounter.last)
    )
    return f"{prefix}-{number.scalar_one():04d}"


async def create_lead(
    session: AsyncSession,
    services: Services,
    *,
    kind: str,
    member: Member,
    channel: str,
    language: str,
    fields: dict[str, Any],
    display: Sequence[tuple[str, str, str]] | None = None,
    consent_at: datetime | None = None,
    consent_version: str | None = None,
) -> Lead:
    """Store the lead, remember the contact data on the member, queue the staff messages.

    ``display`` is the lead as the office reads it (field, label, text) in the staff
    language, frozen at submission; without it the staff templates label the raw fields.
    The field names let a member's contact rows be taken out when they are forgotten.
    """
    now = services.clock()
    stored = dict(fields)
    if display is not None:
        stored["_display"] = [list(row) for row in display]
    lead = Lead(
        ref=await next_ref(session, kind, now),
        kind=kind,
        member_id=member.id,
        channel=channel,
        language=language,
        fields=stored,
        status="new",
        consent_at=consent_at,
        consent_version=consent_version,
        created_at=now,
        updated_at=now,
    )
    session.add(lead)
    for name in CONTACT_FIELDS:
        if fields.get(name):
            setattr(member, name, fields[name])
    await session.flush()
    targets = await notify_staff(session, services, lead)
    log.info(
        "lead %s (%s, %s) stored; staff targets: %s", lead.ref, kind, channel, targets or "none"
    )
    return lead


async def find_lead(session: AsyncSession, ref: str, *, lock: bool = False) -> Lead | None:
    query = select(Lead).where(Lead.ref == ref.strip().upper())
    if lock:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def set_status(
    session: AsyncSession,
    services: Services,
    lead: Lead,
    status: str,
    *,
    by: str | None,
    by_id: str | None = None,
    force: bool = False,
    updated_in: str | None = None,
) -> bool:
    """Move the lead forward (``force``: any way); False when it is there already.

    ``by`` is the name the member and the cards show, ``by_id`` who that is
    (``telegram:10001``, ``slack:U01AB``; from the command line only with ``--by-id``):
    two colleagues may share a first name, so a claim is someone else's by the id where
    both have one. The member is told when it is claimed and when it is closed; the cards
    in the staff chats show the new status (the caller edits the one in ``updated_in``
    itself, see
    :func:`~bot.leads.cards.update_staff_cards`).
    """
    if status not in STATUSES:
        raise LeadError("unknown_status", lead)
    if status == "claimed" and not force and _someone_else(lead, by, by_id):
        raise LeadError("taken", lead)
    if lead.status == status:
        return False
    if STATUSES.index(status) < STATUSES.index(lead.status) and not force:
        raise LeadError("backwards", lead)
    now = services.clock()
    lead.status = status
    lead.updated_at = now
    if (by or by_id) and (status == "claimed" or not (lead.assignee or lead.assignee_id)):
        lead.assignee, lead.assignee_id = by, by_id
    if status == "claimed":
        lead.claimed_at = now
    elif status == "contacted":
        lead.contacted_at = now
    elif status == "closed":
        lead.closed_at = now
    if status in NOTIFIED:
        await _tell_member(session, services, lead, status)
    await update_staff_cards(session, services, lead, updated_in=updated_in)
    return True


def _someone_else(lead: Lead, by: str | None, by_id: str | None) -> bool:
    if lead.assignee_id and by_id:
        return lead.assignee_id != by_id
    return bool(lead.assignee and by and lead.assignee != by)


async def member_chat(session: AsyncSession, lead: Lead) -> tuple[ChannelIdentity, str] | None:
    """Where the member who sent the lead is reached (the channel they sent it from) and
    their language now; None once they are forgotten."""
    if lead.member_id is None:
        return None
    identity = (
        await session.execute(
            select(ChannelIdentity)
            .where(ChannelIdentity.member_id == lead.member_id)
            .where(ChannelIdentity.channel == lead.channel)
        )
    ).scalar_one_or_none()
    if identity is None:
        return None
    member = await session.get(Member, lead.member_id)
    return identity, (member.language if member else None) or lead.language


async def _tell_member(session: AsyncSession, services: Services, lead: Lead, status: str) -> None:
    found = await member_chat(session, lead)
    if found is None:
        return
    identity, language = found
    text = services.templates.render(
        language, f"ideas/lead_{status}", channel=identity.channel, lead=lead
    )
    await enqueue_replies(
        session,
        identity,
        [Reply(text)],
        key=f"{lead_key(lead.ref)}:member:{status}",
        kind=f"lead_{status}",
        due=services.clock(),
    )
