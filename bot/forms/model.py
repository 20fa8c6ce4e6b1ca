"""What a form is: its steps, the template of its texts, and the actions of its buttons.

Button actions carry the step they belong to (``f:<step>:<verb>[:<value>]``): a press on a
button of an earlier question is recognised as stale and refused.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal, NamedTuple

from bot.messages import Reply
from bot.turn import Turn

StepKind = Literal["text", "choice", "multichoice", "email", "phone", "number", "date", "consent"]
Options = Sequence[str] | Callable[[Turn], Sequence[tuple[str, str]]]

ACTION_PREFIX = "f:"
"""The start of every form button's action: the form engine's (the ActiveForm handler)."""
SUMMARY = "_sum"
"""The step name of the summary, in the actions of its buttons."""
SUBMIT = f"{ACTION_PREFIX}_all:submit"
"""A whole form answered at once (a Slack modal): ``extras`` carry ``form`` and ``answers``."""


class Verb(StrEnum):
    """What a form button does."""

    PICK = "pick"
    """Answers a choice or consent step with the option's value."""
    TICK = "tick"
    """Ticks or unticks an option of a multichoice step."""
    DONE = "done"
    EDIT = "edit"
    """From the summary: answer the step named by the value again."""
    USE = "use"
    """Takes the prefilled answer (the member's stored e-mail, phone or company)."""
    SKIP = "skip"
    BACK = "back"
    CANCEL = "cancel"
    OK = "ok"
    """Confirms the summary."""


LEGACY_VERBS = {"o": Verb.PICK, "t": Verb.TICK, "e": Verb.EDIT}
"""The one-letter verbs of earlier versions: their buttons are still in members' chats."""


class Press(NamedTuple):
    """A pressed form button; ``verb`` is None for one this version does not know."""

    step: str
    verb: Verb | None
    value: str


def action(step: str, verb: Verb, value: str | None = None) -> str:
    return f"{ACTION_PREFIX}{step}:{verb}" + (f":{value}" if value is not None else "")


def cancel_action(step: str) -> str:
    """The cancel button of the running form's current step (offered by /start too)."""
    return action(step, Verb.CANCEL)


def read_action(pressed: str) -> Press:
    step, _, rest = pressed.removeprefix(ACTION_PREFIX).partition(":")
    word, _, value = rest.partition(":")
    verb = LEGACY_VERBS.get(word) or next((v for v in Verb if v == word), None)
    return Press(step, verb, value)


class Invalid(Exception):
    """An answer that does not fit; ``block`` names the template that explains why."""

    def __init__(self, block: str, **context: Any) -> None:
        super().__init__(block)
        self.block = block
        self.context = context


def person_name(text: str) -> str:
    """A person's name, which an e-mail address typed one step early is not."""
    if "@" in text:
        raise Invalid("name_email")
    return text


@dataclass(frozen=True)
class Step:
    name: str
    kind: StepKind = "text"
    options: Options = ()
    optional: bool = False
    free_text: bool = False
    min_length: int = 1
    max_length: int = 500
    multiline: bool = False
    """Text answers are one line (names, titles: they end up in e-mail subjects and table
    cells) unless the step says otherwise."""
    minimum: float | None = None
    maximum: float | None = None
    validate: Callable[[Any], Any] | None = None
    prefill: Callable[[Turn], str | None] | None = None

    def choices(self, turn: Turn, form: Form) -> list[tuple[str, str]]:
        """(value, label) pairs for a choice step."""
        if callable(self.options):
            return list(self.options(turn))
        return [(value, form.block(turn, f"opt_{self.name}_{value}")) for value in self.options]


@dataclass(frozen=True)
class Form:
    """A tuple of steps plus what to do on confirm. Its texts live in one template per
    language (``forms/<name>.j2``) with a block per text: ``intro`` (optional, it sees
    the form's ``data``), ``<step>`` (the question), ``<step>_hint`` (why we ask,
    optional), ``label_<step>`` (summary label), ``opt_<step>_<value>`` (a choice's label),
    ``summary``."""

    name: str
    steps: tuple[Step, ...]
    on_confirm: Callable[[Turn, dict[str, Any]], Awaitable[list[Reply]]]
    template: str = ""
    on_cancel: Callable[[Turn, dict[str, Any]], Awaitable[list[Reply]]] | None = None
    start_data: Callable[[Turn], dict[str, Any]] | None = field(default=None)

    @property
    def template_name(self) -> str:
        return self.template or f"forms/{self.name}"

    def step(self, name: str) -> Step:
        return next(step for step in self.steps if step.name == name)

    def index(self, name: str) -> int:
        return next(i for i, step in enumerate(self.steps) if step.name == name)

    def block(self, turn: Turn, block: str, /, **context: Any) -> str:
        return turn.services.templates.render_block(
            turn.language, self.template_name, block, channel=turn.incoming.channel, **context
        )

    def has_block(self, turn: Turn, block: str) -> bool:
        return turn.services.templates.has_block(turn.language, self.template_name, block)

    def options(self, turn: Turn, step: Step) -> list[tuple[str, str]]:
        """The (value, label) pairs a choice, multichoice or consent step offers."""
        if step.kind == "consent":
            return [("yes", self.block(turn, "opt_yes")), ("no", self.block(turn, "opt_no"))]
        return step.choices(turn, self)

    def initial_data(self, turn: Turn) -> dict[str, Any]:
        """What the form knows before the first answer (e.g. the training to book)."""
        return dict(self.start_data(turn) if self.start_data else {})
