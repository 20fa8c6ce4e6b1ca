"""The staff buttons of a lead card: only staff, forward only, the member is told."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import App
from bot.delivery.outbox import replies_from_payload
from bot.storage import Lead, OutboxMessage
from tests.delivery.support import store_lead

STAFF = {"staff_slack_ids": "U0ANKE,U0BEN", "staff_telegram_ids": "[4711]"}


@pytest.fixture
async def app(make_app: Any) -> App:
    return await make_app(**STAFF)


async def member_notices(app: App) -> dict[str, str]:
    async with app.database.transaction() as session:
        rows = (await session.execute(select(OutboxMessage))).scalars()
        return {
            row.kind: replies_from_payload(row.payload)[0].text
            for row in rows
            if row.target == "member"
        }


async def lead(app: App, ref: str) -> Lead:
    async with app.database.transaction() as session:
        return (await session.execute(select(Lead).filter_by(ref=ref))).scalar_one()


async def test_staff_claim_updates_the_card_and_tells_the_member(app: App, talk: Any) -> None:
    ref = await store_lead(app)
    anke = talk(channel="slack", user="U0ANKE", chat="C0STAFF", private=False)
    await anke.send(replace(anke.incoming(action=f"lead:claim:{ref}"), display_name="Anke"))
    [card] = anke.replies
    assert card.edit and ref in card.text and "Anke" in card.text
    assert [c.action for c in card.choices] == [f"lead:contacted:{ref}", f"lead:close:{ref}"]
    stored = await lead(app, ref)
    assert stored.status == "claimed" and stored.assignee == "Anke"
    assert stored.assignee_id == "slack:U0ANKE"
    assert stored.claimed_at == app.services.clock()
    notices = await member_notices(app)
    assert "is now handled by Anke from the office" in notices["lead_claimed"]

    await anke.send(anke.incoming(action=f"lead:close:{ref}"))
    assert anke.replies[0].edit and anke.replies[0].choices == ()
    assert (await lead(app, ref)).status == "closed"
    assert "has been closed" in (await member_notices(app))["lead_closed"]


async def test_members_cannot_press_staff_buttons(app: App, talk: Any) -> None:
    ref = await store_lead(app)
    stranger = talk(channel="slack", user="U0EVE", locale="en")
    await stranger.send(stranger.incoming(action=f"lead:claim:{ref}"))
    [refusal] = stranger.replies
    assert refusal.notice and not refusal.edit and "staff" in refusal.text
    assert (await lead(app, ref)).status == "new"
    assert await member_notices(app) == {}


async def test_staff_ids_are_checked_per_channel(app: App, talk: Any) -> None:
    ref = await store_lead(app)
    wrong_channel = talk(channel="telegram", user="U0ANKE")
    await wrong_channel.send(wrong_channel.incoming(action=f"lead:claim:{ref}"))
    assert wrong_channel.replies[0].notice
    telegram_staff = talk(channel="telegram", user="4711")
    await telegram_staff.send(telegram_staff.incoming(action=f"lead:contacted:{ref}"))
    assert telegram_staff.replies[0].edit
    stored = await lead(app, ref)
    assert stored.status == "contacted" and stored.assignee_id == "telegram:4711"


async def test_second_claim_and_backward_moves_are_refused(app: App, talk: Any) -> None:
    ref = await store_lead(app)
    anke = talk(channel="slack", user="U0ANKE")
    ben = talk(channel="slack", user="U0BEN", locale="en")
    await anke.send(anke.incoming(action=f"lead:claim:{ref}"))
    await ben.send(ben.incoming(action=f"lead:claim:{ref}"))
    notice, card = ben.replies
    assert notice.notice and "already handled by U0ANKE" in notice.text and card.edit
    await anke.send(anke.incoming(action=f"lead:close:{ref}"))
    await anke.send(anke.incoming(action=f"lead:contacted:{ref}"))
    assert anke.replies[0].notice and (await lead(app, ref)).status == "closed"


async def test_unknown_lead_is_a_notice(app: App, talk: Any) -> None:
    anke = talk(channel="slack", user="U0ANKE")
    await anke.send(anke.incoming(action="lead:claim:IDEA-2026-9999"))
    assert anke.replies[0].notice and "IDEA-2026-9999" in anke.replies[0].text


async def test_issue_24_two_colleagues_of_one_name_are_told_apart_by_their_ids(
    app: App, talk: Any
) -> None:
    """The assignee used to be the presser's display name only: a second "Anna" could take
    over her colleague's lead, and nobody could tell who had claimed it."""
    ref = await store_lead(app)
    anna = talk(channel="slack", user="U0ANKE", locale="en")
    other_anna = talk(channel="telegram", user="4711", locale="en")
    await anna.send(replace(anna.incoming(action=f"lead:claim:{ref}"), display_name="Anna"))
    await other_anna.send(
        replace(other_anna.incoming(action=f"lead:claim:{ref}"), display_name="Anna")
    )
    notice, _ = other_anna.replies
    assert notice.notice and "already handled by Anna" in notice.text
    stored = await lead(app, ref)
    assert (stored.assignee, stored.assignee_id) == ("Anna", "slack:U0ANKE")
    await other_anna.send(other_anna.incoming(action=f"lead:contacted:{ref}"))
    assert (await lead(app, ref)).assignee_id == "slack:U0ANKE"  # moving on is no claim
