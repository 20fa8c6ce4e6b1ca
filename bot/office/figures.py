"""The office's figures: what the last weeks' questions, leads and trainings add up to.

Counted in Python over the rows of the window (an office has hundreds of questions a week,
not millions), so SQLite and PostgreSQL give the same weeks without date functions of their
own. Weeks start on Monday, 00:00 UTC; the current week is the last and still running.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from statistics import median

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage import Lead, QuestionLog, Training
from bot.trainings.catalogue import listed

WEEKS = 8
OUTCOMES = ("answered", "clarified", "forwarded", "off_topic", "unanswered")
"""A question's outcome: forwarded wins over the decision that offered the forwarding."""
DECISION_OUTCOME = {
    "answer": "answered",
    "clarify": "clarified",
    "off_topic": "off_topic",
    "fallback": "unanswered",
}
NO_FIELD = ""
"""The field of a lead without one (a forwarded question)."""


@dataclass
class Seats:
    """A training's seats: taken of all, and the waiting list."""

    training: Training
    taken: int
    waiting: int


@dataclass
class Figures:
    """Everything the figures page shows, per week (oldest first) or per item."""

    weeks: list[date]
    questions: dict[str, list[int]]
    feedback: dict[str, list[int]]
    leads: dict[str, list[int]]
    """Leads per week by field (``NO_FIELD`` for questions)."""
    regions: Counter[str] = field(default_factory=Counter)
    fields: Counter[str] = field(default_factory=Counter)
    claim_hours: list[float | None] = field(default_factory=list)
    """The median hours from a lead to its first claim, per week of the lead; None: no claim."""
    unclaimed: int = 0
    seats: list[Seats] = field(default_factory=list)

    @property
    def question_total(self) -> int:
        return sum(sum(values) for values in self.questions.values())

    @property
    def lead_total(self) -> int:
        return sum(sum(values) for values in self.leads.values())


def week_starts(now: datetime, weeks: int = WEEKS) -> list[date]:
    """The Mondays of the last ``weeks`` weeks, the current one last."""
    monday = now.date() - timedelta(days=now.weekday())
    return [monday - timedelta(weeks=back) for back in range(weeks - 1, -1, -1)]


def _week(at: datetime, weeks: list[date]) -> int | None:
    day = at.date() - timedelta(days=at.weekday())
    index = (day - weeks[0]).days // 7
    return index if 0 <= index < len(weeks) else None


async def figures(session: AsyncSession, now: datetime, weeks: int = WEEKS) -> Figures:
    starts = week_starts(now, weeks)
    since = datetime.combine(starts[0], datetime.min.time(), tzinfo=now.tzinfo)
    found = Figures(
        weeks=starts,
        questions={outcome: [0] * weeks for outcome in OUTCOMES},
        feedback={"up": [0] * weeks, "down": [0] * weeks},
        leads={},
    )
    await _questions(session, since, found)
    await _leads(session, since, found)
    found.seats = await _seats(session, now)
    return found


async def _questions(session: AsyncSession, since: datetime, found: Figures) -> None:
    query = select(
        QuestionLog.created_at, QuestionLog.decision, QuestionLog.forwarded, QuestionLog.feedback
    ).where(QuestionLog.created_at >= since)
    for created, decision, forwarded, feedback in await session.execute(query):
        week = _week(created, found.weeks)
        if week is None:
            continue
        outcome = "forwarded" if forwarded else DECISION_OUTCOME.get(decision, "unanswered")
        found.questions[outcome][week] += 1
        if feedback:
            found.feedback["up" if feedback > 0 else "down"][week] += 1


async def _leads(session: AsyncSession, since: datetime, found: Figures) -> None:
    query = select(Lead).where(Lead.created_at >= since).order_by(Lead.created_at)
    waits: list[list[float]] = [[] for _ in found.weeks]
    for lead in (await session.execute(query)).scalars():
        week = _week(lead.created_at, found.weeks)
        if week is None:
            continue
        subject = str(lead.fields.get("field") or NO_FIELD)
        found.leads.setdefault(subject, [0] * len(found.weeks))[week] += 1
        regions = lead.fields.get("regions")
        if isinstance(regions, list):
            found.regions.update(str(region) for region in regions if region)
        found.fields[subject] += 1
        if lead.claimed_at is None:
            found.unclaimed += 1
        else:
            waits[week].append((lead.claimed_at - lead.created_at).total_seconds() / 3600)
    found.claim_hours = [round(median(w), 1) if w else None for w in waits]


async def _seats(session: AsyncSession, now: datetime) -> list[Seats]:
    """The trainings still to come and those of the last weeks, by date."""
    since = now - timedelta(weeks=WEEKS)
    query = (
        select(Training.id)
        .where(Training.ends_at >= since, Training.status != "cancelled", Training.in_catalogue)
        .order_by(Training.starts_at)
    )
    seats = []
    for training_id in (await session.execute(query)).scalars().all():
        row = await listed(session, training_id)
        if row is not None:
            seats.append(Seats(row.training, row.training.seats - row.free, row.waiting))
    return seats
