"""The idea form as a Slack modal, and the App Home tab.

The form here is a stand-in declared like the ideas form (choice, multichoice, e-mail,
optional phone, consent), so the modal is tested on every kind of step it must draw.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from bot.channels.slack_blocks import MODAL_CALLBACK
from bot.forms import Form
from bot.messages import Reply
from bot.turn import Turn
from tests.channels.slack_support import DM, MEMBER, Workspace, fixture, submission, workspace
from tests.demo_form import STEPS

SUBMITTED: list[dict[str, Any]] = []


async def _confirm(turn: Turn, data: dict[str, Any]) -> list[Reply]:
    SUBMITTED.append(data)
    return [Reply(f"Thanks, {data['name']}: idea received.")]


IDEA = Form(
    name="idea",
    template="forms/demo",
    steps=STEPS,
    on_confirm=_confirm,
)


@pytest.fixture
async def slack(make_app: Callable[..., Any]) -> AsyncIterator[Workspace]:
    SUBMITTED.clear()
    async with workspace(make_app) as ws:
        assert ws.app.services.forms is not None
        ws.app.services.forms.register(IDEA)
        yield ws


def text(value: str) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": value}


def ticked(*values: str) -> dict[str, Any]:
    return {"type": "checkboxes", "selected_options": [{"value": v} for v in values]}


async def open_modal(slack: Workspace) -> dict[str, Any]:
    response = await slack.interact(fixture("shortcut"))
    assert response.status == 200
    [opened] = await slack.fake.wait_for("views.open")
    await slack.channel.idle()
    assert opened.params["trigger_id"] == fixture("shortcut")["trigger_id"]
    return opened.params["view"]


async def test_shortcut_opens_the_form_as_a_modal(slack: Workspace) -> None:
    view = await open_modal(slack)
    assert view["type"] == "modal" and view["callback_id"] == MODAL_CALLBACK
    assert view["title"]["text"] == "Project idea"
    inputs = {block["block_id"]: block for block in view["blocks"] if block["type"] == "input"}
    assert list(inputs) == ["name", "color", "regions", "email", "phone", "consent"]
    assert inputs["name"]["label"]["text"] == "Name"
    assert inputs["name"]["hint"]["text"] == "So we know how to address you."
    assert inputs["name"]["element"]["max_length"] == 40
    assert inputs["color"]["element"]["type"] == "static_select"
    assert [o["text"]["text"] for o in inputs["color"]["element"]["options"]] == ["Red", "Blue"]
    assert inputs["regions"]["element"]["type"] == "checkboxes"
    assert inputs["phone"]["optional"] and not inputs["email"]["optional"]
    assert inputs["consent"]["element"]["options"][0]["value"] == "yes"
    sections = [b["text"]["text"] for b in view["blocks"] if b["type"] == "section"]
    assert "A small test form." in sections and "Do you agree?" in sections


async def test_modal_shows_problems_then_accepts_the_corrected_form(slack: Workspace) -> None:
    view = await open_modal(slack)
    wrong = {
        "name": text("A"),
        "color": {"type": "static_select", "selected_option": {"value": "red"}},
        "regions": ticked("jp", "kr"),
        "email": text("not-an-address"),
        "phone": text(""),
        "consent": ticked(),
    }
    response = await slack.interact(submission(view, wrong))
    assert response.status == 200
    answer = await response.json()
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"name", "email", "consent"}
    assert "at least 2 characters" in answer["errors"]["name"]
    assert "e-mail address" in answer["errors"]["email"]
    assert "**" not in " ".join(answer["errors"].values())
    assert SUBMITTED == []

    right = {**wrong, "name": text("Anke Meier"), "email": text("Anke@Example.org")}
    right["consent"] = ticked("yes")
    response = await slack.interact(submission(view, right))
    assert response.status == 200 and await response.text() == ""
    [thanks] = await slack.fake.wait_for("chat.postMessage")
    await slack.channel.idle()
    assert thanks.params["channel"] == DM and "idea received" in thanks.params["text"]
    [data] = SUBMITTED
    assert data["name"] == "Anke Meier" and data["color"] == "red"
    assert data["regions"] == ["jp", "kr"] and data["email"] == "anke@example.org"
    assert data["phone"] is None and data["consent"] is True and "consent_at" in data


async def test_modal_submission_leaves_a_running_chat_dialogue_alone(slack: Workspace) -> None:
    view = await open_modal(slack)
    values = {
        "name": text("Anke Meier"),
        "color": {"type": "static_select", "selected_option": {"value": "blue"}},
        "regions": ticked("kr"),
        "email": text("anke@example.org"),
        "consent": ticked("yes"),
    }
    await slack.interact(submission(view, values))
    await slack.fake.wait_for("chat.postMessage")
    await slack.channel.idle()
    [reply] = await slack.dm("/cancel")
    assert "no running dialogue" in reply.params["text"]
    assert len(SUBMITTED) == 1


async def test_app_home_shows_lists_and_buttons(slack: Workspace) -> None:
    response = await slack.event(fixture("event_app_home_opened")["event"])
    assert response.status == 200
    [published] = await slack.fake.wait_for("views.publish")
    await slack.channel.idle()
    view = published.params["view"]
    assert published.params["user_id"] == MEMBER and view["type"] == "home"
    texts = " ".join(b["text"]["text"] for b in view["blocks"] if b["type"] == "section")
    assert "not registered for any training" in texts and "no open project ideas" in texts
    labels = [
        e["text"]["text"] for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert labels[0] == "💡 Submit a project idea" and "❓ Ask a question" in labels


async def test_home_button_opens_the_modal_and_menu_buttons_answer_in_the_dm(
    slack: Workspace,
) -> None:
    await slack.event(fixture("event_app_home_opened")["event"])
    await slack.fake.wait_for("views.publish")
    await slack.channel.idle()
    await slack.press_home("Submit a project idea")
    [opened] = await slack.fake.wait_for("views.open")
    assert opened.params["view"]["callback_id"] == MODAL_CALLBACK
    await slack.press_home("Ask a question")
    [answer] = await slack.fake.wait_for("chat.postMessage")
    await slack.channel.idle()
    assert answer.params["channel"] == DM and "type your question" in answer.params["text"]
    assert slack.fake.called("conversations.open")[0].params["users"] == MEMBER
    assert slack.fake.called("chat.update") == []
