"""Issue 32: every text a Slack member reads names commands as Slack delivers them.

In Slack a message that begins with ``/`` is a slash command, and the app has only one,
``/optobot``: ``/idea`` would be "not a valid command". So every command a template or a
knowledge answer names must, for a Slack member, read ``/optobot <a command we take>``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from jinja2 import ChainableUndefined, nodes, pass_context
from jinja2.runtime import Context

from bot.app import App
from bot.channels.slack_spec import COMMAND as SLACK_COMMAND
from bot.settings import LANGUAGES
from bot.templates import MENTION, Templates
from tests.conversation import Conversation
from tests.handlers.test_trainings import JAPAN
from tests.test_registrations_cli import env, outbox, run, with_app

__all__ = ["env"]  # the fixture, used by name

SLACK_MENTION = re.compile(re.escape(SLACK_COMMAND) + r" ([a-z]+)")


def written_commands(templates: Templates, language: str, name: str) -> tuple[list[str], list]:
    """A template's ``/word`` mentions typed out in its text, and the ``command(...)``
    calls in it, every branch of every ``if`` included."""
    source = templates.env.loader.get_source(templates.env, f"{language}/{name}.j2")[0]  # type: ignore[union-attr]
    tree = templates.env.parse(source)
    typed = [
        found[0]
        for data in tree.find_all(nodes.TemplateData)
        for found in MENTION.finditer(data.data)
    ]
    calls = [
        call
        for call in tree.find_all(nodes.Call)
        if isinstance(call.node, nodes.Name) and call.node.name == "command"
    ]
    return typed, calls


def undelivered(
    templates: Templates, language: str, name: str, commands: frozenset[str]
) -> list[str]:
    """What a Slack member of this template would be told to type that Slack does not
    bring to us: a ``/word`` typed out, or ``command("x")`` where no handler takes ``x``."""
    typed, calls = written_commands(templates, language, name)
    problems = [f"{name}: {mention} typed out" for mention in typed]
    for call in calls:
        argument = call.args[0] if call.args else None
        if isinstance(argument, nodes.Const) and argument.value not in commands:
            problems.append(f"{name}: command({argument.value!r}) is no command")
    return problems


class StandIn(ChainableUndefined):
    """Any variable, attribute, item or call: empty, so every template renders."""

    def __call__(self, *args: object, **kwargs: object) -> StandIn:
        return self

    def __int__(self) -> int:
        return 0

    def __float__(self) -> float:
        return 0.0

    def __lt__(self, other: object) -> bool:
        return False

    __le__ = __gt__ = __ge__ = __lt__


def rendered_for_slack(templates: Templates, language: str, name: str) -> str:
    """The template rendered for a Slack member with stand-ins for every variable."""
    env = templates.env.overlay(undefined=StandIn)
    for stand_in in ("md", "datetime", "date", "time", "money", "count", "language_name"):
        env.filters[stand_in] = lambda value, *args, **kwargs: str(value)
    rewrite = templates.env.filters["commands"]

    @pass_context
    def commands(context: Context, value: object) -> str:
        return rewrite(context, str(value))

    env.filters["commands"] = commands
    template = env.get_template(f"{language}/{name}.j2")
    return template.render(lang=language, channel="slack")


def mentions_not_delivered(text: str, commands: frozenset[str]) -> list[str]:
    """``/word`` other than ``/optobot``, and ``/optobot x`` where no handler takes ``x``."""
    wrong = [found[0] for found in MENTION.finditer(text) if found[1] != "optobot"]
    wrong += [found[0] for found in SLACK_MENTION.finditer(text) if found[1] not in commands]
    return wrong


@pytest.fixture
async def commands(make_app: Callable[..., Any]) -> frozenset[str]:
    app: App = await make_app()
    assert app.services.router is not None
    return app.services.router.commands


@pytest.mark.parametrize("language", LANGUAGES)
async def test_every_template_names_only_commands_slack_delivers(
    commands: frozenset[str], language: str
) -> None:
    templates = Templates()
    problems: list[str] = []
    for name in sorted(templates.names(language)):
        if name.startswith("office/"):  # the office's web pages: paths, not chat commands
            continue
        problems += undelivered(templates, language, name, commands)
        text = rendered_for_slack(templates, language, name)
        problems += [f"{name}: {wrong}" for wrong in mentions_not_delivered(text, commands)]
    assert problems == []


async def test_the_check_finds_a_typed_command_and_a_command_we_do_not_take(
    commands: frozenset[str], tmp_path: Path
) -> None:
    for language in LANGUAGES:
        (tmp_path / language).mkdir()
        (tmp_path / language / "typed.j2").write_text("Send /idea to start.")
        (tmp_path / language / "called.j2").write_text('Send {{ command("ideas") }}.')
        (tmp_path / language / "fine.j2").write_text('Send {{ command("idea") }}.')
    templates = Templates(tmp_path)
    assert undelivered(templates, "en", "typed", commands) == ["typed: /idea typed out"]
    assert undelivered(templates, "en", "called", commands) == [
        "called: command('ideas') is no command"
    ]
    assert undelivered(templates, "en", "fine", commands) == []
    assert mentions_not_delivered(rendered_for_slack(templates, "en", "typed"), commands)
    assert mentions_not_delivered(rendered_for_slack(templates, "en", "fine"), commands) == []


def test_a_command_reads_as_the_members_channel_has_it() -> None:
    templates = Templates()
    for channel, expected in [
        ("slack", "/optobot language de|en"),
        ("telegram", "/language de|en"),
    ]:
        assert expected in templates.render("en", "help", channel=channel)
    assert "/language de|en" in templates.render("en", "help")
    assert "/optobot announcements off" in templates.render(
        "de", "trainings/announcements", channel="slack", state=True, current=True
    )


async def test_every_knowledge_answer_names_commands_as_slack_delivers_them(
    make_app: Callable[..., Any], commands: frozenset[str]
) -> None:
    """The entries are the office's text, not ours: their ``/idea`` is rewritten where the
    answer is shown (the ``commands`` filter of faq/answer and privacy/notice)."""
    app: App = await make_app()
    knowledge, templates = app.services.knowledge, app.services.templates
    assert knowledge is not None
    office = {"office": app.settings.office}
    seen = 0
    for entry in knowledge.entries.values():
        for language in LANGUAGES:
            text = entry.text(language)
            answer = templates.render_string(language, text.answer, office)
            for channel in ("slack", "telegram", "console"):
                shown = templates.render(
                    language, "faq/answer", channel=channel, title=text.title, answer=answer
                )
                if channel == "slack":
                    assert mentions_not_delivered(shown, commands) == [], entry.id
                    seen += len(SLACK_MENTION.findall(shown))
                else:
                    assert SLACK_COMMAND not in shown
                    assert len(MENTION.findall(shown)) == len(MENTION.findall(answer))
    assert seen > 0


def test_the_commands_filter_leaves_addresses_and_words_alone() -> None:
    templates = Templates()
    source = (
        "Mit /idea oder **/trainings**, siehe https://optonet-jena.de/idea und/oder 24/7, (/help)."
    )
    shown = templates.render_string(
        "de", "{{ text | commands }}", {"text": source, "channel": "slack"}
    )
    assert shown == (
        "Mit /optobot idea oder **/optobot trainings**, siehe https://optonet-jena.de/idea "
        "und/oder 24/7, (/optobot help)."
    )
    plain = templates.render_string(
        "de", "{{ text | commands }}", {"text": source, "channel": "telegram"}
    )
    assert plain == source


def test_a_notice_from_the_outbox_names_the_command_as_the_members_channel_has_it(
    env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Texts sent on our own initiative (an announcement) are rendered for the member's
    chat too: a Slack member is told ``/optobot announcements off``."""
    run(capsys, "sync")

    async def work(app: Any) -> None:
        for channel, user in (("slack", "U0SLACK"), ("console", "console-1")):
            talk = Conversation(app.assistant, channel=channel, user=user, locale="en")
            await talk.say("/announcements on")

    with_app(env, work)
    assert run(capsys, "announce", JAPAN)[0] == 0
    texts = {
        row.payload["user_id"]: row.payload["replies"][0]["text"]
        for row in outbox(env, "training_announcement")
    }
    assert "/optobot announcements off" in texts["U0SLACK"]
    assert "/announcements off" in texts["console-1"] and "optobot" not in texts["console-1"]
