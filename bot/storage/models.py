"""Tables of the assistant. One class a table; the migration in ``migrations/`` creates them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes on every backend (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


PLATFORM_ID = 255
"""The longest user or chat id of any channel: a Matrix id (``@user:server``) may be 255."""

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
    }


class Member(Base):
    """A person, whatever channel they write from; contact data is kept for reuse in forms."""

    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    language: Mapped[str | None] = mapped_column(String(2))
    language_explicit: Mapped[bool] = mapped_column(Boolean, default=False)
    display_name: Mapped[str | None] = mapped_column(String(200))
    organisation: Mapped[str | None] = mapped_column(String(200))
    contact_name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(50))
    announcements: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    forgotten_at: Mapped[datetime | None]

    identities: Mapped[list[ChannelIdentity]] = relationship(back_populates="member")


class ChannelIdentity(Base):
    """Channel + platform user id → member."""

    __tablename__ = "channel_identities"
    __table_args__ = (UniqueConstraint("channel", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[str] = mapped_column(String(PLATFORM_ID))
    chat_id: Mapped[str] = mapped_column(String(PLATFORM_ID))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    locale: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    member: Mapped[Member] = relationship(back_populates="identities")


class DialogueState(Base):
    """Where one member stands in one chat: the running form, its step and answers so far."""

    __tablename__ = "dialogue_states"
    __table_args__ = (UniqueConstraint("channel", "chat_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(PLATFORM_ID))
    user_id: Mapped[str] = mapped_column(String(PLATFORM_ID))
    form: Mapped[str | None] = mapped_column(String(50))
    step: Mapped[str | None] = mapped_column(String(50))
    mode: Mapped[str | None] = mapped_column(String(20))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    rate_window_start: Mapped[datetime | None]
    rate_count: Mapped[int] = mapped_column(Integer, default=0)
    press_window_start: Mapped[datetime | None]
    press_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    choices: Mapped[list[Any] | None] = mapped_column(JSON)
    """The buttons a numbered channel (the console) showed last, as [label, action]
    pairs: a number typed after a restart still means what it meant (bot/shown.py)."""


class ProcessedEvent(Base):
    """Every incoming event id once: a redelivered event finds its row and gets no reply."""

    __tablename__ = "processed_events"
    __table_args__ = (UniqueConstraint("channel", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    event_id: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class QuestionLog(Base):
    """Every FAQ question with the decision taken, for `kb gaps` and evaluation."""

    __tablename__ = "question_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    channel: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(2))
    text: Mapped[str | None] = mapped_column(Text)
    decision: Mapped[str] = mapped_column(String(10))
    entry_id: Mapped[str | None] = mapped_column(String(80))
    score: Mapped[float] = mapped_column(Float, default=0.0)
    candidates: Mapped[dict[str, Any]] = mapped_column(default=dict)
    feedback: Mapped[int | None] = mapped_column(Integer)
    forwarded: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    anonymised_at: Mapped[datetime | None]


class Lead(Base):
    """A project idea or forwarded question for the office; committed before anything is sent."""

    __tablename__ = "leads"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(20), unique=True)
    kind: Mapped[str] = mapped_column(String(10))  # idea | question
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    channel: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(2))
    fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(12), default="new", index=True)
    assignee: Mapped[str | None] = mapped_column(String(200))
    """The name shown to the member and on the cards."""
    assignee_id: Mapped[str | None] = mapped_column(String(120))
    """Who that is: ``telegram:<user id>`` or ``slack:<user id>`` (from the CLI: ``--by-id``)."""
    consent_at: Mapped[datetime | None]
    consent_version: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]
    contacted_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    answered_by: Mapped[str | None] = mapped_column(String(200))
    """Who answered a forwarded question last, as every card shows it."""


class LeadCounter(Base):
    """The last number given per kind and year, for readable ids like ``IDEA-2026-0007``."""

    __tablename__ = "lead_counters"

    prefix: Mapped[str] = mapped_column(String(20), primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class OutboxMessage(Base):
    """Something to send: to staff (a lead, a notice) or to a member (a reminder, a promotion).

    ``key`` is unique: one row per lead and target, per registration and reminder …
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    target: Mapped[str] = mapped_column(String(20))  # slack | telegram | email | member
    kind: Mapped[str] = mapped_column(String(30))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # pending | sent | failed | superseded (an edit overtaken by a later one, not sent)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    external_ref: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


class Training(Base):
    """A training of the catalogue: synced from ``knowledge/trainings.yaml`` or made in the
    office."""

    __tablename__ = "trainings"

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    topic: Mapped[str] = mapped_column(String(30))
    texts: Mapped[dict[str, Any]] = mapped_column(default=dict)  # title/description per language
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    timezone: Mapped[str] = mapped_column(String(50), default="Europe/Berlin")
    place: Mapped[str] = mapped_column(String(200))
    online: Mapped[bool] = mapped_column(Boolean, default=False)
    language: Mapped[str] = mapped_column(String(10))
    seats: Mapped[int] = mapped_column(Integer)
    fee_member: Mapped[float] = mapped_column(Float, default=0.0)
    fee_non_member: Mapped[float] = mapped_column(Float, default=0.0)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    deadline: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(10), default="open")  # open|closed|cancelled
    in_catalogue: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    origin: Mapped[str] = mapped_column(
        String(10), default="catalogue", server_default="catalogue"
    )  # catalogue | office
    catalogue_digest: Mapped[str | None] = mapped_column(String(64))
    """The fingerprint of the file's version last applied; sync compares it."""
    office_edited_at: Mapped[datetime | None]
    """Set by an edit in the office: sync then reports a conflict, never overwrites."""


class Registration(Base):
    """A member's seat (confirmed) or place in the queue (waiting) for one training."""

    __tablename__ = "registrations"
    __table_args__ = (Index("ix_registrations_training_status", "training_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(80), unique=True)
    training_id: Mapped[str] = mapped_column(ForeignKey("trainings.id"))
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(12))  # confirmed|waiting|cancelled
    position: Mapped[int] = mapped_column(BigInteger)  # order of arrival
    name: Mapped[str | None] = mapped_column(String(200))
    organisation: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    is_member: Mapped[bool] = mapped_column(Boolean, default=True)
    language: Mapped[str] = mapped_column(String(2), default="de")
    consent_at: Mapped[datetime | None]
    consent_version: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    cancelled_at: Mapped[datetime | None]


class OfficeLink(Base):
    """A one-time sign-in link to the office web app, sent to a staff id; only its hash."""

    __tablename__ = "office_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    staff: Mapped[str] = mapped_column(String(120))  # "telegram:123" | "slack:U01AB"
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class OfficeSession(Base):
    """A signed-in browser: the cookie's hash, whose it is, and when it was last used."""

    __tablename__ = "office_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    staff: Mapped[str] = mapped_column(String(120))
    name: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]


class OfficeAudit(Base):
    """Every change made in the office: who (staff id and name), what, on what, when."""

    __tablename__ = "office_audit"
    __table_args__ = (Index("ix_office_audit_subject", "subject", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    staff: Mapped[str] = mapped_column(String(120))
    name: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str | None] = mapped_column(String(80))  # e.g. "lead:IDEA-2026-0007"
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class LeadNote(Base):
    """An internal note of the office on a lead; the member never sees it."""

    __tablename__ = "lead_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    staff: Mapped[str] = mapped_column(String(120))
    name: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LeadAnswer(Base):
    """A message on a forwarded question: the office's answer (``kind`` "answer") or the
    member's follow-up ("follow_up"). ``source`` names the platform message it came from,
    so a redelivered staff reply is stored, and sent, once."""

    __tablename__ = "lead_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # answer | follow_up
    text: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(200), unique=True)
    channel: Mapped[str] = mapped_column(String(20))
    staff: Mapped[str | None] = mapped_column(String(120))  # "slack:U01AB" for an answer
    name: Mapped[str | None] = mapped_column(String(200))
    helped: Mapped[bool | None] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class KbDraft(Base):
    """A knowledge-base entry in the making, from an answered question: the question, the
    office's answer, the language and the entry the matcher thought closest; nothing that
    names the member."""

    __tablename__ = "kb_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(2))
    entry_id: Mapped[str | None] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(10), default="open")  # open|accepted|rejected
    result: Mapped[str | None] = mapped_column(String(80))
    """The entry it went into once accepted."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]


class KnowledgeVersion(Base):
    """One saved state of a knowledge-base entry made in the office: the entry's YAML as in
    ``knowledge/entries/``, who saved it and when. The newest version of an entry is what
    every worker serves in place of the file; ``retired`` takes the entry out."""

    __tablename__ = "knowledge_versions"
    __table_args__ = (UniqueConstraint("entry_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[str] = mapped_column(String(80), index=True)
    version: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    staff: Mapped[str] = mapped_column(String(120))
    name: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class KnowledgeGapOutcome(Base):
    """What the office did with a group of unanswered questions (so far: dismissed it)."""

    __tablename__ = "knowledge_gap_outcomes"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    outcome: Mapped[str] = mapped_column(String(20))
    staff: Mapped[str] = mapped_column(String(120))
    name: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(default=utcnow)
