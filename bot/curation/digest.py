"""A weekly digest of the most asked unanswered questions to the staff chats.

Every worker looks once an hour; the first look in an ISO week queues a digest of the
last seven days through the outbox under the week's key, so however many workers look, the
office gets it once. ``OPTOBOT_KB_GAPS_DIGEST=false`` turns it off.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from sqlalchemy import select

from bot.curation.gaps import dismissed, gap_logs, group
from bot.delivery.staff import enqueue_for_staff, notice_payload
from bot.office.links import PREFIX, base_url
from bot.storage import OutboxMessage
from bot.turn import Services

TOP = 5
LOOK_SECONDS = 3600
TEMPLATE = "knowledge/gaps_digest"


def week_key(now: datetime) -> str:
    year, week, _ = now.isocalendar()
    return f"kb-gaps-digest:{year}-W{week:02d}"


async def send_digest(services: Services) -> list[str]:
    """Queue this week's digest if there are gaps and it was not queued yet; the targets."""
    settings, base = services.settings, services.knowledge
    if not settings.kb_gaps_digest or base is None or not settings.staff_targets():
        return []
    now = services.clock()
    key = week_key(now)
    async with services.database.transaction() as session:
        sent = select(OutboxMessage.id).where(OutboxMessage.key.startswith(f"{key}:")).limit(1)
        if (await session.execute(sent)).first() is not None:
            return []  # this week's is queued: no grouping again every hour
        logs = list(await gap_logs(session, since=now - timedelta(days=7)))
        hidden = await dismissed(session)
    gaps = (await asyncio.to_thread(group, logs, base, hidden))[:TOP]
    if not gaps:
        return []
    language = settings.staff_language
    text = services.templates.render(
        language,
        TEMPLATE,
        gaps=gaps,
        title=lambda entry_id: base.title(entry_id, language),
        link=f"{base_url(settings)}{PREFIX}/gaps",
    )
    async with services.database.transaction() as session:
        return await enqueue_for_staff(
            session,
            settings,
            lambda target: notice_payload(settings, text, target),
            key=key,
            kind="kb_gaps_digest",
            due=now,
        )
