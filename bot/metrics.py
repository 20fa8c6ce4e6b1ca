"""Prometheus metrics for ``GET /metrics``.

Per-process counters cover what only a process sees (updates, handler latency); everything
the database knows (leads, registrations, FAQ decisions, outbox) is read at scrape time,
so the figures agree across several workers.
"""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from sqlalchemy import func, select

from bot.storage import Database, Lead, OutboxMessage, QuestionLog, Registration

CONTENT_TYPE = CONTENT_TYPE_LATEST
REGISTRY = CollectorRegistry()
UPDATES = Counter(
    "optobot_updates", "Events received from members and staff", ["channel"], registry=REGISTRY
)
HANDLER_SECONDS = Histogram(
    "optobot_handler_seconds",
    "Time to handle one event, database included",
    ["channel"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
    registry=REGISTRY,
)
FAQ_DECISIONS = Gauge(
    "optobot_faq_replies", "FAQ questions by decision", ["decision"], registry=REGISTRY
)
LEADS = Gauge("optobot_leads", "Leads by kind and status", ["kind", "status"], registry=REGISTRY)
REGISTRATIONS = Gauge(
    "optobot_registrations", "Training registrations by status", ["status"], registry=REGISTRY
)
OUTBOX = Gauge("optobot_outbox", "Outbox messages by status", ["status"], registry=REGISTRY)


async def _counts(database: Database, *columns: object) -> list[tuple[object, ...]]:
    async with database.sessions() as session:
        query = select(*columns, func.count()).group_by(*columns)  # type: ignore[arg-type]
        return [tuple(row) for row in (await session.execute(query)).all()]


async def outbox_backlog(database: Database) -> dict[str, int]:
    return {
        str(status): int(count) for status, count in await _counts(database, OutboxMessage.status)
    }


async def render(database: Database) -> bytes:
    """Refresh the database-backed gauges and return the exposition text."""
    for gauge in (FAQ_DECISIONS, LEADS, REGISTRATIONS, OUTBOX):
        gauge.clear()
    for decision, count in await _counts(database, QuestionLog.decision):
        FAQ_DECISIONS.labels(decision=decision).set(count)
    for kind, status, count in await _counts(database, Lead.kind, Lead.status):
        LEADS.labels(kind=kind, status=status).set(count)
    for status, count in await _counts(database, Registration.status):
        REGISTRATIONS.labels(status=status).set(count)
    for status, count in (await outbox_backlog(database)).items():
        OUTBOX.labels(status=status).set(count)
    return generate_latest(REGISTRY)
