"""The form engine on a small form: every move a member can make, on every backend."""

from __future__ import annotations

from typing import Any

import pytest

from bot.app import App
from bot.forms import Form, Step
from bot.messages import Reply
from bot.routing import Router
from bot.turn import Turn
from tests.conversation import Conversation
from tests.demo_form import STEPS

CONFIRMED: list[dict[str, Any]] = []


async def _confirm(turn: Turn, data: dict[str, Any]) -> list[Reply]:
    CONFIRMED.append(data)
    return [Reply(f"saved {data['name']}")]


DEMO = Form(
    name="demo",
    steps=STEPS,
    on_confirm=_confirm,
)


class DemoStarter:
    """Starts the demo form on /demo; stands in for a capability's handler."""

    def check(self, turn: Turn) -> bool:
        return turn.incoming.command is not None and turn.incoming.command[0] == "demo"

    async def handle(self, turn: Turn) -> list[Reply]:
        assert turn.services.forms is not None
        return await turn.services.forms.start(turn, "demo")


def with_demo(app: App) -> App:
    assert app.services.forms is not None
    app.services.forms.register(DEMO)
    router = Router([DemoStarter(), *app.assistant.router.handlers])
    app.services.router = app.assistant.router = router
    return app


@pytest.fixture(autouse=True)
def _reset() -> None:
    CONFIRMED.clear()


async def test_full_run_with_back_skip_edit_and_confirm(db_app: App) -> None:
    chat = Conversation(with_demo(db_app).assistant, locale="en")
    await chat.say("/demo")
    assert "A small test form." in chat.text and "What is your name?" in chat.text
    assert "So we know how to address you." in chat.text
    await chat.say("A")
    assert "at least 2 characters" in chat.text
    await chat.say("Anke")
    assert "Which colour?" in chat.text
    await chat.press("Back")
    assert "What is your name?" in chat.text
    await chat.say("Anke Meier")
    await chat.press("Blue")
    assert "Which regions?" in chat.text
    await chat.press("Japan")
    assert any(c.label == "✓ Japan" for c in chat.choices)
    await chat.press("South Korea")
    await chat.press("Done")
    assert "Your e-mail?" in chat.text
    await chat.say("not-an-address")
    assert "does not look like an e-mail address" in chat.text
    await chat.say("Anke@Example.org")
    await chat.press("Skip")
    assert "Do you agree?" in chat.text
    await chat.press("No")
    assert "Without your consent" in chat.text
    await chat.press("Yes")
    assert "Please check:" in chat.text
    assert "Anke Meier" in chat.text and "Blue" in chat.text and "Japan, South Korea" in chat.text
    await chat.press("✏️ Colour")
    assert "Which colour?" in chat.text
    await chat.say("red")
    assert "Please check:" in chat.text and "Red" in chat.text
    await chat.press("Send")
    assert chat.text == "saved Anke Meier"
    [data] = CONFIRMED
    assert data["color"] == "red" and data["regions"] == ["jp", "kr"]
    assert data["email"] == "anke@example.org" and data["phone"] is None
    assert data["consent"] is True and "consent_at" in data


async def test_cancel_by_word_and_by_button(db_app: App) -> None:
    chat = Conversation(with_demo(db_app).assistant, locale="de")
    await chat.say("/demo")
    await chat.say("Anke")
    await chat.say("abbrechen")
    assert "Abgebrochen" in chat.text
    await chat.say("/demo")
    await chat.press("Abbrechen")
    assert "Abgebrochen" in chat.text
    await chat.say("/cancel")
    assert "kein Dialog" in chat.text
    assert CONFIRMED == []


async def test_resumes_after_the_assistant_is_recreated(make_app: Any, database_url: str) -> None:
    first = with_demo(await make_app(database_url=database_url))
    chat = Conversation(first.assistant, locale="en")
    await chat.say("/demo")
    await chat.say("Anke")
    await first.database.dispose()

    second = with_demo(await make_app(database_url=database_url))
    chat.assistant = second.assistant
    await chat.say("2")  # the second colour, answered by number
    assert "Which regions?" in chat.text
    await chat.say("Japan, South Korea")  # typed names tick, "done" ends
    assert {"✓ Japan", "✓ South Korea"} <= {c.label for c in chat.choices}
    await chat.say("done")
    assert "Your e-mail?" in chat.text


async def test_a_button_of_an_earlier_step_is_refused_as_stale(db_app: App) -> None:
    chat = Conversation(with_demo(db_app).assistant, locale="en")
    await chat.say("/demo")
    await chat.say("Anke")
    red = chat.choice("Red")
    await chat.press("Blue")
    japan = chat.choice("Japan")
    replies = await chat.send(chat.incoming(action=red.action))
    assert [r.notice for r in replies] == [True]
    assert "This question is closed." in chat.text
    await chat.send(chat.incoming(action=japan.action))  # the current step still works
    assert any(c.label == "✓ Japan" for c in chat.choices)


async def test_choice_text_that_fits_no_option_asks_again(db_app: App) -> None:
    chat = Conversation(with_demo(db_app).assistant, locale="en")
    await chat.say("/demo")
    await chat.say("Anke")
    await chat.say("green")
    assert "Please pick one of the options" in chat.text and "Which colour?" in chat.text


async def test_a_question_in_the_middle_is_answered_then_the_step_repeated(db_app: App) -> None:
    app = with_demo(db_app)
    assert app.services.forms is not None

    async def hook(turn: Turn) -> list[Reply] | None:
        return [Reply("ZIM funds SME projects.")] if "zim" in turn.text.lower() else None

    app.services.forms.question_hook = hook
    chat = Conversation(app.assistant, locale="en")
    await chat.say("/demo")
    await chat.say("Anke")
    await chat.say("what is ZIM?")
    assert [r.text.split("\n")[0] for r in chat.replies] == [
        "ZIM funds SME projects.",
        "**2/7** Which colour?",
    ]
    await chat.say("What is the weather?")  # no answer known: said so, the step again
    assert "no reliable answer" in chat.text and "Which colour?" in chat.text
    assert "Please pick one of the options" not in chat.text
    await chat.say("green")  # no question: the choice error
    assert "Please pick one of the options" in chat.text


async def test_an_abandoned_form_expires(db_app: App, clock: Any) -> None:
    chat = Conversation(with_demo(db_app).assistant, locale="en")
    await chat.say("/demo")
    clock.advance(days=8)
    await chat.say("/cancel")
    assert "There is no running dialogue" in chat.text


async def _keep(turn: Turn, data: dict[str, Any]) -> list[Reply]:
    CONFIRMED.append(data)
    return [Reply("ok")]


async def test_number_and_date_steps_parse_and_explain(app: App) -> None:
    chat = Conversation(with_demo(app).assistant, locale="de")
    assert app.services.forms is not None
    app.services.forms.register(
        Form(
            name="demo",
            steps=(
                Step("name", kind="number", minimum=1, maximum=20),
                Step("color", kind="date"),
            ),
            on_confirm=_keep,
        )
    )
    await chat.say("/demo")
    await chat.say("viele")
    assert "Bitte geben Sie eine Zahl ein." in chat.text
    await chat.say("25")
    assert "bis 20" in chat.text
    await chat.say("12")
    await chat.say("morgen")
    assert "15.03.2027" in chat.text  # the date format is explained
    await chat.say("15.03.2027")
    await chat.press("Absenden")
    assert CONFIRMED == [{"name": 12, "color": "2027-03-15"}]


async def test_the_intro_sees_the_data_the_form_starts_with(app: App) -> None:
    """Issue 28 item 4: a form's first version whose intro names its data started with an
    UndefinedError instead of the intro."""
    assert app.services.forms is not None
    app.services.forms.register(
        Form(
            name="greeting",
            steps=(Step("color", kind="choice", options=("red", "blue")),),
            on_confirm=_keep,
            start_data=lambda turn: {"training_title": "Japan Basics"},
        )
    )
    router = Router([GreetingStarter(), *app.assistant.router.handlers])
    app.services.router = app.assistant.router = router
    chat = Conversation(app.assistant, locale="en")
    await chat.say("/greet")
    assert [r.text.split("\n")[0] for r in chat.replies] == [
        "Booking Japan Basics for you.",
        "**1/2** Which colour?",
    ]


class GreetingStarter:
    def check(self, turn: Turn) -> bool:
        return turn.incoming.command is not None and turn.incoming.command[0] == "greet"

    async def handle(self, turn: Turn) -> list[Reply]:
        assert turn.services.forms is not None
        return await turn.services.forms.start(turn, "greeting")


async def test_buttons_of_earlier_versions_still_work(db_app: App) -> None:
    """The one-letter verbs ("o", "t", "e") are still read: their buttons are in chats."""
    chat = Conversation(with_demo(db_app).assistant, locale="en")

    async def press_old(action: str) -> None:
        await chat.send(chat.incoming(action=action))

    await chat.say("/demo")
    await chat.say("Anke Meier")
    assert "f:color:pick:blue" in [c.action for c in chat.choices]
    await press_old("f:color:o:blue")
    assert "Which regions?" in chat.text
    await press_old("f:regions:t:kr")
    assert any(c.label == "✓ South Korea" for c in chat.choices)
    await chat.press("f:regions:done")
    await chat.say("anke@example.org")
    await chat.press("f:phone:skip")
    await press_old("f:consent:o:yes")
    assert "Please check:" in chat.text and "Blue" in chat.text
    await press_old("f:_sum:e:color")
    assert "Which colour?" in chat.text
    await chat.press("f:color:pick:red")
    assert "Please check:" in chat.text
    await chat.press("f:_sum:ok")
    assert CONFIRMED[-1]["color"] == "red" and CONFIRMED[-1]["regions"] == ["kr"]


async def test_a_button_with_a_verb_no_version_knows_is_closed(db_app: App) -> None:
    chat = Conversation(with_demo(db_app).assistant, locale="en")
    await chat.say("/demo")
    await chat.send(chat.incoming(action="f:name:x:Anke"))
    assert chat.text == "This question is closed."
