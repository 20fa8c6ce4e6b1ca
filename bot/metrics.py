"""Prometheus metrics for ``GET /metrics``.

Counters cover what only a process sees (updates, handler latency); everything the database
knows (leads, registrations, FAQ decisions, outbox) is read at scrape time, so those figures
agree across several workers. The counters agree too: ``serve --workers`` gives its workers
one directory (``PROMETHEUS_MULTIPROC_DIR``) where prometheus-client keeps each process's
values, and a scrape adds them up, whichever worker answers it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import func, select
from sqlalchemy.orm import QueryableAttribute

from bot.storage import Database, Lead, OutboxMessage, QuestionLog, Registration

CONTENT_TYPE = CONTENT_TYPE_LATEST
SHARED_DIRECTORY = "PROMETHEUS_MULTIPROC_DIR"
"""Where the workers keep their counters; prometheus-client reads it when it is imported."""

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


class _Figures:
    """A collector of figures read from the database just before the scrape."""

    def __init__(self, families: list[Metric]) -> None:
        self.families = families

    def collect(self) -> Iterable[Metric]:
        return self.families


async def _counts(database: Database, *columns: QueryableAttribute[Any]) -> list[tuple[Any, ...]]:
    async with database.sessions() as session:
        query = select(*columns, func.count()).group_by(*columns)
        return [tuple(row) for row in (await session.execute(query)).all()]


async def outbox_backlog(database: Database) -> dict[str, int]:
    return {
        str(status): int(count) for status, count in await _counts(database, OutboxMessage.status)
    }


async def _figures(database: Database) -> list[Metric]:
    wanted = [
        ("optobot_faq_replies", "FAQ questions by decision", (QuestionLog.decision,)),
        ("optobot_leads", "Leads by kind and status", (Lead.kind, Lead.status)),
        ("optobot_registrations", "Training registrations by status", (Registration.status,)),
        ("optobot_outbox", "Outbox messages by status", (OutboxMessage.status,)),
    ]
    families: list[Metric] = []
    for name, documentation, columns in wanted:
        family = GaugeMetricFamily(name, documentation, labels=[c.key for c in columns])
        for *labels, count in await _counts(database, *columns):
            family.add_metric([str(label) for label in labels], float(count))
        families.append(family)
    return families


def _counters() -> CollectorRegistry:
    """This process's counters, or all workers' added up when they share a directory."""
    directory = os.environ.get(SHARED_DIRECTORY)
    if not directory:
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=directory)
    return registry


async def render(database: Database) -> bytes:
    """The exposition text: the counters, then the database's figures."""
    figures = CollectorRegistry()
    figures.register(_Figures(await _figures(database)))
    return generate_latest(_counters()) + generate_latest(figures)
