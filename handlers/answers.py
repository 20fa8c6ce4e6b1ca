"""Answers to forwarded questions: the staff's reply in their chat, the member's buttons
under the answer and their follow-up.

The channels mark a staff reply to a question card with ``extras["answer_to"]`` (the
replied-to platform message) and ``extras["source"]`` (the reply's own); nothing else
reaches :class:`StaffAnswers`, and only configured staff ids are taken.
"""

from __future__ import annotations

from bot.leads.answers import ACTION, answer, follow_up, own_answer, question_for
from bot.leads.records import find_lead, member_chat
from bot.messages import Reply, plain_number
from bot.routing import owns
from bot.storage import Lead
from bot.turn import Turn

FOLLOW_UP_MODE = "follow_up"
"""The dialogue mode while the member writes a follow-up; ``data["follow_up"]`` its ref."""
CANCEL = frozenset({"cancel", "abbrechen"})


class StaffAnswers:
    """A staff member's reply to a question's card (or to a follow-up under it)."""

    def check(self, turn: Turn) -> bool:
        return bool(turn.incoming.extras.get("answer_to"))

    async def handle(self, turn: Turn) -> list[Reply]:
        incoming = turn.incoming
        if not turn.is_staff or not turn.text:
            return []
        lead = await question_for(turn.session, incoming.channel, incoming.extras["answer_to"])
        if lead is None:
            return []  # a reply to some other message of the bot: not an answer
        stored = await answer(
            turn.session,
            turn.services,
            lead,
            text=turn.text,
            source=str(incoming.extras.get("source") or f"{incoming.channel}:{incoming.event_id}"),
            staff=f"{incoming.channel}:{incoming.user_id}",
            name=incoming.display_name or incoming.user_id,
        )
        if stored is None:
            return []
        if await member_chat(turn.session, lead) is None:
            return [turn.reply("answers/staff_unreachable", ref=lead.ref)]
        return [turn.reply("answers/staff_sent", ref=lead.ref)]


class MemberAnswers:
    """👍 Helped / Ask a follow-up under an answer, and the follow-up itself."""

    prefixes = frozenset({ACTION})

    def check(self, turn: Turn) -> bool:
        if owns(self, turn.incoming.action):
            return True
        state = turn.state
        return state.mode == FOLLOW_UP_MODE and state.form is None and turn.incoming.action is None

    async def handle(self, turn: Turn) -> list[Reply]:
        if turn.incoming.action is not None:
            return await self._press(turn)
        state = turn.state
        ref = str(state.data.get(FOLLOW_UP_MODE) or "")
        state.mode, state.data = None, {}
        command = turn.incoming.command
        if command is not None:
            if command[0] in CANCEL:
                return [turn.reply("answers/follow_up_cancelled")]
            return await _hand_on(turn)
        lead = await _own_lead(turn, ref)
        if lead is None:
            return [turn.reply("answers/unknown_answer")]
        await follow_up(
            turn.session,
            turn.services,
            lead,
            text=turn.text,
            source=f"{turn.incoming.channel}:{turn.incoming.event_id}",
        )
        return [turn.reply("answers/follow_up_sent", ref=lead.ref)]

    async def _press(self, turn: Turn) -> list[Reply]:
        _, verb, number = [*(turn.incoming.action or "").split(":", 2), "", ""][:3]
        answer_id = plain_number(number)
        found = (
            await own_answer(turn.session, answer_id, turn.member.id)
            if answer_id is not None
            else None
        )
        if found is None or verb not in ("ok", "more"):
            return [turn.reply("answers/unknown_answer", notice=True)]
        if verb == "ok":
            found.helped = True
            return [turn.reply("answers/helped_thanks", notice=True)]
        if turn.state.form is not None:
            return [turn.reply("answers/finish_form_first", notice=True)]
        lead = await turn.session.get(Lead, found.lead_id)
        assert lead is not None  # own_answer found it
        turn.state.mode, turn.state.data = FOLLOW_UP_MODE, {FOLLOW_UP_MODE: lead.ref}
        return [turn.reply("answers/follow_up_prompt", ref=lead.ref)]


async def _own_lead(turn: Turn, ref: str) -> Lead | None:
    lead = await find_lead(turn.session, ref, lock=True) if ref else None
    return lead if lead is not None and lead.member_id == turn.member.id else None


async def _hand_on(turn: Turn) -> list[Reply]:
    """A command instead of the follow-up: the mode is left, the command runs as usual."""
    router = turn.services.router
    handlers = router.handlers if router is not None else ()
    handler = next(
        (h for h in handlers if not isinstance(h, MemberAnswers) and h.check(turn)), None
    )
    if handler is None:
        return [turn.reply("unknown_action")]
    return await handler.handle(turn)
