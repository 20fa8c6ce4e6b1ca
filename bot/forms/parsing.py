"""Reading what a member typed or pressed: one parser per step kind (:data:`PARSERS`), the
control words, and the typed labels and numbers that stand for buttons."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from babel.dates import parse_date

from bot.forms.model import Form, Invalid, Step, StepKind
from bot.messages import Choice, plain_number
from bot.templates import LOCALES
from bot.turn import Turn

CONTROL_WORDS = {
    "cancel": {"/cancel", "cancel", "abbrechen", "abbruch", "stop", "/stop"},
    "back": {"/back", "back", "zurück", "zurueck"},
    "skip": {"/skip", "skip", "überspringen", "ueberspringen", "-"},
    "done": {"/done", "done", "fertig", "/fertig"},
}
"""Understood in either language, whatever the buttons say."""
QUESTION_START = re.compile(
    r"^(wie|was|wo|wann|wer|welche[rsmn]?|warum|wieso|weshalb|gibt es|kann ich|muss ich|"
    r"how|what|where|when|who|which|why|is there|are there|can i|do i|do you|does)\b",
    re.IGNORECASE,
)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-zA-Z]{2,}$")
LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
"""Everything ``str.splitlines`` breaks at."""
PHONE = re.compile(r"^\+?[0-9][0-9 ()/.-]{5,24}$")
LIST_SEPARATORS = re.compile(r"[,;]|\s+und\s+|\s+and\s+")


@dataclass(frozen=True)
class Answer:
    """One answer to one step. ``by_value``: it names an option by its value (a button,
    a modal), not by what the member typed."""

    turn: Turn
    form: Form
    step: Step
    text: str
    by_value: bool = False


def parse(turn: Turn, form: Form, step: Step, text: str, *, by_value: bool = False) -> Any:
    """The stored value of an answer, or :class:`Invalid` saying why it does not fit."""
    text = text.strip()
    if not text:
        raise Invalid("empty")
    return PARSERS[step.kind](Answer(turn, form, step, text, by_value))


def _text(answer: Answer) -> str:
    value = check_length(answer.step, answer.text)
    return answer.step.validate(value) if answer.step.validate else value


def _choice(answer: Answer) -> str:
    value = match_option(answer)
    if value is not None:
        return value
    if answer.step.free_text and not answer.by_value:
        return check_length(answer.step, answer.text)
    raise Invalid("choice")


def _consent(answer: Answer) -> bool:
    value = match_option(answer)
    if value is None:
        raise Invalid("choice")
    return value == "yes"


def _multichoice(answer: Answer) -> list[str]:
    parts = [part.strip() for part in LIST_SEPARATORS.split(answer.text) if part.strip()]
    values = [match_option(answer, part) for part in parts]
    if not values or None in values:
        raise Invalid("choice")
    return list(dict.fromkeys(value for value in values if value))


def _email(answer: Answer) -> str:
    if not EMAIL.match(answer.text):
        raise Invalid("email")
    validate = answer.step.validate
    return answer.text.lower() if validate is None else validate(answer.text)


def _phone(answer: Answer) -> str:
    if not PHONE.match(answer.text):
        raise Invalid("phone")
    return answer.text


def _number(answer: Answer) -> float | int:
    step = answer.step
    try:
        number = float(answer.text.replace(",", "."))
    except ValueError:
        raise Invalid("number") from None
    too_small = step.minimum is not None and number < step.minimum
    too_large = step.maximum is not None and number > step.maximum
    if too_small or too_large:
        raise Invalid("range", minimum=step.minimum, maximum=step.maximum)
    return int(number) if number.is_integer() else number


def _date(answer: Answer) -> str:
    """An ISO date, or one as the member's language writes it."""
    try:
        return date.fromisoformat(answer.text).isoformat()
    except ValueError:
        pass
    try:
        return parse_date(answer.text, locale=LOCALES[answer.turn.language]).isoformat()
    except (ValueError, IndexError):
        raise Invalid("date") from None


PARSERS: dict[StepKind, Callable[[Answer], Any]] = {
    "text": _text,
    "choice": _choice,
    "multichoice": _multichoice,
    "email": _email,
    "phone": _phone,
    "number": _number,
    "date": _date,
    "consent": _consent,
}
"""The parser of each step kind: a new kind is one function and one line here."""


def check_length(step: Step, text: str) -> str:
    if not step.multiline and any(char in text for char in LINE_BREAKS):
        raise Invalid("one_line")
    if len(text) < step.min_length:
        raise Invalid("too_short", minimum=step.min_length)
    if len(text) > step.max_length:
        raise Invalid("too_long", maximum=step.max_length, length=len(text))
    return text


def match_option(answer: Answer, text: str | None = None) -> str | None:
    """The value of the option the text (or the whole answer) names: by value for a
    button, else by its number as shown or its label."""
    text = answer.text if text is None else text
    choices = answer.form.options(answer.turn, answer.step)
    values = [value for value, _ in choices]
    if answer.by_value:
        return text if text in values else None
    number = plain_number(text, maximum=len(choices))
    if number is not None and number >= 1:
        return values[number - 1]
    return match_label(text, choices)


def match_label(text: str, labels: Sequence[tuple[str, str]]) -> str | None:
    """The key of the (key, label) pair the member typed: emoji, case and punctuation
    aside, or the first word of exactly one label (``ja`` for "Ja, Mitglied"), or the
    start of exactly one label."""
    wanted = fold(text)
    if not wanted:
        return None
    exact = [key for key, label in labels if wanted in (fold(label), fold(key))]
    if exact:
        return exact[0]
    first = [key for key, label in labels if fold(label).split(" ")[0] == wanted]
    if len(first) == 1:
        return first[0]
    starts = [key for key, label in labels if fold(label).startswith(wanted)]
    return starts[0] if len(starts) == 1 and len(wanted) >= 3 else None


def typed_choice(text: str, choices: Sequence[Choice]) -> Choice | None:
    """The shown button a typed number or label means: numbers count the buttons as shown."""
    number = plain_number(text.strip(), maximum=len(choices))
    if number is not None:
        return choices[number - 1] if number >= 1 else None
    action = match_label(text, [(choice.action, choice.label) for choice in choices])
    return next((choice for choice in choices if choice.action == action), None)


def control_word(text: str) -> str | None:
    """``cancel``, ``back``, ``skip`` or ``done`` when the whole text is one of them."""
    folded = text.strip().lower()
    return next((word for word, spellings in CONTROL_WORDS.items() if folded in spellings), None)


def looks_like_question(text: str) -> bool:
    text = text.strip()
    return len(text) < 300 and (text.endswith("?") or bool(QUESTION_START.match(text)))


def fold(text: str) -> str:
    """Lower case, umlauts and their spellings as one, punctuation and emoji gone."""
    text = text.strip().lower()
    for a, b in (
        ("ä", "a"),
        ("ö", "o"),
        ("ü", "u"),
        ("ß", "ss"),
        ("ae", "a"),
        ("oe", "o"),
        ("ue", "u"),
    ):
        text = text.replace(a, b)
    return " ".join(re.sub(r"[^\w\s]+", " ", text).split())
