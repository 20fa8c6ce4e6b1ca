"""Whatever a member sends — any text, forged or stale buttons, other members' tokens —
nothing of ours breaks, no other member's data changes, and no staff action succeeds."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.app import App, build_app
from bot.messages import Incoming
from bot.settings import Settings
from bot.storage import ChannelIdentity, DialogueState, Lead, QuestionLog, Registration
from tests.conversation import Clock, Conversation
from tests.trainings_catalogue import sync_catalogue

VERBS = ("claim", "contacted", "close")
TR_VERBS = ("cancel", "drop", "ics")
APOLOGY = re.compile(r"\*\*[0-9A-F]{6}\*\*")
PREFIXES = [
    "",
    "f:",
    "f:_sum:",
    "lead:claim:",
    "lead:close:",
    "tr:drop:",
    "tr:cancel:",
    "tr:reg:",
    "tr:ics:",
    "fb:",
    "fwd:",
    "faq:",
    "privacy:",
    "lang:",
    "menu:",
    "idea:",
]


async def other_members_world(app: App) -> tuple[Conversation, list[str]]:
    """Member B with a lead, a seat, a question and a half-filled form; B's buttons."""
    await sync_catalogue(app)
    b = Conversation(app.assistant, channel="telegram", user="10002", locale="en")
    seen: list[str] = []

    async def step(action: Callable[[], Any]) -> None:
        await action()
        seen.extend(choice.action for choice in b.choices)

    await step(lambda: b.say("what is ZIM?"))
    await step(lambda: b.say("what is the minimum wage in Canada"))  # fallback: forward
    await step(lambda: b.press("fwd:"))
    await step(lambda: b.say("/trainings"))
    await step(lambda: b.press("tr:show:"))
    await step(lambda: b.press("tr:reg:"))
    for answer in ("Bernd Beispiel", "Beispiel GmbH", "bernd@example.org"):
        await step(lambda answer=answer: b.say(answer))
    await step(lambda: b.press("f:member:pick:yes"))
    await step(lambda: b.press("f:consent:pick:yes"))
    await step(lambda: b.press("f:_sum:ok"))
    await step(lambda: b.say("/mytrainings"))
    await step(lambda: b.say("/idea"))
    await step(lambda: b.say("Laser welding of glass with a partner in Rochester"))
    return b, seen


async def snapshot(app: App) -> dict[str, Any]:
    """B's dialogue, leads, registrations and questions, and every lead's status."""
    async with app.database.transaction() as session:
        b = await session.scalar(select(ChannelIdentity.member_id).filter_by(user_id="10002"))
        state = (
            await session.execute(select(DialogueState).filter_by(user_id="10002"))
        ).scalar_one()

        async def rows(*columns: Any, where: Any) -> list[Any]:
            return sorted((await session.execute(select(*columns).where(where))).all())

        return {
            "state": (state.form, state.step, state.mode, dict(state.data), state.version),
            "leads": await rows(Lead.ref, Lead.status, Lead.fields, where=Lead.member_id == b),
            "registrations": await rows(
                Registration.uid, Registration.status, where=Registration.member_id == b
            ),
            "questions": await rows(
                QuestionLog.id,
                QuestionLog.feedback,
                QuestionLog.forwarded,
                where=QuestionLog.member_id == b,
            ),
            "statuses": {s for (s,) in await rows(Lead.status, where=Lead.id > 0)},
        }


def test_no_member_can_break_us_or_touch_another_members_data(
    make_settings: Callable[..., Settings],
) -> None:
    loop = asyncio.new_event_loop()
    settings_ = make_settings(rate_limit_per_minute=100_000, staff_telegram_ids="999")
    app = loop.run_until_complete(build_app(settings_, clock=Clock()))
    try:
        _, b_actions = loop.run_until_complete(other_members_world(app))
        before = loop.run_until_complete(snapshot(app))
        assert before["state"][0] == "idea" and before["statuses"] == {"new"}
        assert before["leads"] and before["registrations"] and before["questions"]
        targeted = [  # what an attacker would forge, aimed at B's real data
            *(f"lead:{verb}:{ref}" for ref, *_ in before["leads"] for verb in VERBS),
            *(f"tr:{verb}:{uid}" for uid, _ in before["registrations"] for verb in TR_VERBS),
            *(f"fb:{qid}:{v}" for qid, *_ in before["questions"] for v in ("up", "down")),
            *(f"fwd:{qid}" for qid, *_ in before["questions"]),
        ]
        a = Conversation(app.assistant, channel="telegram", user="10001", locale="de")
        forged = st.builds(lambda p, s: p + s, st.sampled_from(PREFIXES), st.text(max_size=40))
        event = st.one_of(
            st.builds(lambda t: a.incoming(text=t), st.text(max_size=300)),
            st.builds(
                lambda x: a.incoming(action=x),
                st.sampled_from(b_actions) | st.sampled_from(targeted) | forged,
            ),
        )

        @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
        @given(st.lists(event, min_size=1, max_size=8))
        def members_send(events: list[Incoming]) -> None:
            for incoming in events:
                replies = loop.run_until_complete(app.assistant.handle(incoming))
                for reply in replies:
                    assert not APOLOGY.search(reply.text), (incoming, reply.text)
            assert loop.run_until_complete(snapshot(app)) == before

        members_send()
    finally:
        loop.run_until_complete(app.database.dispose())
        loop.close()
