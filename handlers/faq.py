"""Questions answered from the knowledge base: answer, clarify, an honest fallback (with the
offer to forward the question to the office) or, for a question outside the cluster's
topics, what the assistant helps with and the menu (the office could not help either).

Every question is logged (language, decision, entry, score) so staff see what was asked
and not answered (``optobot kb gaps``). Actions: ``faq:<id>`` shows an entry,
``fb:<log>:up|down`` records feedback, ``fwd:<log>`` forwards the question to the office
as a lead. Inside a running form a clear question is answered and the form asks again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from sqlalchemy import insert, select

from bot.leads.records import create_lead
from bot.messages import Choice, Reply, plain_number
from bot.routing import owns
from bot.storage import QuestionLog
from bot.trainings import actions as trainings
from bot.turn import Services, Turn
from handlers import ideas
from handlers.commands import menu
from knowledge.entries import Entry
from knowledge.evidence import Match

ENTRY = "faq:"
FEEDBACK = "fb:"
FORWARD = "fwd:"
MAX_RELATED = 3
ENTRY_ACTIONS = {"cooperation-submit-idea": ("faq/button_idea", ideas.ACTION)}
TOPIC_ACTIONS = {"training": ("faq/button_trainings", trainings.LIST)}
"""Entries whose next step another capability takes: their answer carries its button."""


def entry_action(entry_id: str) -> str:
    """Shows a knowledge-base entry."""
    return f"{ENTRY}{entry_id}"


def feedback_action(log_id: int, verdict: str) -> str:
    """``up`` or ``down`` for the answer to a logged question."""
    return f"{FEEDBACK}{log_id}:{verdict}"


def forward_action(log_id: int) -> str:
    """Forwards a logged question to the office as a lead."""
    return f"{FORWARD}{log_id}"


class Faq:
    prefixes = frozenset({ENTRY, FEEDBACK, FORWARD})

    def __init__(self, services: Services) -> None:
        services.forms.question_hook = self.answer_in_form

    def check(self, turn: Turn) -> bool:
        action = turn.incoming.action
        if action is not None:
            return owns(self, action)
        return bool(turn.text) and turn.incoming.command is None

    async def handle(self, turn: Turn) -> list[Reply]:
        action = turn.incoming.action
        if action is None:
            return await self.ask(turn)
        kind, _, value = action.partition(":")
        if f"{kind}:" == ENTRY:
            entry = turn.services.knowledge.get(value)
            if entry is None:
                return [turn.reply("faq/unknown_entry", notice=True)]
            return [self._answer(turn, entry, None)]
        if f"{kind}:" == FEEDBACK:
            return await self._feedback(turn, value)
        return await self._forward(turn, value)

    async def ask(self, turn: Turn) -> list[Reply]:
        match = await _match(turn)
        log_id = await _log(turn, match)
        if match.decision == "answer" and match.id is not None:
            entry = turn.services.knowledge.get(match.id)
            if entry is not None:
                return [self._answer(turn, entry, log_id)]
        if match.decision == "clarify":
            choices = [
                Choice(entry.text(turn.language).title, entry_action(entry.id))
                for entry in _entries(turn, [c.id for c in match.candidates])
            ]
            choices.append(turn.choice("faq/button_forward", forward_action(log_id)))
            return [turn.reply("faq/clarify", choices=choices)]
        if match.decision == "off_topic":
            return [turn.reply("faq/off_topic", choices=menu(turn))]
        return [_fallback(turn, log_id)]

    async def answer_in_form(self, turn: Turn) -> list[Reply] | None:
        """The form engine's hook: only a confident answer interrupts a form."""
        match = await _match(turn)
        if match.decision != "answer" or match.id is None:
            return None
        entry = turn.services.knowledge.get(match.id)
        if entry is None:
            return None
        await _log(turn, match)
        return [Reply(_answer_text(turn, entry, in_form=turn.state.form or ""))]

    def _answer(self, turn: Turn, entry: Entry, log_id: int | None) -> Reply:
        choices: list[Choice] = []
        step = ENTRY_ACTIONS.get(entry.id) or TOPIC_ACTIONS.get(entry.topic)
        if step is not None:
            choices.append(turn.choice(*step))
        if log_id is not None:
            choices += [
                turn.choice("faq/button_up", feedback_action(log_id, "up")),
                turn.choice("faq/button_down", feedback_action(log_id, "down")),
            ]
        choices += [
            Choice(other.text(turn.language).title, entry_action(other.id))
            for other in _entries(turn, entry.related)[:MAX_RELATED]
        ]
        return Reply(_answer_text(turn, entry), tuple(choices))

    async def _feedback(self, turn: Turn, value: str) -> list[Reply]:
        log_id, _, verdict = value.partition(":")
        log = await _own_log(turn, log_id)
        if log is None or verdict not in ("up", "down"):
            return [turn.reply("unknown_action", notice=True)]
        log.feedback = 1 if verdict == "up" else -1
        if verdict == "up":
            return [turn.reply("faq/feedback_thanks", notice=True)]
        return [
            turn.reply(
                "faq/feedback_sorry",
                choices=[turn.choice("faq/button_forward", forward_action(log.id))],
                contact=turn.services.settings.office_contact_email,
            )
        ]

    async def _forward(self, turn: Turn, value: str) -> list[Reply]:
        log = await _own_log(turn, value)
        if log is None:
            return [turn.reply("unknown_action", notice=True)]
        if log.forwarded:
            return [turn.reply("faq/already_forwarded", notice=True)]
        staff_language = turn.services.settings.staff_language
        label = turn.services.templates.render(staff_language, "faq/lead_question")
        lead = await create_lead(
            turn.session,
            turn.services,
            kind="question",
            member=turn.member,
            channel=turn.incoming.channel,
            language=turn.language,
            fields={"question": log.text or "", "decision": log.decision, "entry": log.entry_id},
            display=[("question", label, log.text or "")],
        )
        log.forwarded = True
        return [turn.reply("faq/forwarded", ref=lead.ref)]


async def _match(turn: Turn) -> Match:
    """The decision, taken in a thread: the encoder's C engine releases the GIL, so its
    milliseconds per question do not hold up other members' turns on the event loop."""
    return await asyncio.to_thread(turn.services.knowledge.match, turn.text)


def _entries(turn: Turn, ids: Iterable[str]) -> list[Entry]:
    knowledge = turn.services.knowledge
    found = (knowledge.get(entry_id) for entry_id in ids)
    return [entry for entry in found if entry is not None]


def _answer_text(turn: Turn, entry: Entry, *, in_form: str = "") -> str:
    """``in_form`` names the form the answer interrupts: an answer then leaves out its
    invitation to start a dialogue (``{% if not in_form %}``) the member is already in."""
    text = entry.text(turn.language)
    context = {"office": turn.services.settings.office, "in_form": in_form}
    answer = turn.services.templates.render_string(turn.language, text.answer, context)
    return turn.render("faq/answer", title=text.title, answer=answer)


def _fallback(turn: Turn, log_id: int) -> Reply:
    return turn.reply(
        "faq/fallback",
        choices=[turn.choice("faq/button_forward", forward_action(log_id))],
        contact=turn.services.settings.office_contact_email,
    )


async def _log(turn: Turn, match: Match) -> int:
    """The question and the decision taken, logged as every question is; its id goes into
    the feedback and forward buttons."""
    row = {
        "member_id": turn.member.id,
        "channel": turn.incoming.channel,
        "language": turn.language,
        "text": turn.text,
        "decision": match.decision,
        "entry_id": match.id,
        "score": match.score,
        "candidates": {"candidates": [c.id for c in match.candidates]},
        "created_at": turn.now,
    }
    logged: int = (await turn.session.execute(_LOG, row)).scalar_one()
    return logged


_QUESTIONS = QuestionLog.metadata.tables[QuestionLog.__tablename__]  # a Table, not FromClause
_LOG = insert(_QUESTIONS).returning(_QUESTIONS.c.id)
"""A Core insert built once: every question writes one row, so it skips the ORM's unit of
work."""


async def _own_log(turn: Turn, log_id: str) -> QuestionLog | None:
    """The member's own logged question; someone else's id is treated as unknown."""
    number = plain_number(log_id)
    if number is None:
        return None
    query = select(QuestionLog).where(
        QuestionLog.id == number, QuestionLog.member_id == turn.member.id
    )
    return (await turn.session.execute(query)).scalar_one_or_none()
