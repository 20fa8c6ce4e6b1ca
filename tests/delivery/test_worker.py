"""The delivery worker against real parts: SMTP (aiosmtpd), SQLite/PostgreSQL, Senders."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select

from bot.delivery.outbox import enqueue, enqueue_replies
from bot.delivery.worker import DeliveryWorker, backoff
from bot.leads.cards import CARD_EDIT
from bot.leads.records import find_lead, set_status
from bot.messages import Reply
from bot.storage import ChannelIdentity, Member, OutboxMessage
from tests.conversation import Clock
from tests.delivery.conftest import Mailbox
from tests.delivery.support import RecordingSender, store_lead

TELEGRAM_STAFF = {"staff_telegram_chat_id": -100200300}


async def outbox_rows(app: Any) -> list[OutboxMessage]:
    async with app.database.transaction() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        return list((await session.execute(query)).scalars())


def email_settings(port: int) -> dict[str, Any]:
    return {
        "office_email": "office@optonet.example",
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "smtp_starttls": False,
    }


async def telegram_lead(
    make_app: Any, clock: Clock, **settings: Any
) -> tuple[Any, str, RecordingSender, DeliveryWorker]:
    """A stored lead, Telegram as the staff chat, and a worker with a recording sender."""
    app = await make_app(**TELEGRAM_STAFF, **settings)
    ref = await store_lead(app)
    telegram = RecordingSender("tg")
    worker = DeliveryWorker(app.database, app.settings, {"telegram": telegram}, clock=clock)
    return app, ref, telegram, worker


async def test_lead_is_mailed_once_with_text_and_html(
    make_app: Any, clock: Clock, smtp: tuple[Mailbox, int]
) -> None:
    mailbox, port = smtp
    app = await make_app(**email_settings(port))
    ref = await store_lead(app)
    worker = DeliveryWorker(app.database, app.settings, {}, clock=clock)
    assert await worker.deliver_due() == 1
    assert await worker.deliver_due() == 0
    [message] = mailbox.messages
    assert mailbox.envelopes[0].rcpt_tos == ["office@optonet.example"]
    assert ref in message["Subject"] and "Glass drilling" in message["Subject"]
    assert message["Reply-To"] == "anna@photon.example"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for body in (text, html):
        assert "Glass drilling with ultrashort pulses" in body and "Photon GmbH" in body
        assert f"optobot leads show {ref}" in body
    assert "English" in text  # the member's language, named in the staff language
    [row] = await outbox_rows(app)
    assert row.key == f"lead:{ref}:email" and row.status == "sent"
    assert row.external_ref == message["Message-ID"]


async def test_refused_mail_is_retried_after_backoff_and_arrives_once(
    make_app: Any, clock: Clock, smtp: tuple[Mailbox, int]
) -> None:
    mailbox, port = smtp
    mailbox.refuse(1)
    app = await make_app(**email_settings(port))
    await store_lead(app)
    worker = DeliveryWorker(app.database, app.settings, {}, clock=clock)
    assert await worker.deliver_due() == 0
    [row] = await outbox_rows(app)
    assert row.status == "pending" and row.attempts == 1 and "451" in (row.last_error or "")
    assert row.next_attempt_at == clock.now + backoff(1)
    assert await worker.deliver_due() == 0  # not due yet
    clock.advance(seconds=backoff(1).total_seconds())
    assert await worker.deliver_due() == 1
    assert await worker.deliver_due() == 0
    assert len(mailbox.messages) == 1
    [row] = await outbox_rows(app)
    assert row.status == "sent" and row.attempts == 2 and row.last_error is None


async def test_failing_sender_retries_then_succeeds_and_sends_once(
    make_app: Any, clock: Clock
) -> None:
    app, ref, telegram, worker = await telegram_lead(make_app, clock)
    telegram.fail(2)
    for attempt in (1, 2):
        assert await worker.deliver_due() == 0
        clock.advance(seconds=backoff(attempt).total_seconds())
    assert await worker.deliver_due() == 1
    clock.advance(hours=5)
    assert await worker.deliver_due() == 0
    [(chat_id, [card])] = telegram.sent
    assert chat_id == "-100200300" and ref in card.text
    assert [c.action for c in card.choices] == [
        f"lead:claim:{ref}",
        f"lead:contacted:{ref}",
        f"lead:close:{ref}",
    ]
    [row] = await outbox_rows(app)
    assert row.attempts == 3 and row.external_ref == "tg-1"


async def test_a_row_is_marked_failed_after_the_last_attempt(make_app: Any, clock: Clock) -> None:
    app = await make_app(outbox_max_attempts=2, **TELEGRAM_STAFF)
    await store_lead(app)
    telegram = RecordingSender()
    telegram.fail(10)
    worker = DeliveryWorker(app.database, app.settings, {"telegram": telegram}, clock=clock)
    for _ in range(4):
        await worker.deliver_due()
        clock.advance(hours=3)
    [row] = await outbox_rows(app)
    assert row.status == "failed" and row.attempts == 2 and "ConnectionError" in row.last_error


async def test_rows_without_a_sender_wait_for_a_worker_that_has_one(
    make_app: Any, clock: Clock
) -> None:
    app = await make_app(staff_slack_channel="C0STAFF", **TELEGRAM_STAFF)
    await store_lead(app)
    slack = RecordingSender("slack")
    worker = DeliveryWorker(app.database, app.settings, {"slack": slack}, clock=clock)
    assert await worker.deliver_due() == 1
    rows = {row.target: row for row in await outbox_rows(app)}
    assert rows["slack"].status == "sent" and slack.sent[0][0] == "C0STAFF"
    assert rows["telegram"].status == "pending" and rows["telegram"].attempts == 0


async def test_member_rows_go_to_the_members_channel(make_app: Any, clock: Clock) -> None:
    app = await make_app()
    async with app.database.transaction() as session:
        identity = ChannelIdentity(channel="slack", user_id="U1", chat_id="D1", member=Member())
        session.add(identity)
        await session.flush()
        await enqueue_replies(session, identity, [Reply("hello")], key="k", kind="t", due=clock())
    slack = RecordingSender("slack")
    worker = DeliveryWorker(app.database, app.settings, {"slack": slack}, clock=clock)
    assert await worker.deliver_due() == 1
    assert slack.sent == [("D1", [Reply("hello")])]


async def test_two_workers_on_one_database_deliver_each_row_once(
    db_app: Any, make_app: Any, database_url: str, clock: Clock
) -> None:
    async with db_app.database.transaction() as session:
        for number in range(40):
            payload = {"channel": "telegram", "chat_id": "-1", "replies": [{"text": str(number)}]}
            await enqueue(
                session, key=f"n{number}", target="telegram", kind="t", payload=payload, due=clock()
            )
    second = await make_app(database_url=database_url)
    senders = [RecordingSender("a"), RecordingSender("b")]
    workers = [
        DeliveryWorker(app.database, app.settings, {"telegram": sender}, clock=clock, batch=5)
        for app, sender in zip((db_app, second), senders, strict=True)
    ]
    counts = await asyncio.gather(*(worker.deliver_due() for worker in workers))
    texts = [reply.text for sender in senders for _, replies in sender.sent for reply in replies]
    assert sum(counts) == 40 and sorted(texts, key=int) == [str(n) for n in range(40)]
    assert all(row.status == "sent" for row in await outbox_rows(db_app))


async def test_backoff_doubles_and_is_capped() -> None:
    waits = [backoff(n).total_seconds() for n in (1, 2, 3, 4, 20)]
    assert waits == [30, 60, 120, 240, 7200]


async def test_forwarded_questions_are_leads_with_their_own_numbers(
    make_app: Any, clock: Clock
) -> None:
    app = await make_app(**TELEGRAM_STAFF)
    question = {"question": "Gibt es Förderung für Messen in Kanada?", "email": "a@b.example"}
    refs = [await store_lead(app, question, kind="question", user=f"u{n}") for n in (1, 2)]
    refs.append(await store_lead(app, user="u3"))
    assert refs == ["Q-2026-0001", "Q-2026-0002", "IDEA-2026-0001"]
    telegram = RecordingSender()
    worker = DeliveryWorker(app.database, app.settings, {"telegram": telegram}, clock=clock)
    assert await worker.deliver_due() == 3
    card = telegram.sent[0][1][0].text
    assert "Weitergeleitete Frage Q-2026-0001" in card
    assert "**Frage:** Gibt es Förderung für Messen in Kanada?" in card


async def change_status(app: Any, ref: str, status: str, pressed_in: str | None = None) -> None:
    """A status change from the command line, or from a button pressed in a staff chat
    (whose channel edits that card itself)."""
    async with app.database.transaction() as session:
        lead = await find_lead(session, ref, lock=True)
        assert lead is not None
        await set_status(session, app.services, lead, status, by="office", updated_in=pressed_in)


async def test_a_card_changed_before_it_was_sent_is_sent_then_edited(
    make_app: Any, clock: Clock
) -> None:
    app, ref, telegram, worker = await telegram_lead(make_app, clock)
    telegram.fail(1)
    assert await worker.deliver_due() == 0  # the card failed once: it waits for its retry
    await change_status(app, ref, "claimed")
    assert await worker.deliver_due() == 0  # so the change waits too
    clock.advance(seconds=backoff(1).total_seconds())
    await worker.deliver_due()
    clock.advance(seconds=backoff(1).total_seconds())
    await worker.deliver_due()
    [(_, [sent])] = telegram.sent
    [(chat_id, refs, card)] = telegram.replaced
    assert f"lead:claim:{ref}" in [choice.action for choice in sent.choices]
    assert (chat_id, refs) == ("-100200300", ["tg-1"])
    assert [choice.action for choice in card.choices] == [
        f"lead:contacted:{ref}",
        f"lead:close:{ref}",
    ]
    cards = await card_rows(app)
    assert [row.status for row in cards] == ["sent", "sent"]


async def test_a_card_given_up_on_is_not_edited(make_app: Any, clock: Clock) -> None:
    app, ref, telegram, worker = await telegram_lead(make_app, clock, outbox_max_attempts=1)
    telegram.fail(1)
    await worker.deliver_due()
    await change_status(app, ref, "closed")
    assert await worker.deliver_due() == 1
    assert telegram.sent == [] and telegram.replaced == []
    cards = await card_rows(app)
    assert [row.status for row in cards] == ["failed", "sent"]


async def card_sent(
    make_app: Any, clock: Clock
) -> tuple[Any, str, RecordingSender, DeliveryWorker]:
    """A lead whose card reached the Telegram staff chat, and the worker that sent it."""
    app, ref, telegram, worker = await telegram_lead(make_app, clock)
    assert await worker.deliver_due() == 1
    return app, ref, telegram, worker


async def card_rows(app: Any) -> list[OutboxMessage]:
    """The Telegram card and its edits, oldest first."""
    return [row for row in await outbox_rows(app) if row.target == "telegram"]


def buttons(card: Reply) -> list[str]:
    return [choice.action.split(":")[1] for choice in card.choices]


async def test_an_edit_that_failed_gives_way_to_a_later_one(make_app: Any, clock: Clock) -> None:
    app, ref, telegram, worker = await card_sent(make_app, clock)
    await change_status(app, ref, "claimed")
    telegram.fail(1)
    assert await worker.deliver_due() == 0  # the edit to "claimed" failed: retried later
    await change_status(app, ref, "contacted")
    assert await worker.deliver_due() == 0  # so the edit to "contacted" waits behind it
    assert telegram.replaced == []
    clock.advance(seconds=backoff(1).total_seconds())
    assert await worker.deliver_due() == 1
    clock.advance(hours=5)
    assert await worker.deliver_due() == 0
    [(_, refs, card)] = telegram.replaced
    assert refs == ["tg-1"] and buttons(card) == ["close"]
    cards = await card_rows(app)
    assert [row.status for row in cards] == ["sent", "superseded", "sent"]
    assert cards[1].payload == {}


async def test_two_workers_put_the_latest_status_on_the_card(
    make_app: Any, database_url: str, clock: Clock
) -> None:
    app = await make_app(database_url=database_url, **TELEGRAM_STAFF)
    ref = await store_lead(app)
    first = DeliveryWorker(
        app.database, app.settings, {"telegram": RecordingSender("tg")}, clock=clock
    )
    assert await first.deliver_due() == 1
    for status in ("claimed", "contacted", "closed"):
        await change_status(app, ref, status)
    second = await make_app(database_url=database_url, **TELEGRAM_STAFF)
    senders = [RecordingSender("a"), RecordingSender("b")]
    workers = [
        DeliveryWorker(each.database, each.settings, {"telegram": sender}, clock=clock, batch=1)
        for each, sender in zip((app, second), senders, strict=True)
    ]
    for _ in range(3):
        await asyncio.gather(*(worker.deliver_due() for worker in workers))
        clock.advance(hours=3)
    [(_, refs, card)] = [edit for sender in senders for edit in sender.replaced]
    assert refs == ["tg-1"] and buttons(card) == []
    statuses = [row.status for row in await card_rows(app)]
    assert statuses == ["sent", "superseded", "superseded", "sent"]


async def test_a_card_pressed_while_an_earlier_edit_waits_gets_the_new_status_after_it(
    make_app: Any, clock: Clock
) -> None:
    app, ref, telegram, worker = await card_sent(make_app, clock)
    await change_status(app, ref, "claimed")  # queued for the Telegram card, not sent yet
    await change_status(app, ref, "contacted", pressed_in="telegram")
    assert await worker.deliver_due() == 1
    [(_, refs, card)] = telegram.replaced
    assert refs == ["tg-1"] and buttons(card) == ["close"]
    assert [row.status for row in await card_rows(app)] == ["sent", "superseded", "sent"]


async def test_a_pressed_card_is_left_to_its_channel_when_no_edit_waits(
    make_app: Any, clock: Clock
) -> None:
    app, ref, telegram, worker = await card_sent(make_app, clock)
    await change_status(app, ref, "claimed", pressed_in="telegram")
    assert await worker.deliver_due() == 0
    assert telegram.replaced == []
    assert not [row for row in await outbox_rows(app) if row.kind == CARD_EDIT]
