"""Project ideas for international R&D cooperations: the guided dialogue that makes a lead.

Started by ``/idea`` (``/idee``), the "idea:start" button (the /start menu, the FAQ entry
``cooperation-submit-idea``) or a plain statement such as "ich habe eine Projektidee".
The form engine does the asking; on confirm the lead is stored with its staff messages
queued in the same transaction, and the member gets the reference.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime
from typing import Any

from bot.forms import QUESTION_START, Form, Step, person_name
from bot.leads.records import create_lead
from bot.messages import Choice, Reply
from bot.turn import Services, Turn

COMMANDS = {"idea", "idee", "projektidee"}
PREFIX = "idea:"
ACTION = f"{PREFIX}start"
PHRASES = re.compile(
    r"\b(projekt-?idee|project idea|idea for a (joint )?project|idee für ein (gemeinsames )?"
    r"projekt|kooperationsidee|find(ing)? a partner|looking for a partner|"
    r"(suchen|finden) (einen |eine )?(kooperations)?partner|kooperationspartner (suchen|finden))",
    re.IGNORECASE,
)
NOT_PROGRAMMES = {"funding-overview", "funding-application-help"}
"""Funding entries that explain funding in general rather than name a programme."""
CONSENT_VERSION = "idea-2026-11"


def funding_options(turn: Turn) -> list[tuple[str, str]]:
    """The knowledge base's funding programmes (titles in the member's language), then
    "please advise": the same entries the FAQ answers from, reloaded with them."""
    entries = sorted(turn.services.knowledge.entries.values(), key=lambda e: e.id)
    options = [
        (entry.id, entry.text(turn.language).title)
        for entry in entries
        if entry.topic == "funding" and entry.id not in NOT_PROGRAMMES
    ]
    advise = turn.services.templates.render_block(turn.language, "forms/idea", "opt_funding_advise")
    return [*options, ("advise", advise)]


LAST_MONTH_FOR_THIS_YEAR = 9
"""From October a start "this year" is hardly possible, so it is not offered."""


def timeline_options(turn: Turn) -> list[tuple[str, str]]:
    """Starts that make sense on today's date: "this year" until September, then "the
    year after next" instead."""
    if turn.now.month <= LAST_MONTH_FOR_THIS_YEAR:
        values = ("this_year", "next_year", "open")
    else:
        values = ("next_year", "year_after", "open")
    render = turn.services.templates.render_block
    return [
        (value, render(turn.language, "forms/idea", f"opt_timeline_{value}")) for value in values
    ]


def _member(field: str) -> Any:
    return lambda turn: getattr(turn.member, field)


STEPS = (
    Step("title", min_length=5, max_length=120),
    Step(
        "field",
        "choice",
        options=(
            "materials",
            "precision",
            "laser",
            "optoelectronics",
            "metrology",
            "sensors",
            "other",
        ),
    ),
    Step(
        "regions",
        "multichoice",
        options=("usa", "quebec", "ontario", "japan", "korea", "open"),
    ),
    Step("partner", "choice", options=("industry", "research", "both", "unknown")),
    Step("description", min_length=20, max_length=2000, multiline=True),
    Step("stage", "choice", options=("idea", "concept", "prototype", "adaptation")),
    Step("funding", "choice", options=funding_options),
    Step(
        "timeline",
        "choice",
        options=timeline_options,
        free_text=True,
        min_length=2,
        max_length=200,
    ),
    Step("organisation", min_length=2, max_length=200, prefill=_member("organisation")),
    Step(
        "contact_name",
        min_length=2,
        max_length=200,
        validate=person_name,
        prefill=_member("contact_name"),
    ),
    Step("email", "email", max_length=320, prefill=_member("email")),
    Step("phone", "phone", optional=True, prefill=_member("phone")),
    Step("consent", "consent"),
)


def staff_rows(turn: Turn, form: Form, data: dict[str, Any]) -> list[tuple[str, str, str]]:
    """The answers as the office reads them (field, label, text): labels in the staff
    language."""
    staff = dataclasses.replace(turn, language=turn.services.settings.staff_language)
    return [
        (
            step.name,
            form.block(staff, f"label_{step.name}"),
            turn.services.forms.display(staff, form, step, data.get(step.name)),
        )
        for step in form.steps
        if step.kind != "consent"
    ]


async def submit(turn: Turn, data: dict[str, Any]) -> list[Reply]:
    form = IDEA_FORM
    fields = {step.name: data.get(step.name) for step in form.steps if step.kind != "consent"}
    consent_at = data.get("consent_at")
    lead = await create_lead(
        turn.session,
        turn.services,
        kind="idea",
        member=turn.member,
        channel=turn.incoming.channel,
        language=turn.language,
        fields=fields,
        display=staff_rows(turn, form, data),
        consent_at=datetime.fromisoformat(consent_at) if consent_at else turn.now,
        consent_version=CONSENT_VERSION,
    )
    notified = bool(turn.services.settings.staff_targets())
    return [turn.reply("ideas/submitted", ref=lead.ref, notified=notified)]


IDEA_FORM = Form("idea", STEPS, on_confirm=submit)


class Ideas:
    """Starts the idea form; the running form itself is the ActiveForm handler's."""

    commands = frozenset(COMMANDS)
    prefixes = frozenset({PREFIX})

    def __init__(self, services: Services) -> None:
        services.forms.register(IDEA_FORM)

    def check(self, turn: Turn) -> bool:
        if turn.incoming.action is not None:
            return turn.incoming.action == ACTION
        command = turn.incoming.command
        if command is not None:
            return command[0] in COMMANDS
        text = turn.text
        return (
            bool(PHRASES.search(text)) and not text.endswith("?") and not QUESTION_START.match(text)
        )

    async def handle(self, turn: Turn) -> list[Reply]:
        return await turn.services.forms.start(turn, IDEA_FORM.name)

    def menu(self, turn: Turn) -> Choice | None:
        return turn.choice("ideas/menu", ACTION)
