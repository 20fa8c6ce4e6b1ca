"""Issue 32: ``/optobot <command>``, the one slash command Slack delivers to the app.

Signed, form-encoded requests as Slack posts them, into the real Bolt app; the answers at
the fake Web API (chat.postMessage) or at the command's response_url (ephemeral).
"""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from bot.channels import slack_blocks as blocks
from tests.channels.slack_support import DM, Workspace, fixture, workspace
from tests.conversation import Conversation
from tests.fakes.server import Call

CHANNEL = "C0001"


@pytest.fixture
async def slack(make_app: Callable[..., Any]) -> AsyncIterator[Workspace]:
    async with workspace(make_app) as ws:
        yield ws


def posted_texts(calls: list[Call]) -> list[str]:
    return [call.params["text"] for call in calls]


def drawn(replies: list[Any]) -> list[str]:
    """The texts the Slack channel posts for these replies."""
    return [message.text for reply in replies for message in blocks.messages(reply)]


def buttons(call: Call) -> list[str]:
    return [
        element["value"]
        for block in call.params.get("blocks", [])
        if block["type"] == "actions"
        for element in block["elements"]
    ]


async def answered(ws: Workspace, text: str, *, channel: str = DM) -> list[Call]:
    before = len(ws.fake.called("chat.postMessage"))
    response = await ws.command(text, channel=channel)
    assert response.status == 200 and await response.text() == ""
    return await ws.posted(before)


async def responded(ws: Workspace, text: str, *, channel: str = CHANNEL) -> list[Call]:
    """``/optobot <text>`` outside the DM: what came to its response_url."""
    before = len(ws.fake.called("response_url"))
    response = await ws.command(text, channel=channel)
    assert response.status == 200 and await response.text() == ""
    await ws.fake.wait_for("response_url", before + 1)
    await ws.channel.idle()
    return ws.fake.called("response_url")[before:]


MEMBER_COMMANDS = [
    "",
    "start",
    "help",
    "hilfe",
    "idea",
    "idee",
    "trainings",
    "schulungen",
    "trainings japan",
    "mytrainings",
    "meinetrainings",
    "announcements",
    "announcements off",
    "language",
    "language de",
    "sprache en",
    "privacy",
    "datenschutz",
    "mydata",
    "forget",
    "cancel",
    "abbrechen",
]


@pytest.mark.parametrize("typed", MEMBER_COMMANDS)
async def test_each_member_command_is_answered_in_the_dm_as_the_typed_command(
    slack: Workspace, typed: str
) -> None:
    """``/optobot idea`` gives exactly what ``/idea`` gives a Slack member elsewhere (the
    same Incoming command, the same handler); ``/optobot`` alone is the menu."""
    replies = await answered(slack, typed)
    twin = Conversation(slack.app.assistant, channel="slack", user="U0TWIN", locale="en-US")
    expected = await twin.say("/" + (typed or "start"))
    assert posted_texts(replies) == drawn(expected)
    # an action's own part after its third field (a confirmation's nonce) is the member's
    shown = [action.split(":")[:3] for action in buttons(replies[-1])]
    assert shown == [c.action.split(":")[:3] for c in expected[-1].choices]
    assert all(call.params["channel"] == DM for call in replies)
    unknown = drawn(await twin.say("/nosuchcommand"))[0].split("/")[0]
    assert not any(text.startswith(unknown) for text in posted_texts(replies))


async def test_the_command_is_acknowledged_before_the_work_is_done(slack: Workspace) -> None:
    """Slack's three seconds: the empty 200 comes while the answer is still being made
    (here held at the fake for as long as the test likes)."""
    held = slack.fake.hold("users.info")
    response = await slack.command("help")
    assert response.status == 200 and await response.text() == ""
    assert slack.fake.called("chat.postMessage") == []
    held.set()
    [reply] = await slack.posted(0)
    assert "/optobot language" in reply.params["text"]


async def test_mydata_through_the_command_uploads_the_export_to_the_dm(slack: Workspace) -> None:
    await answered(slack, "mydata")
    [upload] = await slack.fake.wait_for("files.completeUploadExternal")
    assert upload.params["channel_id"] == DM


async def test_the_command_in_a_channel_answers_the_member_alone(slack: Workspace) -> None:
    [answer] = await responded(slack, "help")
    assert answer.params["response_type"] == "ephemeral"
    assert "/optobot language" in answer.params["text"]
    assert slack.fake.called("chat.postMessage") == []
    assert slack.fake.called("chat.postEphemeral") == []


async def test_an_idea_from_a_channel_moves_to_the_dm_and_goes_on_there(
    slack: Workspace,
) -> None:
    before = len(slack.fake.called("chat.postMessage"))
    [pointer] = await responded(slack, "idea")
    assert pointer.params["response_type"] == "ephemeral"
    assert "direct message" in pointer.params["text"]
    moved = slack.fake.called("chat.postMessage")[before:]
    twin = Conversation(slack.app.assistant, channel="slack", user="U0TWIN", locale="en-US")
    assert posted_texts(moved) == drawn(await twin.say("/idea"))
    assert all(call.params["channel"] == DM for call in moved)
    second = await slack.dm("Ultrashort-pulse laser for glass")
    assert posted_texts(second) == drawn(await twin.say("Ultrashort-pulse laser for glass"))


@pytest.mark.parametrize("typed", ["privacy", "mydata", "forget", "idee"])
async def test_personal_commands_from_a_channel_are_answered_in_the_dm(
    slack: Workspace, typed: str
) -> None:
    before = len(slack.fake.called("chat.postMessage"))
    [pointer] = await responded(slack, typed)
    assert "direct message" in pointer.params["text"]
    moved = slack.fake.called("chat.postMessage")[before:]
    assert moved and all(call.params["channel"] == DM for call in moved)


async def test_a_button_of_an_answer_in_a_channel_continues_in_the_dm(
    slack: Workspace,
) -> None:
    [menu] = await responded(slack, "")
    assert "idea:start" in buttons(menu)
    element = next(
        element
        for block in menu.params["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["value"] == "idea:start"
    )
    payload = copy.deepcopy(fixture("block_actions"))
    payload["container"] = {
        "type": "message",
        "message_ts": "1735689650.000150",
        "channel_id": CHANNEL,
        "is_ephemeral": True,
    }
    del payload["message"]
    payload["response_url"] = f"{slack.fake.url}/response/press-1"
    payload["actions"] = [{**element, "block_id": "b1", "action_ts": "1735689700.000001"}]
    before = len(slack.fake.called("chat.postMessage"))
    response = await slack.interact(payload)
    assert response.status == 200
    moved = await slack.posted(before)
    assert all(call.params["channel"] == DM for call in moved)
    twin = Conversation(slack.app.assistant, channel="slack", user="U0TWIN", locale="en-US")
    assert posted_texts(moved) == drawn(await twin.send(twin.incoming(action="idea:start")))
    [replaced] = [c for c in slack.fake.called("response_url") if c.params["token"] == "press-1"]
    assert replaced.params["replace_original"] is True
    assert "direct message" in replaced.params["text"] and not buttons(replaced)


async def test_a_question_as_the_commands_text_is_answered_like_a_message(
    slack: Workspace,
) -> None:
    [answer] = await answered(slack, "What is ZIM?")
    twin = Conversation(slack.app.assistant, channel="slack", user="U0TWIN", locale="en-US")
    assert [answer.params["text"]] == drawn(await twin.say("What is ZIM?"))


@pytest.mark.parametrize(
    ("typed", "command"),
    [
        ("trainings", "/trainings"),
        ("hilfe", "/hilfe"),
        ("Help", "/help"),
        ("language de", "/language de"),
        ("start", "/start"),
    ],
)
async def test_a_command_word_without_the_slash_in_the_dm_is_the_command(
    slack: Workspace, typed: str, command: str
) -> None:
    replies = await slack.dm(typed)
    twin = Conversation(slack.app.assistant, channel="slack", user="U0TWIN", locale="en-US")
    assert posted_texts(replies) == drawn(await twin.say(command))


@pytest.mark.parametrize("typed", ["help me with the ZIM application please", "Start GmbH"])
async def test_a_text_that_only_begins_with_a_command_word_stays_text(
    slack: Workspace, typed: str
) -> None:
    replies = await slack.dm(typed)
    twin = Conversation(slack.app.assistant, channel="slack", user="U0TWIN", locale="en-US")
    assert posted_texts(replies) == drawn(await twin.say(typed))
    command = Conversation(slack.app.assistant, channel="slack", user="U0CMD", locale="en-US")
    assert posted_texts(replies) != drawn(await command.say("/" + typed))


async def test_the_idea_modal_and_the_home_tab_name_the_slack_command(slack: Workspace) -> None:
    await slack.event(fixture("event_app_home_opened")["event"])
    [published] = await slack.fake.wait_for("views.publish")
    await slack.channel.idle()
    labels = [
        element["text"]["text"]
        for block in published.params["view"]["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]
    assert labels.count("💡 Submit a project idea") == 1
    await slack.press_home("Submit a project idea")
    [opened] = await slack.fake.wait_for("views.open")
    shown = json.dumps(opened.params["view"], ensure_ascii=False)
    assert "/optobot privacy" in shown and "/privacy" not in shown.replace("/optobot privacy", "")
