"""Closing the loop on a forwarded question: the office answers in its chat, the member
gets the answer in theirs, and may ask a follow-up that lands in the same thread.

A staff reply is matched to the question by the staff message it replies to: the
question's card (or a follow-up posted under it), known by the platform reference the
outbox stored when it sent them. Each answer is stored once per platform message
(``source``), goes to the member through the outbox keyed ``lead:REF:answer:ID:member``,
moves the lead to ``answered``, redraws every card with "answered by NAME" and becomes a
draft for the knowledge base (:mod:`knowledge.drafts`) that holds nothing of the member.
"""

from __future__ import annotations

import re

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery.outbox import enqueue, enqueue_replies, replies_to_json
from bot.delivery.staff import is_chat, staff_chat
from bot.language import detect
from bot.leads.cards import card_key, lead_key, update_staff_cards
from bot.leads.records import STATUSES, find_lead, member_chat, set_status
from bot.messages import Choice, Reply
from bot.storage import KbDraft, Lead, LeadAnswer, OutboxMessage
from bot.turn import Services

ANSWER = "answer"
FOLLOW_UP = "follow_up"
QUESTION_CARD = "lead_question"
"""The outbox kind of a forwarded question's card (``lead_<kind>``, see notify_staff)."""
FOLLOW_UP_MESSAGE = "lead_follow_up"
"""The outbox kind of a member's follow-up posted under the card."""
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"(?<!\w)\+?\d[\d ()/.-]{6,}\d(?!\w)")
"""Digits enough for a phone number; a year or an amount ("CAD 17.20") is shorter."""
ACTION = "ans:"
"""The member's buttons under an answer: ``ans:ok:<answer id>``, ``ans:more:<answer id>``."""


def impersonal(text: str) -> str:
    """A draft's text without the e-mail addresses and phone numbers a member (or the
    answer to them) may have put into it."""
    return PHONE.sub("[phone]", EMAIL.sub("[e-mail]", text))


async def question_for(session: AsyncSession, target: str, ref: str) -> Lead | None:
    """The forwarded question whose card or follow-up in the staff chat ``target`` is the
    platform message ``ref`` (Telegram: its message id; Slack: ``channel:ts``)."""
    external = OutboxMessage.external_ref
    query = (
        select(OutboxMessage.key)
        .where(
            OutboxMessage.target == target,
            OutboxMessage.kind.in_((QUESTION_CARD, FOLLOW_UP_MESSAGE)),
            OutboxMessage.status == "sent",
            or_(
                external == ref,
                external.startswith(f"{ref},", autoescape=True),
                external.endswith(f",{ref}", autoescape=True),
                external.contains(f",{ref},", autoescape=True),
            ),
        )
        .limit(1)
    )
    key = (await session.execute(query)).scalar_one_or_none()
    if key is None:
        return None
    lead = await find_lead(session, key.split(":")[1], lock=True)
    return lead if lead is not None and lead.kind == "question" else None


async def answer(
    session: AsyncSession,
    services: Services,
    lead: Lead,
    *,
    text: str,
    source: str,
    staff: str,
    name: str,
) -> LeadAnswer | None:
    """Store the staff member's answer and queue it for the member; None when this
    platform message was taken already (a redelivery)."""
    if await _seen(session, source):
        return None
    now = services.clock()
    row = LeadAnswer(
        lead_id=lead.id,
        kind=ANSWER,
        text=text,
        source=source,
        channel=staff.partition(":")[0],
        staff=staff,
        name=name,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    lead.answered_by = name
    if STATUSES.index(lead.status) < STATUSES.index("answered"):
        await set_status(session, services, lead, "answered", by=name, by_id=staff, force=True)
    else:
        lead.updated_at = now
        await update_staff_cards(session, services, lead)
    await _to_member(session, services, lead, row)
    question = str(lead.fields.get("question") or "")
    session.add(
        KbDraft(
            question=impersonal(question),
            answer=impersonal(text),
            language=detect(question) or lead.language,  # a German member may ask in English
            entry_id=lead.fields.get("entry"),
            status="open",
            created_at=now,
        )
    )
    return row


async def follow_up(
    session: AsyncSession, services: Services, lead: Lead, *, text: str, source: str
) -> LeadAnswer | None:
    """The member's follow-up, posted in every staff chat under the question's card."""
    if await _seen(session, source):
        return None
    row = LeadAnswer(
        lead_id=lead.id,
        kind=FOLLOW_UP,
        text=text,
        source=source,
        channel=lead.channel,
        created_at=services.clock(),
    )
    session.add(row)
    await session.flush()
    settings = services.settings
    message = services.templates.render(
        settings.staff_language, "answers/staff_follow_up", lead=lead, text=text
    )
    for target in settings.staff_targets():
        if not is_chat(target):
            continue
        await enqueue(
            session,
            key=f"{lead_key(lead.ref)}:{FOLLOW_UP}:{row.id}:{target}",
            target=target,
            kind=FOLLOW_UP_MESSAGE,
            payload={
                "channel": target,
                "chat_id": staff_chat(settings, target),
                "replies": replies_to_json([Reply(message)]),
                "thread_of": card_key(lead.ref, target),
            },
            due=services.clock(),
        )
    return row


async def own_answer(session: AsyncSession, answer_id: int, member_id: int) -> LeadAnswer | None:
    """An answer to one of this member's questions, or None."""
    row = await session.get(LeadAnswer, answer_id)
    if row is None or row.kind != ANSWER:
        return None
    lead = await session.get(Lead, row.lead_id)
    return row if lead is not None and lead.member_id == member_id else None


async def answers_of(session: AsyncSession, lead_ids: list[int]) -> dict[int, list[LeadAnswer]]:
    """The answers and follow-ups of these leads, oldest first, by lead id."""
    if not lead_ids:
        return {}
    query = select(LeadAnswer).where(LeadAnswer.lead_id.in_(lead_ids)).order_by(LeadAnswer.id)
    found: dict[int, list[LeadAnswer]] = {}
    for row in (await session.execute(query)).scalars():
        found.setdefault(row.lead_id, []).append(row)
    return found


async def _seen(session: AsyncSession, source: str) -> bool:
    query = select(LeadAnswer.id).where(LeadAnswer.source == source)
    return (await session.execute(query)).first() is not None


async def _to_member(
    session: AsyncSession, services: Services, lead: Lead, row: LeadAnswer
) -> None:
    found = await member_chat(session, lead)
    if found is None:
        return
    identity, language = found
    templates = services.templates

    def label(name: str) -> str:
        return templates.render(language, f"answers/{name}", channel=identity.channel)

    text = templates.render(
        language, "answers/answer", channel=identity.channel, lead=lead, text=row.text
    )
    choices = (
        Choice(label("button_helped"), f"{ACTION}ok:{row.id}"),
        Choice(label("button_follow_up"), f"{ACTION}more:{row.id}"),
    )
    await enqueue_replies(
        session,
        identity,
        [Reply(text, choices)],
        key=f"{lead_key(lead.ref)}:{ANSWER}:{row.id}:member",
        kind="lead_answer",
        due=services.clock(),
    )
