"""The weekly digest of unanswered questions: once a week to each staff chat through the
outbox, however often (and by however many workers) it is looked for; off by a setting."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.curation.digest import send_digest
from bot.delivery.outbox import replies_from_payload
from bot.storage import OutboxMessage
from tests.conversation import Conversation
from tests.office.support import STAFF

GROUP = -1001000000099
WAGE = "What is the minimum wage in Canada?"


async def digests(app: Any) -> list[OutboxMessage]:
    async with app.database.transaction() as session:
        query = select(OutboxMessage).where(OutboxMessage.kind == "kb_gaps_digest")
        return list((await session.execute(query)).scalars())


async def test_the_digest_goes_to_the_staff_chat_once_a_week(make_app: Any, clock: Any) -> None:
    app = await make_app(**STAFF, staff_telegram_chat_id=GROUP)
    other = await make_app(**STAFF, staff_telegram_chat_id=GROUP)  # a second worker
    assert await send_digest(app.services) == []  # nothing unanswered, nothing sent
    chat = Conversation(app.assistant, channel="console", user="anna", locale="en")
    await chat.say(WAGE)
    await chat.say(WAGE)
    assert await send_digest(app.services) == ["telegram"]
    assert await send_digest(other.services) == []
    [row] = await digests(app)
    [reply] = replies_from_payload(row.payload)
    assert row.payload["chat_id"] == str(GROUP)
    assert WAGE in reply.text and "2×" in reply.text and "/office/gaps" in reply.text
    clock.advance(days=7)
    await chat.say(WAGE)
    assert await send_digest(app.services) == ["telegram"]
    assert len(await digests(app)) == 2


async def test_the_digest_can_be_turned_off(make_app: Any) -> None:
    app = await make_app(**STAFF, staff_telegram_chat_id=GROUP, kb_gaps_digest=False)
    await Conversation(app.assistant, channel="console", user="anna", locale="en").say(WAGE)
    assert await send_digest(app.services) == []
    assert await digests(app) == []
