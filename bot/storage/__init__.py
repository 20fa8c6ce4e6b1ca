"""Persistence: the tables, the database and the small stores on top of them."""

from bot.storage.database import Database
from bot.storage.models import (
    Base,
    ChannelIdentity,
    DialogueState,
    Lead,
    LeadCounter,
    LeadNote,
    Member,
    OfficeAudit,
    OfficeLink,
    OfficeSession,
    OutboxMessage,
    ProcessedEvent,
    QuestionLog,
    Registration,
    Training,
    utcnow,
)

__all__ = [
    "Base",
    "ChannelIdentity",
    "Database",
    "DialogueState",
    "Lead",
    "LeadCounter",
    "LeadNote",
    "Member",
    "OfficeAudit",
    "OfficeLink",
    "OfficeSession",
    "OutboxMessage",
    "ProcessedEvent",
    "QuestionLog",
    "Registration",
    "Training",
    "utcnow",
]
