"""Block Kit shapes without a network, and the app manifest against the code."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.channels.slack import EVENTS_PATH, IDEA_SHORTCUT
from bot.channels.slack_blocks import chosen, home_view, messages
from bot.channels.slack_spec import COMMAND as SLACK_COMMAND
from bot.markdown import escape
from bot.messages import Choice, Reply

MANIFEST = Path(__file__).resolve().parents[2] / "slack-app-manifest.yaml"


def test_member_text_is_escaped_so_it_cannot_mention_or_link() -> None:
    reply = Reply("You wrote: " + escape("<!channel> <@U0002> & <http://x|y> *bold*"))
    [message] = messages(reply)
    text = message.blocks[0]["text"]["text"]
    assert "&lt;!channel&gt;" in text and "&lt;@U0002&gt;" in text and "&amp;" in text
    assert "<" not in text and "∗bold∗" in text and "*bold*" not in text  # no styling either
    assert "<" not in message.text


def test_reply_markdown_becomes_mrkdwn() -> None:
    [message] = messages(Reply("**Lead** [site](https://optonet-jena.de)\n- one"))
    assert message.blocks[0]["text"]["text"] == "*Lead* <https://optonet-jena.de|site>\n• one"


def test_buttons_carry_the_action_and_fit_slack_limits() -> None:
    choices = tuple(Choice("x" * 100 if n == 0 else f"B{n}", f"a:{n}") for n in range(30))
    [message] = messages(Reply("Pick", choices))
    actions = [block for block in message.blocks if block["type"] == "actions"]
    assert [len(block["elements"]) for block in actions] == [25, 5]
    first = actions[0]["elements"][0]
    assert first["value"] == "a:0" and len(first["text"]["text"]) == 75
    ids = [e["action_id"] for block in actions for e in block["elements"]]
    assert len(set(ids)) == 30


def test_chosen_replaces_buttons_with_what_was_chosen() -> None:
    [message] = messages(Reply("Which colour?", (Choice("Red", "f:c:o:red"),)))
    updated = chosen(message.blocks, "✓ Red <b>")
    assert [block["type"] for block in updated] == ["section", "context"]
    assert updated[1]["elements"][0]["text"] == "✓ Red &lt;b&gt;"


def test_home_puts_the_modal_button_first() -> None:
    view = home_view("Hello", [Choice("Ask", "menu:ask")], Choice("Idea", "idea"))
    [actions] = [block for block in view["blocks"] if block["type"] == "actions"]
    assert [e["action_id"] for e in actions["elements"]] == ["optobot.modal", "optobot.choice.0"]


def test_manifest_matches_the_listeners() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text())
    settings = manifest["settings"]
    assert set(settings["event_subscriptions"]["bot_events"]) == {
        "app_home_opened",
        "app_mention",
        "message.im",
        "message.channels",  # staff answers in the thread of a question card (issue 29)
        "message.groups",
    }
    assert settings["event_subscriptions"]["request_url"].endswith(EVENTS_PATH)
    assert settings["interactivity"]["request_url"].endswith(EVENTS_PATH)
    assert manifest["features"]["shortcuts"][0]["callback_id"] == IDEA_SHORTCUT
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"chat:write", "im:history", "users:read", "files:write", "commands"} <= scopes
    assert {"channels:history", "groups:history"} <= scopes
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == SLACK_COMMAND and command["url"].endswith(EVENTS_PATH)
