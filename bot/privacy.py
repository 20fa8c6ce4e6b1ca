"""What a member may ask of their data: a copy of all of it, and to be forgotten.

Every table that holds a member's data is in :data:`MEMBER_TABLES`; a test compares it
with the schema, so a new table is covered here before it can ship. Every outbox key that
names a member is built by a function listed in :data:`OUTBOX_KEYS` or
:data:`OFFICE_KEYS`; a test finds the builders (``*_key`` functions with a parameter of
:data:`MEMBER_REFS`), so a new one is covered here too.

Forgetting deletes identities and contact data, cancels future registrations (the waiting
list moves up), keeps leads and past registrations for the office's records of the funded
programme without personal data (in the database, in the outbox and on the cards in the
staff chats), and unlinks the member's questions. A forwarded question's answers stay
with the lead, which no longer names the member; the member's own follow-ups go.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery.outbox import FINISHED
from bot.leads.answers import FOLLOW_UP, FOLLOW_UP_MESSAGE, answers_of
from bot.leads.cards import lead_key, lead_messages, staff_payload, update_staff_cards
from bot.storage import (
    ChannelIdentity,
    DialogueState,
    Lead,
    LeadAnswer,
    Member,
    OutboxMessage,
    QuestionLog,
    Registration,
    Training,
)
from bot.storage.database import rows_touched
from bot.trainings import registrations as registrations
from bot.trainings.notices import (
    CANCELLED,
    TrainingNotices,
    announcement_key,
    cancelled_key,
    full_key,
    moved_key,
    named_registrations,
    office_cancelled_key,
    promoted_key,
    reminder_key,
)
from bot.turn import Services

PERSONAL_LEAD_FIELDS = ("organisation", "contact_name", "name", "email", "phone")
MEMBER_TABLES = frozenset(
    {"members", "channel_identities", "dialogue_states", "leads", "registrations", "question_log"}
)
"""The tables :func:`export` copies and :func:`forget` deletes or anonymises; the outbox
is scrubbed by the messages' keys and payloads."""
MEMBER_REFS = ("uid", "member_id")
"""How an outbox key names a member: a registration's uid, or the member's id."""
OUTBOX_KEYS: tuple[Callable[..., str], ...] = (
    promoted_key,
    moved_key,
    office_cancelled_key,
    reminder_key,
    announcement_key,
)
"""The keys of messages to the member: :func:`forget` deletes every row keyed so, sent or
not, also one whose payload the clean-up already emptied (no payload says whose it was)."""
OFFICE_KEYS: tuple[Callable[..., str], ...] = (full_key, cancelled_key)
"""The keys of notices to the office about a registration: kept for the office's records,
with the registration anonymised and the notice drawn again without the member."""


@dataclass
class Forgotten:
    identities: int = 0
    leads_kept: list[str] = field(default_factory=list)
    registrations_cancelled: list[str] = field(default_factory=list)
    registrations_kept: int = 0
    questions_unlinked: int = 0


async def export(session: AsyncSession, member: Member) -> dict[str, Any]:
    """Everything stored about one member, as JSON-ready data."""
    identities = await _all(session, select(ChannelIdentity).filter_by(member_id=member.id))
    leads = await _all(session, select(Lead).filter_by(member_id=member.id).order_by(Lead.id))
    booked = await session.execute(
        select(Registration, Training)
        .join(Training, Registration.training_id == Training.id)
        .where(Registration.member_id == member.id)
        .order_by(Registration.id)
    )
    questions = await _all(
        session, select(QuestionLog).filter_by(member_id=member.id).order_by(QuestionLog.id)
    )
    answers = await answers_of(session, [lead.id for lead in leads])
    dialogues = [
        dialogue
        for identity in identities
        for dialogue in await _all(
            session,
            select(DialogueState)
            .filter_by(channel=identity.channel, user_id=identity.user_id)
            .order_by(DialogueState.id),
        )
    ]
    return {
        "member": {
            "id": member.id,
            "language": member.language,
            "language_chosen_explicitly": member.language_explicit,
            "display_name": member.display_name,
            "organisation": member.organisation,
            "contact_name": member.contact_name,
            "email": member.email,
            "phone": member.phone,
            "announcements": member.announcements,
            "created_at": member.created_at,
        },
        "identities": [
            {
                "channel": i.channel,
                "user_id": i.user_id,
                "chat_id": i.chat_id,
                "locale": i.locale,
                "created_at": i.created_at,
            }
            for i in identities
        ],
        "leads": [
            {
                "ref": lead.ref,
                "kind": lead.kind,
                "status": lead.status,
                "fields": lead.fields,
                "language": lead.language,
                "channel": lead.channel,
                "consent_at": lead.consent_at,
                "consent_version": lead.consent_version,
                "created_at": lead.created_at,
                "answers": [
                    {
                        "kind": row.kind,
                        "text": row.text,
                        "by": row.name,
                        "helped": row.helped,
                        "created_at": row.created_at,
                    }
                    for row in answers.get(lead.id, [])
                ],
            }
            for lead in leads
        ],
        "registrations": [
            {
                "training": training.id,
                "title": training.texts.get("title"),
                "status": r.status,
                "name": r.name,
                "organisation": r.organisation,
                "email": r.email,
                "is_member": r.is_member,
                "consent_at": r.consent_at,
                "consent_version": r.consent_version,
                "created_at": r.created_at,
            }
            for r, training in booked.all()
        ],
        "questions": [
            {
                "text": q.text,
                "language": q.language,
                "decision": q.decision,
                "entry": q.entry_id,
                "feedback": q.feedback,
                "forwarded": q.forwarded,
                "created_at": q.created_at,
            }
            for q in questions
        ],
        "dialogues": [
            {
                "channel": d.channel,
                "chat_id": d.chat_id,
                "form": d.form,
                "step": d.step,
                "answers": {k: v for k, v in d.data.items() if not k.startswith("_")},
                "updated_at": d.updated_at,
            }
            for d in dialogues
        ],
    }


def export_json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str).encode()


async def forget(session: AsyncSession, member: Member, services: Services) -> Forgotten:
    """Delete or anonymise the member's personal data in the caller's transaction; the
    cards of their leads in the staff chats are redrawn without it."""
    now = services.clock()
    result = Forgotten()
    member.forgotten_at = now
    notices = TrainingNotices(session, services.settings, services.templates, now)
    future = await _all(
        session,
        select(Registration)
        .join(Training, Registration.training_id == Training.id)
        .where(
            Registration.member_id == member.id,
            Registration.status.in_(registrations.ACTIVE),
            Training.starts_at > now,
        ),
    )
    for registration in future:
        registrations.anonymise(registration)
        cancellation = await registrations.cancel(session, registration.uid, now=now)
        if cancellation is not None:
            result.registrations_cancelled.append(registration.training_id)
            await notices.after_cancellation(cancellation)
    attended = (
        select(func.count())
        .select_from(Registration)
        .join(Training, Registration.training_id == Training.id)
        .where(
            Registration.member_id == member.id,
            Registration.status == "confirmed",
            Training.status != "cancelled",
            Training.starts_at <= now,
        )
    )
    result.registrations_kept = int(await session.scalar(attended) or 0)
    kept = await _all(session, select(Registration).filter_by(member_id=member.id))
    uids = {registration.uid for registration in kept}
    for registration in kept:
        registrations.anonymise(registration)
        registration.member_id = None
    leads = await _all(session, select(Lead).filter_by(member_id=member.id))
    if leads:
        await session.execute(
            delete(LeadAnswer).where(
                LeadAnswer.lead_id.in_([lead.id for lead in leads]),
                LeadAnswer.kind == FOLLOW_UP,
            )
        )
    for lead in leads:
        lead.fields = _without_personal(lead.fields)
        lead.member_id = None
        lead.updated_at = now
        result.leads_kept.append(lead.ref)
    unlinked = await session.execute(
        update(QuestionLog).where(QuestionLog.member_id == member.id).values(member_id=None)
    )
    result.questions_unlinked = rows_touched(unlinked)
    identities = await _all(session, select(ChannelIdentity).filter_by(member_id=member.id))
    await _scrub_outbox(session, services, leads, identities)
    await _delete_keyed(session, member.id, uids)
    await _scrub_notices(session, notices, uids)
    for identity in identities:
        await session.execute(
            delete(DialogueState).where(
                DialogueState.channel == identity.channel,
                DialogueState.user_id == identity.user_id,
            )
        )
        await session.delete(identity)
    result.identities = len(identities)
    for column in ("display_name", "organisation", "contact_name", "email", "phone", "language"):
        setattr(member, column, None)
    member.announcements = False
    await session.flush()
    return result


async def _scrub_outbox(
    session: AsyncSession,
    services: Services,
    leads: list[Lead],
    identities: list[ChannelIdentity],
) -> None:
    """The outbox's copies of the member's data. Messages to them go, sent or not. Their
    leads' messages to the office are redrawn without it while they wait (or failed and may
    be retried), emptied once sent (the platform's reference stays, so the card can change),
    and the cards already in the staff chats are redrawn."""
    payload = OutboxMessage.payload
    for identity in identities:
        await session.execute(
            delete(OutboxMessage).where(
                OutboxMessage.target == "member",
                payload["channel"].as_string() == identity.channel,
                payload["user_id"].as_string() == identity.user_id,
            )
        )
    for lead in leads:
        rows = await _all(
            session, lead_messages(lead_key(lead.ref)).where(OutboxMessage.target != "member")
        )
        for row in rows:
            if row.kind == FOLLOW_UP_MESSAGE and row.status not in FINISHED:
                await session.delete(row)  # the member's own words: not sent after all
            elif row.status in FINISHED:
                row.payload = {}
            else:
                redrawn = staff_payload(services.templates, services.settings, lead, row.target)
                replaces = row.payload.get("replaces")
                row.payload = {**redrawn, "replaces": replaces} if replaces else redrawn
        await update_staff_cards(session, services, lead)


def key_pattern(build: Callable[..., str], refs: Mapping[str, str]) -> str | None:
    """A LIKE pattern for the keys ``build`` makes with one of ``refs`` (the other parts
    of the key are anything); None when the builder takes none of them."""
    parameters = inspect.signature(build).parameters
    if not any(name in refs for name in parameters):
        return None
    return build(**{name: _escaped(refs[name]) if name in refs else "%" for name in parameters})


async def _delete_keyed(session: AsyncSession, member_id: int, uids: set[str]) -> None:
    """Every message to the member by its key (:data:`OUTBOX_KEYS`)."""
    refs = [{"member_id": str(member_id)}, *({"uid": uid} for uid in sorted(uids))]
    patterns = [
        pattern
        for build in OUTBOX_KEYS
        for ref in refs
        if (pattern := key_pattern(build, ref)) is not None
    ]
    for start in range(0, len(patterns), 100):  # SQLite's limit of terms in one statement
        chunk = patterns[start : start + 100]
        await session.execute(
            delete(OutboxMessage).where(
                or_(*(OutboxMessage.key.like(pattern, escape="\\") for pattern in chunk))
            )
        )


def _escaped(ref: str) -> str:
    return ref.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def _scrub_notices(session: AsyncSession, notices: TrainingNotices, uids: set[str]) -> None:
    """The office's cancellation notices that name the member (who cancelled, or who moved
    up): drawn again without them while they wait or failed, emptied once sent."""
    if not uids:
        return
    rows = await _all(
        session,
        select(OutboxMessage).where(
            OutboxMessage.kind == CANCELLED, OutboxMessage.target != "member"
        ),
    )
    for row in rows:
        if not named_registrations(row) & uids or not row.payload:
            continue
        if row.status in FINISHED:
            row.payload = {}
        else:
            await notices.redraw_cancelled(row)


def _without_personal(fields: dict[str, Any]) -> dict[str, Any]:
    """A lead's fields without contact data, in the raw fields and in the office's
    snapshot; a snapshot without field names cannot be sorted, so it goes whole."""
    kept = {k: v for k, v in fields.items() if k not in (*PERSONAL_LEAD_FIELDS, "_display")}
    display = [
        row
        for row in fields.get("_display") or []
        if len(row) == 3 and row[0] not in PERSONAL_LEAD_FIELDS
    ]
    if display:
        kept["_display"] = display
    return kept


async def _all(session: AsyncSession, query: Any) -> list[Any]:
    return list((await session.execute(query)).scalars())
