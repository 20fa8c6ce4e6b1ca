"""A lead delivered by the worker through the real channel senders to the loopback fakes."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from bot.channels.senders import close_senders, delivering, staff_senders
from bot.delivery.worker import DeliveryWorker
from bot.leads.records import find_lead, set_status
from bot.storage import OutboxMessage
from tests.conversation import Clock, Conversation
from tests.delivery.support import FIELDS, store_lead
from tests.fakes.slack_api import TOKEN as SLACK_TOKEN
from tests.fakes.slack_api import FakeSlack
from tests.fakes.telegram_api import TOKEN as TELEGRAM_TOKEN
from tests.fakes.telegram_api import FakeTelegram

HOSTILE = {**FIELDS, "title": "<!channel> @here <b>hi</b> *now*"}


async def sent_row(app: Any) -> OutboxMessage:
    async with app.database.transaction() as session:
        return (await session.execute(select(OutboxMessage))).scalar_one()


async def test_lead_reaches_the_telegram_staff_group_from_the_running_worker(
    make_app: Any,
) -> None:
    async with FakeTelegram() as fake:
        app = await make_app(
            telegram_bot_token=TELEGRAM_TOKEN,
            telegram_api_base_url=fake.base_url,
            staff_telegram_chat_id=-1001000000099,
        )
        ref = await store_lead(app, HOSTILE)
        async with delivering(app, {}):  # its first pass finds the stored lead
            [call] = await fake.wait_for("sendMessage", 1)
        assert call.params["chat_id"] == -1001000000099
        text = call.params["text"]
        assert ref in text and "&lt;!channel&gt; @here &lt;b&gt;hi&lt;/b&gt; *now*" in text
        keyboard = call.params["reply_markup"]["inline_keyboard"]
        actions = [button["callback_data"] for row in keyboard for button in row]
        assert actions == [f"lead:claim:{ref}", f"lead:contacted:{ref}", f"lead:close:{ref}"]
        row = await sent_row(app)
        assert row.status == "sent" and row.external_ref
        assert len(fake.called("sendMessage")) == 1


async def test_lead_reaches_the_slack_staff_channel(make_app: Any, clock: Clock) -> None:
    async with FakeSlack() as fake:
        app = await make_app(
            slack_bot_token=SLACK_TOKEN, slack_api_url=fake.api_url, staff_slack_channel="C0STAFF"
        )
        ref = await store_lead(app, HOSTILE)
        senders = staff_senders(app.settings, {})
        assert set(senders) == {"slack"}
        worker = DeliveryWorker(app.database, app.settings, senders, clock=clock)
        assert await worker.deliver_due() == 1
        assert await worker.deliver_due() == 0
        [call] = fake.called("chat.postMessage")
        assert call.params["channel"] == "C0STAFF"
        blocks = call.params["blocks"]
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        dumped = json.dumps(blocks, ensure_ascii=False)
        assert ref in dumped and "&lt;!channel&gt;" in dumped and "<!channel>" not in dumped
        assert action_values(blocks) == [
            f"lead:claim:{ref}",
            f"lead:contacted:{ref}",
            f"lead:close:{ref}",
        ]
        row = await sent_row(app)
        assert row.external_ref and row.external_ref.startswith("C0STAFF:")


async def test_no_staff_sender_is_built_for_unconfigured_targets(make_app: Any) -> None:
    app = await make_app(telegram_bot_token=TELEGRAM_TOKEN, slack_bot_token=SLACK_TOKEN)
    assert staff_senders(app.settings, {}) == {}


async def test_a_claim_in_one_staff_chat_shows_on_the_card_in_the_other(
    make_app: Any, clock: Clock
) -> None:
    """Pressed in the Telegram group: that card is edited by the channel; the Slack card
    is edited by the worker. Closed from the command line: both are."""
    async with FakeTelegram() as telegram, FakeSlack() as slack:
        app = await make_app(
            telegram_bot_token=TELEGRAM_TOKEN,
            telegram_api_base_url=telegram.base_url,
            staff_telegram_chat_id=-1001000000099,
            staff_telegram_ids="[4711]",
            slack_bot_token=SLACK_TOKEN,
            slack_api_url=slack.api_url,
            staff_slack_channel="C0STAFF",
        )
        ref = await store_lead(app)
        senders = staff_senders(app.settings, {})
        worker = DeliveryWorker(app.database, app.settings, senders)
        try:
            assert await worker.deliver_due() == 2
            staff = Conversation(app.assistant, channel="telegram", user="4711", chat="-100")
            [pressed] = await staff.send(staff.incoming(action=f"lead:claim:{ref}"))
            assert await worker.deliver_due() == 1
            async with app.database.transaction() as session:
                lead = await find_lead(session, ref, lock=True)
                assert lead is not None
                await set_status(session, app.services, lead, "closed", by="office")
            assert await worker.deliver_due() == 2
        finally:
            await close_senders(senders)
        [card] = telegram.called("sendMessage")
        [claimed, closed] = slack.called("chat.update")
        [edited] = telegram.called("editMessageText")
        slack_card, telegram_card = await card_refs(app, ref, "slack", "telegram")
    assert pressed.edit and "4711" in pressed.text
    assert f"{claimed.params['channel']}:{claimed.params['ts']}" == slack_card
    assert "4711" in claimed.params["text"]
    assert action_values(claimed.params["blocks"]) == [
        f"lead:contacted:{ref}",
        f"lead:close:{ref}",
    ]
    assert action_values(closed.params["blocks"]) == []
    assert (edited.params["chat_id"], str(edited.params["message_id"])) == (
        card.params["chat_id"],
        telegram_card,
    )
    assert not edited.params.get("reply_markup")  # closed: no buttons left


async def card_refs(app: Any, ref: str, *targets: str) -> list[str | None]:
    """The platform references of a lead's cards, as the outbox kept them."""
    async with app.database.transaction() as session:
        rows = {
            row.key: row.external_ref
            for row in (await session.execute(select(OutboxMessage))).scalars()
        }
    return [rows[f"lead:{ref}:{target}"] for target in targets]


def action_values(blocks: Any) -> list[str]:
    """The values of a Slack message's buttons."""
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    return [
        element["value"]
        for block in blocks
        if block["type"] == "actions"
        for element in block["elements"]
    ]
