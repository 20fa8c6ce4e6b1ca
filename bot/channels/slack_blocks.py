"""Replies as Slack Block Kit: mrkdwn sections with buttons, form modals, the App Home view.

Everything here is pure (dicts in, dicts out), so the shapes are tested without a network.
Member text arrives already escaped by :func:`bot.markdown.to_mrkdwn` (``&``, ``<``, ``>``),
so nobody can write ``<!channel>`` or a user mention through the bot. Limits are Slack's:
3000 characters a section, 75 a button label, 25 elements an actions block, 50 blocks a
message, 24 characters a modal title.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from jinja2.exceptions import UndefinedError

from bot.forms import Form, Step
from bot.markdown import split, to_mrkdwn, to_plain
from bot.messages import Choice, Reply
from bot.turn import Turn

SECTION_LIMIT = 3000
SECTIONS_PER_MESSAGE = 10
BUTTON_LIMIT = 75
BUTTONS_PER_BLOCK = 25
OPTION_LIMIT = 75
TITLE_LIMIT = 24
LABEL_LIMIT = 2000
INPUT_LIMIT = 3000
CHECKBOX_LIMIT = 10

CHOICE_PREFIX = "optobot.choice."
"""action_id of a reply's button: the prefix and its index; the value is Choice.action."""
MODAL_ACTION = "optobot.modal"
"""action_id of a button that opens a form as a modal; the value is the form's name."""
MODAL_CALLBACK = "optobot.form"
"""callback_id of every form modal; private_metadata names the form."""
ANSWER = "answer"
"""action_id of every input in a form modal; the block_id is the step's name."""


@dataclass(frozen=True, slots=True)
class Message:
    """One chat.postMessage: blocks, and ``text`` for notifications and old clients."""

    text: str
    blocks: list[dict[str, Any]]


def plain(text: str, limit: int = LABEL_LIMIT) -> dict[str, Any]:
    return {"type": "plain_text", "text": _cut(text, limit), "emoji": True}


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def sections(markdown: str) -> list[str]:
    """The reply's text as mrkdwn pieces that each fit one section block."""
    pieces = []
    for chunk in split(markdown, SECTION_LIMIT // 2):
        pieces += split(to_mrkdwn(chunk), SECTION_LIMIT)
    return pieces


def section(mrkdwn: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn, "verbatim": True}}


def buttons(choices: Sequence[Choice]) -> list[dict[str, Any]]:
    elements = [
        {
            "type": "button",
            "action_id": f"{CHOICE_PREFIX}{index}",
            "text": plain(choice.label, BUTTON_LIMIT),
            "value": choice.action,
        }
        for index, choice in enumerate(choices)
    ]
    return [
        {"type": "actions", "elements": elements[start : start + BUTTONS_PER_BLOCK]}
        for start in range(0, len(elements), BUTTONS_PER_BLOCK)
    ]


def messages(reply: Reply) -> list[Message]:
    """A reply as one or more messages; the buttons go with the last one."""
    pieces = sections(reply.text) or [" "]
    groups = [
        pieces[start : start + SECTIONS_PER_MESSAGE]
        for start in range(0, len(pieces), SECTIONS_PER_MESSAGE)
    ]
    result = [Message("\n".join(group), [section(piece) for piece in group]) for group in groups]
    if reply.choices:
        last = result[-1]
        result[-1] = Message(last.text, [*last.blocks, *buttons(reply.choices)])
    return result


def chosen(blocks: Sequence[Mapping[str, Any]], note: str) -> list[dict[str, Any]]:
    """A pressed message without its buttons, with a line saying what was chosen."""
    kept = [dict(block) for block in blocks if block.get("type") != "actions"]
    return [*kept, {"type": "context", "elements": [{"type": "mrkdwn", "text": to_mrkdwn(note)}]}]


# form modals --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ModalTexts:
    """The modal's own words, rendered from templates by the caller."""

    title: str
    submit: str
    close: str
    placeholder: str


def form_modal(turn: Turn, form: Form, texts: ModalTexts) -> dict[str, Any]:
    """The whole form as one modal, built from its declaration and its templates."""
    blocks: list[dict[str, Any]] = []
    if form.has_block(turn, "intro"):
        blocks += [
            section(piece)
            for piece in sections(form.block(turn, "intro", data=form.initial_data(turn)))
        ]
    for step in form.steps:
        question = _question(turn, form, step)
        if step.kind == "consent" and question:
            blocks += [section(piece) for piece in sections(question)]
        block: dict[str, Any] = {
            "type": "input",
            "block_id": step.name,
            "optional": step.optional,
            "label": plain(form.block(turn, f"label_{step.name}")),
            "element": _element(turn, form, step, texts),
        }
        hint = _hint(turn, form, step, question)
        if hint:
            block["hint"] = plain(hint)
        blocks.append(block)
    return {
        "type": "modal",
        "callback_id": MODAL_CALLBACK,
        "private_metadata": json.dumps({"form": form.name}),
        "title": plain(texts.title, TITLE_LIMIT),
        "submit": plain(texts.submit, TITLE_LIMIT),
        "close": plain(texts.close, TITLE_LIMIT),
        "blocks": blocks,
    }


def _question(turn: Turn, form: Form, step: Step) -> str | None:
    """The chat question, unless it speaks of earlier answers a modal does not have yet."""
    try:
        return form.block(turn, step.name, data={})
    except UndefinedError:
        return None


def _hint(turn: Turn, form: Form, step: Step, question: str | None) -> str | None:
    if form.has_block(turn, f"{step.name}_hint"):
        return to_plain(form.block(turn, f"{step.name}_hint"))
    return to_plain(question) if question and step.kind != "consent" else None


def _options(pairs: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
    return [{"text": plain(label, OPTION_LIMIT), "value": value} for value, label in pairs]


def _element(turn: Turn, form: Form, step: Step, texts: ModalTexts) -> dict[str, Any]:
    placeholder = plain(texts.placeholder, 150)
    if step.kind == "consent":
        return {
            "type": "checkboxes",
            "action_id": ANSWER,
            "options": _options([("yes", form.block(turn, "opt_yes"))]),
        }
    if step.kind == "choice":
        options = _options(step.choices(turn, form))
        return {
            "type": "static_select",
            "action_id": ANSWER,
            "placeholder": placeholder,
            "options": options,
        }
    if step.kind == "multichoice":
        options = _options(step.choices(turn, form))
        if len(options) <= CHECKBOX_LIMIT:
            return {"type": "checkboxes", "action_id": ANSWER, "options": options}
        return {
            "type": "multi_static_select",
            "action_id": ANSWER,
            "placeholder": placeholder,
            "options": options,
        }
    if step.kind == "date":
        return {"type": "datepicker", "action_id": ANSWER, "placeholder": placeholder}
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": ANSWER,
        "multiline": step.kind == "text" and step.multiline,
        "max_length": min(step.max_length, INPUT_LIMIT),
    }
    prefilled = step.prefill(turn) if step.prefill else None
    if prefilled:
        element["initial_value"] = prefilled
    return element


def form_name(view: Mapping[str, Any]) -> str | None:
    try:
        name: str | None = json.loads(view.get("private_metadata") or "{}").get("form")
        return name
    except (ValueError, AttributeError):
        return None


def form_answers(form: Form, view: Mapping[str, Any]) -> dict[str, Any]:
    """What was entered, by step: text as typed, choices as values, a ticked consent "yes"."""
    values = view.get("state", {}).get("values", {})
    answers: dict[str, Any] = {}
    for step in form.steps:
        field = (values.get(step.name) or {}).get(ANSWER) or {}
        kind = field.get("type")
        if step.kind == "consent":
            ticked = [option.get("value") for option in field.get("selected_options") or []]
            answers[step.name] = "yes" if "yes" in ticked else None
        elif kind == "static_select":
            answers[step.name] = (field.get("selected_option") or {}).get("value")
        elif kind in ("checkboxes", "multi_static_select"):
            answers[step.name] = [option["value"] for option in field.get("selected_options") or []]
        elif kind == "datepicker":
            answers[step.name] = field.get("selected_date")
        else:
            answers[step.name] = field.get("value")
    return answers


# App Home -----------------------------------------------------------------------------


def home_view(markdown: str, choices: Sequence[Choice], modal: Choice | None) -> dict[str, Any]:
    """The App Home tab: the text (with the member's lists) and the main buttons."""
    blocks = [section(piece) for piece in sections(markdown)]
    actions = buttons(choices)
    if modal is not None:
        opener = {
            "type": "button",
            "action_id": MODAL_ACTION,
            "text": plain(modal.label, BUTTON_LIMIT),
            "value": modal.action,
            "style": "primary",
        }
        actions = actions or [{"type": "actions", "elements": []}]
        actions[0]["elements"].insert(0, opener)
    return {"type": "home", "blocks": [*blocks, *actions]}
