"""Messages to the office's staff chats and inbox: where each target is, a short notice,
and one outbox row per configured target.

What a lead's card says lives with the leads (:mod:`bot.leads.cards`); this module only
knows how anything reaches the staff.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels import registry
from bot.delivery.outbox import enqueue, replies_to_json
from bot.markdown import to_html, to_plain
from bot.messages import Reply
from bot.settings import Settings


def is_chat(target: str) -> bool:
    """Whether the staff target is a channel's chat, whose card can change after it was
    sent (an e-mail cannot)."""
    return registry.find(target) is not None


def every_target() -> list[str]:
    """Each channel's staff chat and e-mail, configured now or not: where a message sent
    while another set of targets was configured may have gone."""
    return [spec.name for spec in registry.specs()] + ["email"]


def staff_chat(settings: Settings, target: str) -> str | None:
    """The staff chat of a channel's target; None for one unknown or not configured."""
    spec = registry.find(target)
    return spec.staff_chat(settings) if spec is not None else None


def notice_payload(settings: Settings, text: str, target: str) -> dict[str, Any]:
    """A short notice to the office (no card, no buttons): its first line is the subject."""
    if target == "email":
        return {
            "to": settings.office_email or "",
            "subject": to_plain(text.splitlines()[0]),
            "text": to_plain(text),
            "html": to_html(text),
        }
    return {
        "channel": target,
        "chat_id": staff_chat(settings, target),
        "replies": replies_to_json([Reply(text)]),
    }


async def enqueue_for_staff(
    session: AsyncSession,
    settings: Settings,
    payload: Callable[[str], dict[str, Any]],
    *,
    key: str,
    kind: str,
    due: datetime,
    targets: Sequence[str] | None = None,
) -> list[str]:
    """One outbox row per configured target (or per one of ``targets``), keyed
    ``<key>:<target>``: a repeat is a no-op."""
    queued = []
    for target in settings.staff_targets() if targets is None else targets:
        if await enqueue(
            session,
            key=f"{key}:{target}",
            target=target,
            kind=kind,
            payload=payload(target),
            due=due,
        ):
            queued.append(target)
    return queued
