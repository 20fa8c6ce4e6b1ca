"""What a running form shows: its intro, the current question with its buttons, the
summary, and a stored answer as the member reads it."""

from __future__ import annotations

from typing import Any

from bot.forms.model import SUMMARY, Form, Step, Verb, action
from bot.messages import Choice, Reply
from bot.turn import Turn

CHOICE_KINDS = ("choice", "multichoice", "consent")


def intro(turn: Turn, form: Form) -> list[Reply]:
    """The form's intro, when it has one; it sees the data the form starts with."""
    if not form.has_block(turn, "intro"):
        return []
    return [Reply(form.block(turn, "intro", data=turn.state.data))]


def question(turn: Turn, form: Form) -> Reply:
    """The current step's question, its hint, and its buttons."""
    step = form.step(turn.state.step or form.steps[0].name)
    data = turn.state.data
    text = counter(form, form.index(step.name)) + form.block(turn, step.name, data=data)
    if form.has_block(turn, f"{step.name}_hint"):
        text += "\n\n" + form.block(turn, f"{step.name}_hint")
    choices = _option_buttons(turn, form, step)
    prefilled = prefill(turn, step)
    if prefilled:
        text += "\n\n" + turn.render("forms/prefill", value=prefilled)
        use = action(step.name, Verb.USE)
        choices.insert(0, turn.choice("forms/button_use", use, value=prefilled))
    return Reply(text, (*choices, *_move_buttons(turn, step)))


def _option_buttons(turn: Turn, form: Form, step: Step) -> list[Choice]:
    """The options of a choice step, ticked ones marked, and "done" for a multichoice."""
    if step.kind not in CHOICE_KINDS:
        return []
    selected = set(selection(turn, step))
    verb = Verb.TICK if step.kind == "multichoice" else Verb.PICK
    choices = [
        Choice(("✓ " if value in selected else "") + label, action(step.name, verb, value))
        for value, label in form.options(turn, step)
    ]
    if step.kind == "multichoice":
        choices.append(turn.choice("forms/button_done", action(step.name, Verb.DONE)))
    return choices


def _move_buttons(turn: Turn, step: Step) -> list[Choice]:
    """Skip (optional steps), back (once there is a way back), cancel."""
    buttons = []
    if step.optional:
        buttons.append(turn.choice("forms/button_skip", action(step.name, Verb.SKIP)))
    if turn.state.mode != "edit" and turn.state.data.get("_history"):
        buttons.append(turn.choice("forms/button_back", action(step.name, Verb.BACK)))
    buttons.append(turn.choice("forms/button_cancel", action(step.name, Verb.CANCEL)))
    return buttons


def summary(turn: Turn, form: Form) -> Reply:
    """Every answer with its label, and buttons to send, edit one, or cancel."""
    data = turn.state.data
    shown = [step for step in form.steps if step.kind != "consent"]
    rows = [
        (form.block(turn, f"label_{step.name}"), display(turn, form, step, data.get(step.name)))
        for step in shown
    ]
    intro_text = counter(form, len(form.steps)) + form.block(turn, "summary", data=data)
    text = turn.render("forms/summary", intro=intro_text, rows=rows)
    choices = [turn.choice("forms/button_confirm", action(SUMMARY, Verb.OK))]
    choices += [
        turn.choice("forms/button_edit", action(SUMMARY, Verb.EDIT, step.name), label=label)
        for step, (label, _) in zip(shown, rows, strict=True)
    ]
    choices.append(turn.choice("forms/button_cancel", action(SUMMARY, Verb.CANCEL)))
    return Reply(text, tuple(choices))


def display(turn: Turn, form: Form, step: Step, value: Any) -> str:
    """A stored answer as the member sees it (labels for choices, '–' when skipped)."""
    if value is None or value == []:
        return "–"
    if step.kind in ("choice", "multichoice"):
        labels = dict(step.choices(turn, form))
        values = value if isinstance(value, list) else [value]
        return ", ".join(labels.get(v, str(v)) for v in values)
    return str(value)


def prefill(turn: Turn, step: Step) -> str | None:
    """The stored answer a step offers, only ever in a private chat: it is the member's
    e-mail, phone or company."""
    if step.prefill is None or not turn.incoming.private:
        return None
    return step.prefill(turn)


def selection(turn: Turn, step: Step) -> list[str]:
    """The ticks of a multichoice step: those being made, else the stored answer, so going
    back or editing from the summary starts from the earlier selection."""
    data = turn.state.data
    selected = data["_selected"] if "_selected" in data else data.get(step.name)
    return list(selected or [])


def counter(form: Form, index: int) -> str:
    """``**3/14** `` for the third question: every step is numbered, the summary last."""
    return f"**{index + 1}/{len(form.steps) + 1}** "
