"""Putting messages into the outbox, inside the caller's transaction.

A row is keyed: the same key twice (a retried turn, a second worker) stores one row, so
nothing is sent twice. Targets: ``slack``, ``telegram``, ``email`` (the staff targets) and
``member`` (a member's own chat, on the channel they wrote from).
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.messages import Attachment, Choice, Reply
from bot.storage import ChannelIdentity, OutboxMessage, utcnow
from bot.storage.database import upsert_insert

FINISHED = ("sent", "superseded")
"""The statuses of rows that are not sent (again); a superseded edit was overtaken by a
later edit of the same message."""


async def enqueue(
    session: AsyncSession,
    *,
    key: str,
    target: str,
    kind: str,
    payload: dict[str, Any],
    due: datetime | None = None,
) -> bool:
    """Store one message to send; False when a row with this key exists already."""
    now = utcnow()
    insert = upsert_insert(session)
    result = await session.execute(
        insert(OutboxMessage)
        .values(
            key=key,
            target=target,
            kind=kind,
            payload=payload,
            status="pending",
            attempts=0,
            created_at=now,
            next_attempt_at=due or now,
        )
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(OutboxMessage.id)
    )
    return result.scalar_one_or_none() is not None


async def enqueue_replies(
    session: AsyncSession,
    identity: ChannelIdentity,
    replies: Sequence[Reply],
    *,
    key: str,
    kind: str,
    due: datetime | None = None,
) -> bool:
    """Replies for a member's own chat, sent by that member's channel when it runs."""
    payload = {
        "channel": identity.channel,
        "chat_id": identity.chat_id,
        "user_id": identity.user_id,
        "replies": [_reply_to_json(reply) for reply in replies],
    }
    return await enqueue(session, key=key, target="member", kind=kind, payload=payload, due=due)


def replies_to_json(replies: Sequence[Reply]) -> list[dict[str, Any]]:
    """Replies as a payload's ``replies`` list, for rows addressed to a staff chat."""
    return [_reply_to_json(reply) for reply in replies]


def replies_from_payload(payload: dict[str, Any]) -> list[Reply]:
    return [_reply_from_json(item) for item in payload.get("replies", [])]


def _reply_to_json(reply: Reply) -> dict[str, Any]:
    item: dict[str, Any] = {
        "text": reply.text,
        "choices": [[choice.label, choice.action] for choice in reply.choices],
    }
    if reply.attachment is not None:
        item["attachment"] = {
            "filename": reply.attachment.filename,
            "mime_type": reply.attachment.mime_type,
            "content": base64.b64encode(reply.attachment.content).decode(),
        }
    return item


def _reply_from_json(item: dict[str, Any]) -> Reply:
    attachment = item.get("attachment")
    return Reply(
        item["text"],
        tuple(Choice(label, action) for label, action in item.get("choices", [])),
        Attachment(
            attachment["filename"], base64.b64decode(attachment["content"]), attachment["mime_type"]
        )
        if attachment
        else None,
    )
