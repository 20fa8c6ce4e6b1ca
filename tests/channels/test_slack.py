"""The Slack channel end to end: signed requests into the real Bolt app, replies at the fake."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.channels.slack_send import make_sender
from bot.messages import Attachment, Choice, Reply
from bot.storage import ProcessedEvent
from bot.turn import Turn
from tests.channels.slack_support import (
    DM,
    MEMBER,
    STAFF,
    STAFF_CHANNEL,
    Workspace,
    block_actions,
    fixture,
    slack_settings,
    workspace,
)
from tests.fakes.slack_api import FakeSlack

FORM = "application/x-www-form-urlencoded"


@pytest.fixture
async def slack(make_app: Callable[..., Any]) -> AsyncIterator[Workspace]:
    async with workspace(make_app) as ws:
        yield ws


def buttons(call: Any) -> list[tuple[str, str]]:
    return [
        (element["text"]["text"], element["value"])
        for block in call.params.get("blocks", [])
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def shown(call: Any) -> str:
    return "\n".join(
        block["text"]["text"]
        for block in call.params.get("blocks", [])
        if block["type"] == "section"
    )


async def processed(ws: Workspace) -> int:
    async with ws.app.database.transaction() as session:
        return (
            await session.execute(select(func.count()).select_from(ProcessedEvent))
        ).scalar_one()


# signing and the envelope --------------------------------------------------------------


async def test_url_verification_answers_the_challenge(slack: Workspace) -> None:
    response = await slack.post(json.dumps(fixture("url_verification")))
    assert response.status == 200
    assert (await response.json())["challenge"] == "challenge-test-0001"


async def test_wrong_signature_is_refused_and_nothing_processed(slack: Workspace) -> None:
    body = json.dumps({**fixture("event_message_im"), "event_id": "EvForged"})
    response = await slack.post(body, secret="not-the-secret")
    assert response.status == 401
    url_check = await slack.post(json.dumps(fixture("url_verification")), secret="wrong")
    assert url_check.status == 401
    await slack.channel.idle()
    assert slack.fake.calls == [] and await processed(slack) == 0


async def test_stale_timestamp_is_refused(slack: Workspace) -> None:
    body = json.dumps(fixture("event_message_im"))
    response = await slack.post(body, timestamp=int(time.time()) - 6 * 60)
    assert response.status == 401
    await slack.channel.idle()
    assert slack.fake.calls == [] and await processed(slack) == 0


async def test_an_unsigned_deeply_nested_body_is_refused_before_it_is_parsed(
    slack: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 24, item 10: Bolt parsed the body before checking it, a 500 with a
    RecursionError traceback."""
    deep = "[" * 200_000 + "]" * 200_000
    with caplog.at_level(logging.INFO):
        response = await slack.post(deep, secret="not-the-secret")
        form = await slack.post("payload=" + deep, content_type=FORM, secret="wrong")
    assert (response.status, form.status) == (401, 401)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


async def test_bad_signatures_log_one_warning_a_minute(
    slack: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    body = json.dumps(fixture("event_message_im"))
    with caplog.at_level(logging.WARNING):
        for _ in range(10):
            assert (await slack.post(body, secret="wrong")).status == 401
        no_signature = await slack.http.post("/slack/events", data=body.encode())
    assert no_signature.status == 401
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == ["Slack request without a valid signature from 127.0.0.1"]


# direct messages -----------------------------------------------------------------------


async def test_dm_is_answered_with_blocks_and_buttons(slack: Workspace) -> None:
    [reply] = await slack.dm("/start")
    assert reply.params["channel"] == DM
    assert "optobot" in shown(reply) and "OptoNet" in reply.params["text"]
    labels = [label for label, _ in buttons(reply)]
    assert any("Ask a question" in label for label in labels)
    [info] = slack.fake.called("users.info")
    assert info.params["user"] == MEMBER and info.params["include_locale"] in ("1", "true")


@pytest.mark.parametrize("level", [logging.INFO, logging.DEBUG])
async def test_slack_libraries_log_their_detail_only_when_the_log_is_at_debug(
    make_app: Callable[..., Any], caplog: pytest.LogCaptureFixture, level: int
) -> None:
    """slack_sdk and Bolt read ``logger.level`` itself: their loggers must carry the log's
    level, or they build every debug message (each API response in full) to drop it."""
    with caplog.at_level(level):
        async with workspace(make_app) as ws:
            await ws.dm("hello")
    assert ws.channel.client.logger.level == level
    detail = [
        record
        for record in caplog.records
        if record.name.startswith("bot.channels.slack.") and record.levelno == logging.DEBUG
    ]
    assert bool(detail) == (level == logging.DEBUG)


async def test_slack_locale_picks_the_language(slack: Workspace) -> None:
    slack.fake.locales[MEMBER] = "de-DE"
    [reply] = await slack.dm("/start")
    assert "Willkommen" in shown(reply)


async def test_profile_is_looked_up_once_for_several_messages(slack: Workspace) -> None:
    await slack.dm("/start")
    await slack.dm("/help")
    assert len(slack.fake.called("users.info")) == 1


async def test_retried_event_is_answered_once(slack: Workspace) -> None:
    event = slack.message_event("/start")
    first = await slack.event(event, event_id="EvRetry1")
    second = await slack.event(event, event_id="EvRetry1", retry=1)
    assert first.status == second.status == 200
    await slack.fake.wait_for("chat.postMessage")
    await slack.channel.idle()
    assert len(slack.fake.called("chat.postMessage")) == 1
    assert await processed(slack) == 1


async def test_bots_edits_and_own_messages_are_ignored(slack: Workspace) -> None:
    other_bot = fixture("event_bot_message")["event"]
    edited = fixture("event_message_changed")["event"]
    own = {**slack.message_event("I am the bot"), "user": "U0BOT", "bot_id": "B0001"}
    app_bot = {**slack.message_event("a modern app bot"), "user": "U0OTHER", "bot_id": "B0002"}
    dm_edit = {**edited, "channel": DM, "channel_type": "im"}
    for event in (other_bot, edited, own, app_bot, dm_edit):
        response = await slack.event(event)
        assert response.status == 200
    [reply] = await slack.dm("/help")
    assert reply.params["channel"] == DM
    assert await processed(slack) == 1


async def test_member_text_cannot_mention_anyone(slack: Workspace) -> None:
    [reply] = await slack.dm("/<!channel>")
    assert "<!channel>" not in json.dumps(reply.params)


async def test_mention_is_answered_in_the_thread_without_the_mention(slack: Workspace) -> None:
    event = fixture("event_app_mention")["event"]
    event["text"] = "<@U0BOT> /help"
    before = len(slack.fake.called("chat.postMessage"))
    await slack.event(event)
    [reply] = await slack.posted(before)
    assert reply.params["channel"] == "C0001"
    assert reply.params["thread_ts"] == "1735689650.000150"
    assert "/optobot language" in shown(reply)


async def test_mention_outside_a_thread_starts_one(slack: Workspace) -> None:
    event = fixture("event_app_mention")["event"]
    del event["thread_ts"]
    event["text"] = "<@U0BOT|optobot> /help"
    before = len(slack.fake.called("chat.postMessage"))
    await slack.event(event)
    [reply] = await slack.posted(before)
    assert reply.params["thread_ts"] == event["ts"]


# buttons -------------------------------------------------------------------------------


async def test_pressed_button_message_loses_its_buttons_and_the_answer_follows(
    slack: Workspace,
) -> None:
    await slack.dm("/start")
    before = len(slack.fake.called("chat.postMessage"))
    response = await slack.press("Deutsch")
    assert response.status == 200
    [answer] = await slack.posted(before)
    assert "Deutsch" in shown(answer)
    [update] = slack.fake.called("chat.update")
    assert update.params["channel"] == DM
    kinds = [block["type"] for block in update.params["blocks"]]
    assert "actions" not in kinds and kinds[-1] == "context"
    assert "✓ 🌐 Deutsch" in update.params["blocks"][-1]["elements"][0]["text"]


async def test_a_press_delivered_twice_is_answered_once(slack: Workspace) -> None:
    call = (await slack.dm("/start"))[0]
    before = len(slack.fake.called("chat.postMessage"))
    payload_call, element = slack.button("Deutsch")
    payload = block_actions(MEMBER, DM, "1700000099.000001", element, payload_call.params)
    await slack.interact(payload)
    await slack.interact(payload)
    await slack.posted(before)
    assert len(slack.fake.called("chat.postMessage")) == before + 1
    assert call is payload_call


class CardHandler:
    """Stands in for a capability that edits a staff card and refuses non-staff."""

    def check(self, turn: Turn) -> bool:
        return (turn.incoming.action or "").startswith("card:") or turn.text == "card"

    async def handle(self, turn: Turn) -> list[Reply]:
        if turn.text == "card":
            return [Reply("**Lead** IDEA-1", (Choice("Claim", "card:claim"),))]
        if not turn.is_staff:
            return [Reply("Only the office can do that.", notice=True)]
        return [Reply("**Lead** IDEA-1 – claimed", (Choice("Close", "card:close"),), edit=True)]


def with_card(ws: Workspace) -> Workspace:
    router = ws.app.assistant.router
    router.handlers = (CardHandler(), *router.handlers)
    return ws


async def test_edit_reply_replaces_the_pressed_message(slack: Workspace) -> None:
    with_card(slack)
    await slack.dm("card", user=STAFF, channel=STAFF_CHANNEL)
    await slack.press("Claim", user=STAFF)
    [update] = await slack.fake.wait_for("chat.update")
    await slack.channel.idle()
    assert update.params["channel"] == STAFF_CHANNEL
    assert "claimed" in shown(update) and buttons(update) == [("Close", "card:close")]
    assert len(slack.fake.called("chat.postMessage")) == 1


async def test_notice_is_ephemeral_and_leaves_the_message_alone(slack: Workspace) -> None:
    with_card(slack)
    await slack.dm("card", user=STAFF, channel=STAFF_CHANNEL)
    await slack.press("Claim", user=MEMBER)
    [notice] = await slack.fake.wait_for("chat.postEphemeral")
    await slack.channel.idle()
    assert notice.params["user"] == MEMBER and notice.params["channel"] == STAFF_CHANNEL
    assert "Only the office" in notice.params["text"]
    assert slack.fake.called("chat.update") == []


# sending without an event (the outbox) -------------------------------------------------


async def test_sender_posts_to_a_channel_and_returns_references(
    make_settings: Callable[..., Any],
) -> None:
    async with FakeSlack() as fake:
        sender = make_sender(make_settings(**slack_settings(fake)))
        refs = await sender.send(STAFF_CHANNEL, [Reply("New lead", (Choice("Claim", "x:1"),))])
        [call] = fake.called("chat.postMessage")
        assert refs == [f"{STAFF_CHANNEL}:1700000000.000001"]
        assert call.params["channel"] == STAFF_CHANNEL and buttons(call) == [("Claim", "x:1")]
        await sender.replace_sent(STAFF_CHANNEL, refs, Reply("Claimed"))
        [update] = fake.called("chat.update")
        assert update.params["ts"] == "1700000000.000001" and buttons(update) == []


async def test_sender_opens_the_dm_of_a_user_and_uploads_files_there(
    make_settings: Callable[..., Any],
) -> None:
    async with FakeSlack() as fake:
        sender = make_sender(make_settings(**slack_settings(fake)))
        ics = Attachment("training.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")
        await sender.send(MEMBER, [Reply("Your seat is booked.", attachment=ics)])
        assert fake.called("conversations.open")[0].params["users"] == MEMBER
        assert fake.called("chat.postMessage")[0].params["channel"] == DM
        [complete] = fake.called("files.completeUploadExternal")
        assert complete.params["channel_id"] == DM
        assert fake.uploads["F0001"] == ics.content


async def test_long_reply_is_split_into_sections_that_fit(slack: Workspace) -> None:
    sender = slack.channel.sender
    text = "\n\n".join(f"Paragraph {n} " + "word " * 150 for n in range(12))
    await sender.post(DM, [Reply(text, (Choice("OK", "menu:start"),))])
    calls = slack.fake.called("chat.postMessage")
    sections = [b for call in calls for b in call.params["blocks"] if b["type"] == "section"]
    assert all(len(block["text"]["text"]) <= 3000 for block in sections)
    assert len(sections) > 2 and all(len(call.params["blocks"]) <= 50 for call in calls)
    assert "Paragraph 11" in shown(calls[-1]) and buttons(calls[-1]) == [("OK", "menu:start")]
    assert all(buttons(call) == [] for call in calls[:-1])


async def test_issue_24_presses_are_counted_on_their_own_budget(make_app: Any) -> None:
    """Block actions are signed by Slack but their value is whatever a client sent."""
    async with workspace(make_app, rate_limit_per_minute=2, rate_limit_presses_per_minute=3) as ws:
        await ws.dm("/start")
        call, _ = ws.button("menu:ask")
        for _ in range(6):
            await ws.press("menu:ask", call=call)
            await ws.channel.idle()
        posted = [shown(c) for c in ws.fake.called("chat.postMessage")]
        asked = [text for text in posted if "Just type your question" in text]
        toasts = [c.params["text"] for c in ws.fake.called("chat.postEphemeral")]
        assert len(asked) == 3
        assert len(toasts) == 1 and "writing very fast" in toasts[0]
        assert len(await ws.dm("/help")) == 1  # messages keep their own budget
