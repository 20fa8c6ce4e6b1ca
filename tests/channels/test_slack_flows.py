"""Whole member and staff stories in Slack, with the real capabilities behind the channel:
a project idea in the DM and as a modal, the lead in the staff channel, a training seat
with its calendar file."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from sqlalchemy import select

from bot.channels.slack_send import make_sender
from bot.delivery.worker import DeliveryWorker
from bot.storage import Lead
from tests.channels.slack_support import (
    DM,
    MEMBER,
    STAFF,
    STAFF_CHANNEL,
    Workspace,
    fixture,
    submission,
    workspace,
)
from tests.conftest import drop_connections
from tests.trainings_catalogue import sync_catalogue

JAPAN = "japan-business-2027-01"
IDEA_ANSWERS: list[str] = [
    "Ultrashort-pulse laser for glass drilling",
    "f:field:pick:laser",
    "f:regions:tick:japan",
    "f:regions:done",
    "f:partner:pick:research",
    "We drill micro holes in glass with ultrashort pulses and need a partner.",
    "f:stage:pick:prototype",
    "f:funding:pick:funding-zim",
    "f:timeline:pick:next_year",
    "Photon GmbH",
    "Anna Schmidt",
    "anna@photon.example",
    "f:phone:skip",
    "f:consent:pick:yes",
]


@pytest.fixture
async def slack(make_app: Callable[..., Any]) -> AsyncIterator[Workspace]:
    async with workspace(make_app, rate_limit_per_minute=1000) as ws:
        yield ws


async def step(slack: Workspace, answer: str) -> list[Any]:
    if answer.startswith(("f:", "tr:")):
        return await slack.choose(answer)
    return await slack.dm(answer)


async def deliver(slack: Workspace) -> int:
    """One pass of the outbox worker, sending through a Slack sender of its own."""
    sender = make_sender(slack.app.settings)
    worker = DeliveryWorker(
        slack.app.database, slack.app.settings, {"slack": sender}, clock=slack.app.services.clock
    )
    return await worker.deliver_due()


async def leads(slack: Workspace) -> list[Lead]:
    async with slack.app.database.transaction() as session:
        return list((await session.execute(select(Lead))).scalars())


def text_of(call: Any) -> str:
    return str(call.params.get("text", ""))


async def test_idea_in_the_dm_reaches_the_staff_channel_and_staff_claims_it(
    slack: Workspace,
) -> None:
    await slack.dm("/idea")
    for answer in IDEA_ANSWERS:
        await step(slack, answer)
    [summary] = slack.fake.called("chat.postMessage")[-1:]
    assert "Ultrashort-pulse laser" in text_of(summary) and "Japan" in text_of(summary)
    [submitted] = await slack.choose("f:_sum:ok")
    assert "IDEA-2026-0001" in text_of(submitted)

    assert await deliver(slack) == 1
    card = slack.fake.called("chat.postMessage")[-1]
    assert card.params["channel"] == STAFF_CHANNEL and "IDEA-2026-0001" in text_of(card)
    values = [
        e["value"] for b in card.params["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert values == [f"lead:{verb}:IDEA-2026-0001" for verb in ("claim", "contacted", "close")]

    await slack.press("lead:claim:IDEA-2026-0001", user=MEMBER)
    [refusal] = await slack.fake.wait_for("chat.postEphemeral")
    await slack.channel.idle()
    assert refusal.params["user"] == MEMBER and refusal.params["channel"] == STAFF_CHANNEL
    assert not [c for c in slack.fake.called("chat.update") if c.params["channel"] == STAFF_CHANNEL]

    updates = len(slack.fake.called("chat.update"))
    await slack.press("lead:claim:IDEA-2026-0001", user=STAFF)
    await slack.fake.wait_for("chat.update", updates + 1)
    await slack.channel.idle()
    claimed = slack.fake.called("chat.update")[-1]
    assert claimed.params["channel"] == STAFF_CHANNEL
    [lead] = await leads(slack)
    assert lead.status == "claimed" and lead.assignee == "User U0STAFF"
    assert "lead:claim:IDEA-2026-0001" not in str(claimed.params["blocks"])

    posted = len(slack.fake.called("chat.postMessage"))
    assert await deliver(slack) == 1
    [told] = slack.fake.called("chat.postMessage")[posted:]
    assert told.params["channel"] == DM and "IDEA-2026-0001" in text_of(told)


def chosen(value: str) -> dict[str, Any]:
    return {"type": "static_select", "selected_option": {"value": value}}


def typed(value: str) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": value}


async def test_idea_modal_from_the_shortcut_makes_the_same_lead(slack: Workspace) -> None:
    await slack.interact(fixture("shortcut"))
    [opened] = await slack.fake.wait_for("views.open")
    await slack.channel.idle()
    view = opened.params["view"]
    inputs = [block["block_id"] for block in view["blocks"] if block["type"] == "input"]
    assert inputs[:3] == ["title", "field", "regions"] and inputs[-1] == "consent"
    values = {
        "title": typed("Hi"),
        "field": chosen("laser"),
        "regions": {"type": "checkboxes", "selected_options": [{"value": "japan"}]},
        "partner": chosen("research"),
        "description": typed("Micro holes in glass with ultrashort pulses, partner wanted."),
        "stage": chosen("prototype"),
        "funding": chosen("funding-zim"),
        "timeline": chosen("next_year"),
        "organisation": typed("Photon GmbH"),
        "contact_name": typed("Anna Schmidt"),
        "email": typed("anna@photon"),
        "phone": typed(""),
        "consent": {"type": "checkboxes", "selected_options": [{"value": "yes"}]},
    }
    response = await slack.interact(submission(view, values))
    errors = (await response.json())["errors"]
    assert set(errors) == {"title", "email"}
    assert await leads(slack) == []

    values.update(title=typed("Glass drilling with ultrashort pulses"))
    values.update(email=typed("anna@photon.example"))
    response = await slack.interact(submission(view, values))
    assert response.status == 200 and await response.text() == ""
    [submitted] = await slack.fake.wait_for("chat.postMessage")
    await slack.channel.idle()
    assert submitted.params["channel"] == DM and "IDEA-2026-0001" in text_of(submitted)
    [lead] = await leads(slack)
    assert lead.channel == "slack" and lead.fields["regions"] == ["japan"]
    assert lead.fields["email"] == "anna@photon.example" and lead.consent_at is not None


async def test_training_registration_uploads_the_calendar_file_to_the_dm(
    slack: Workspace,
) -> None:
    await sync_catalogue(slack.app)
    await slack.dm("/trainings japan")
    await slack.choose(f"tr:show:{JAPAN}")
    await slack.choose(f"tr:reg:{JAPAN}")
    for answer in ("Erika Muster", "Lasertec Jena GmbH", "erika@lasertec.example"):
        await slack.dm(answer)
    await slack.choose("f:member:pick:yes")
    await slack.choose("f:consent:pick:yes")
    await slack.choose("f:_sum:ok")
    [complete] = await slack.fake.wait_for("files.completeUploadExternal")
    await slack.channel.idle()
    assert complete.params["channel_id"] == DM
    [upload] = slack.fake.called("files.getUploadURLExternal")
    assert upload.params["filename"].endswith(".ics")
    assert slack.fake.uploads["F0001"].startswith(b"BEGIN:VCALENDAR")


async def test_home_lists_the_members_trainings_and_open_ideas(slack: Workspace) -> None:
    await sync_catalogue(slack.app)
    await slack.dm("/idea")
    for answer in IDEA_ANSWERS:
        await step(slack, answer)
    await slack.choose("f:_sum:ok")
    await slack.dm("/trainings japan")
    await slack.choose(f"tr:show:{JAPAN}")
    await slack.choose(f"tr:reg:{JAPAN}")
    for answer in ("Erika Muster", "Lasertec Jena GmbH", "erika@lasertec.example"):
        await slack.dm(answer)
    for answer in ("f:member:pick:yes", "f:consent:pick:yes", "f:_sum:ok"):
        await slack.choose(answer)
    await slack.event(fixture("event_app_home_opened")["event"])
    [published] = await slack.fake.wait_for("views.publish")
    await slack.channel.idle()
    texts = " ".join(
        b["text"]["text"] for b in published.params["view"]["blocks"] if b["type"] == "section"
    )
    assert "Business culture Japan" in texts and "12 January 2027" in texts
    assert "IDEA-2026-0001" in texts and "Ultrashort-pulse laser" in texts
    blocks = published.params["view"]["blocks"]
    values = [e["value"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert values[0] == "idea" and {"menu:ask", "tr:list", "tr:mine"} <= set(values)
    labels = [e["text"]["text"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
    # one idea button, the modal's; the chat dialogue's menu entry would be a second one
    assert "idea:start" not in values and sum("idea" in label for label in labels) == 1
    before = len(slack.fake.called("chat.postMessage"))
    await slack.press_home("tr:mine")
    [mine] = await slack.posted(before)
    assert mine.params["channel"] == DM and "Business culture Japan" in text_of(mine)


async def test_the_home_tab_survives_the_database_dropping_its_connections(
    make_app: Callable[..., Any], database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("an SQLite file has no server connection to lose")
    async with workspace(make_app, database_url=database_url) as slack:
        await slack.dm("/start")  # the pool holds a connection now
        assert await drop_connections(database_url) >= 1
        with caplog.at_level(logging.WARNING):
            await slack.event(fixture("event_app_home_opened")["event"])
            [published] = await slack.fake.wait_for("views.publish")
            await slack.channel.idle()
    assert published.params["user_id"] == MEMBER
    assert any("connection lost" in record.getMessage() for record in caplog.records)
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


async def test_faq_answer_in_the_dm_with_feedback_buttons(slack: Workspace) -> None:
    [answer] = await slack.dm("What is ZIM?")
    assert answer.params["channel"] == DM
    assert "ZIM – international cooperation projects" in text_of(answer)
    values = [
        e["value"] for b in answer.params["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    up = next(value for value in values if value.startswith("fb:") and value.endswith(":up"))
    assert any(value.startswith("fb:") and value.endswith(":down") for value in values)
    await slack.press(up)
    [thanks] = await slack.fake.wait_for("chat.postEphemeral")
    await slack.channel.idle()
    assert thanks.params["user"] == MEMBER and thanks.params["channel"] == DM


async def test_25_an_off_topic_question_gets_the_menu_not_a_forward_offer(
    slack: Workspace,
) -> None:
    """Issue #25: the same off_topic decision as the console and Telegram."""
    [reply] = await slack.dm("what is the capital of France")
    await slack.channel.idle()
    assert "I help with funding, IP, trainings and cooperations of OptoNet" in text_of(reply)
    values = [
        e["value"] for b in reply.params["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert "menu:ask" in values and not any(v.startswith("fwd:") for v in values)
