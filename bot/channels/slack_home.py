"""What the App Home tab shows a member: their coming trainings and their open ideas.

Read-only queries on the foundation's tables, rendered by the ``slack/home`` template.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from bot.messages import Choice
from bot.storage import Lead, Registration, Training
from bot.trainings import actions
from bot.turn import Turn
from handlers.commands import ASK

ACTIVE_REGISTRATIONS = ("confirmed", "waiting")
OPEN_LEADS = ("new", "claimed", "answered", "contacted")
MY_TRAININGS = actions.MINE
"""The trainings capability's list of the member's registrations, with cancel buttons."""


@dataclass(frozen=True, slots=True)
class HomeTraining:
    title: str
    starts_at: datetime
    status: str


@dataclass(frozen=True, slots=True)
class HomeIdea:
    ref: str
    title: str
    status: str


@dataclass(frozen=True, slots=True)
class Home:
    markdown: str
    choices: list[Choice]


async def home(turn: Turn) -> Home:
    """The home text and buttons; a member who never wrote (no id yet) sees empty lists.

    The buttons are those of the /start menu, so every capability offers itself here too,
    and "my trainings" (with their cancel buttons) when there are any.
    """
    member_id = turn.member.id
    trainings = await coming_trainings(turn, member_id) if member_id else []
    ideas = await open_ideas(turn, member_id) if member_id else []
    router = turn.services.router
    choices = [turn.choice("menu_ask", ASK), *router.menu(turn)]
    if trainings:
        choices.append(turn.choice("trainings/button_mine", MY_TRAININGS))
    markdown = turn.render("slack/home", trainings=trainings, ideas=ideas)
    return Home(markdown, choices)


async def coming_trainings(turn: Turn, member_id: int) -> list[HomeTraining]:
    query = (
        select(Registration, Training)
        .join(Training, Registration.training_id == Training.id)
        .where(
            Registration.member_id == member_id,
            Registration.status.in_(ACTIVE_REGISTRATIONS),
            Training.ends_at >= turn.now,
        )
        .order_by(Training.starts_at)
    )
    rows = (await turn.session.execute(query)).all()
    return [
        HomeTraining(
            _title(training.texts, turn.language, training.id), training.starts_at, r.status
        )
        for r, training in rows
    ]


async def open_ideas(turn: Turn, member_id: int) -> list[HomeIdea]:
    query = (
        select(Lead)
        .where(Lead.member_id == member_id, Lead.kind == "idea", Lead.status.in_(OPEN_LEADS))
        .order_by(Lead.created_at.desc())
    )
    leads = (await turn.session.execute(query)).scalars().all()
    return [HomeIdea(lead.ref, _idea_title(lead.fields), lead.status) for lead in leads]


def _title(texts: dict[str, Any], lang: str, fallback: str) -> str:
    """A training's title in the language asked for, whichever way the texts are nested."""
    by_field = texts.get("title")
    if isinstance(by_field, dict):
        return str(by_field.get(lang) or next(iter(by_field.values()), fallback))
    by_language = texts.get(lang)
    if isinstance(by_language, dict) and by_language.get("title"):
        return str(by_language["title"])
    return fallback


def _idea_title(fields: dict[str, Any]) -> str:
    for name in ("title", "idea", "summary", "description"):
        value = fields.get(name)
        if isinstance(value, str) and value.strip():
            first = value.strip().splitlines()[0]
            return first if len(first) <= 80 else first[:79] + "…"
    return ""
