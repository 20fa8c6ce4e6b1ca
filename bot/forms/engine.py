"""The one engine that runs every form: ask, validate, store, move on; back, skip, cancel,
edit, confirm. It keeps its place in :class:`~bot.storage.DialogueState`, saved with every
turn, so a restart resumes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from bot.forms import rendering
from bot.forms.model import (
    ACTION_PREFIX,
    SUBMIT,
    SUMMARY,
    Form,
    Invalid,
    Press,
    Step,
    Verb,
    read_action,
)
from bot.forms.parsing import control_word, fold, looks_like_question, parse, typed_choice
from bot.messages import Reply
from bot.turn import Turn

QuestionHook = Callable[[Turn], Awaitable[list[Reply] | None]]
CONFIRM_WORDS = {"ja", "yes", "ok", "senden", "send", "bestatigen", "confirm"}
"""Typed at the summary, folded: they send the form."""


class FormEngine:
    """Runs any form; ``question_hook`` answers a question asked instead of an answer."""

    def __init__(self, forms: Sequence[Form] = ()) -> None:
        self.forms: dict[str, Form] = {form.name: form for form in forms}
        self.question_hook: QuestionHook | None = None

    def register(self, form: Form) -> None:
        self.forms[form.name] = form

    def active(self, turn: Turn) -> Form | None:
        return self.forms.get(turn.state.form or "")

    # starting and stopping -------------------------------------------------------------

    async def start(self, turn: Turn, name: str, **data: Any) -> list[Reply]:
        pointer = turn.private_only()
        if pointer is not None:
            return [pointer]
        form = self.forms[name]
        replies: list[Reply] = []
        if turn.state.form and turn.state.form != name:
            replies.append(turn.reply("forms/replaced"))
        initial = {**form.initial_data(turn), **data, "_history": []}
        _set(turn, form.name, form.steps[0].name, "ask", initial)
        return [*replies, *rendering.intro(turn, form), rendering.question(turn, form)]

    def clear(self, turn: Turn) -> None:
        _set(turn, None, None, None, {})

    async def cancel(self, turn: Turn) -> list[Reply]:
        form = self.active(turn)
        data = dict(turn.state.data)
        self.clear(turn)
        if form and form.on_cancel:
            return await form.on_cancel(turn, data)
        return [turn.reply("forms/cancelled")]

    # one turn ------------------------------------------------------------------------

    async def handle(self, turn: Turn) -> list[Reply]:
        pointer = turn.private_only()
        if pointer is not None:  # a form left in a group before forms were private only
            self.clear(turn)
            return [pointer]
        form = self.active(turn)
        pressed = turn.incoming.action
        if pressed == SUBMIT:
            return await self.submit(turn)
        if pressed is not None and pressed.startswith(ACTION_PREFIX):
            return await self._press(turn, form, pressed)
        if form is None:
            return [_closed(turn)]
        return await self._typed(turn, form)

    async def _typed(self, turn: Turn, form: Form) -> list[Reply]:
        """A typed answer, control word, or button label."""
        control = control_word(turn.text)
        if control == "cancel":
            return await self.cancel(turn)
        if turn.state.mode == "summary":
            return await self._summary_text(turn, form, control)
        step = form.step(turn.state.step or form.steps[0].name)
        if control == "back":
            return self._back(turn, form)
        if control == "skip" and step.optional:
            return self._store(turn, form, step, None)
        if step.kind == "multichoice":
            return await self._tick_typed(turn, form, step, control)
        if step.kind in ("choice", "consent"):
            shown = typed_choice(turn.text, rendering.question(turn, form).choices)
            if shown is not None:
                return await self._press(turn, form, shown.action)
        return await self._answer(turn, form, step, turn.text)

    async def _press(self, turn: Turn, form: Form | None, pressed: str) -> list[Reply]:
        press = read_action(pressed)
        current = turn.state.step if turn.state.mode != "summary" else SUMMARY
        if form is None or press.step != current or press.verb is None:
            return [_closed(turn)]
        if press.verb is Verb.CANCEL:
            return await self.cancel(turn)
        if press.verb is Verb.BACK:
            return self._back(turn, form)
        if press.step == SUMMARY:
            return await self._press_summary(turn, form, press)
        return await self._press_step(turn, form, form.step(press.step), press)

    async def _press_summary(self, turn: Turn, form: Form, press: Press) -> list[Reply]:
        if press.verb is Verb.OK:
            return await self._confirm(turn, form)
        if press.verb is Verb.EDIT and any(step.name == press.value for step in form.steps):
            _set(turn, form.name, press.value, "edit", turn.state.data)
            return [rendering.question(turn, form)]
        return [_closed(turn)]

    async def _press_step(self, turn: Turn, form: Form, step: Step, press: Press) -> list[Reply]:
        verb, multichoice = press.verb, step.kind == "multichoice"
        if verb is Verb.SKIP and step.optional:
            return self._store(turn, form, step, None)
        prefilled = rendering.prefill(turn, step) if verb is Verb.USE else None
        if prefilled:
            return await self._answer(turn, form, step, prefilled)
        if verb is Verb.PICK:
            return await self._answer(turn, form, step, press.value, by_value=True)
        if verb is Verb.TICK and multichoice:
            return self._toggle(turn, form, step, press.value)
        if verb is Verb.DONE and multichoice:
            return self._done(turn, form, step)
        return [_closed(turn)]

    # answers -------------------------------------------------------------------------

    async def _answer(
        self, turn: Turn, form: Form, step: Step, text: str, *, by_value: bool = False
    ) -> list[Reply]:
        try:
            value = parse(turn, form, step, text, by_value=by_value)
        except Invalid as invalid:
            return await self._refused(turn, form, step, text, invalid)
        if step.kind in ("text", "number") and looks_like_question(text):
            off_topic = await self._off_topic(turn, step, text)
            if off_topic is not None:
                return [*off_topic, rendering.question(turn, form)]
        if step.kind == "consent" and value is False:
            return [turn.reply("forms/consent_required"), rendering.question(turn, form)]
        return self._store(turn, form, step, value)

    async def _refused(
        self, turn: Turn, form: Form, step: Step, text: str, invalid: Invalid
    ) -> list[Reply]:
        """Why the answer does not fit, or the answer to the question it was, and the
        step again."""
        off_topic = await self._off_topic(turn, step, text, refused=True)
        if off_topic is None:
            off_topic = [Reply(turn.render(f"forms/invalid_{invalid.block}", **invalid.context))]
        return [*off_topic, rendering.question(turn, form)]

    def _toggle(self, turn: Turn, form: Form, step: Step, value: str) -> list[Reply]:
        if value not in {v for v, _ in step.choices(turn, form)}:
            return [_closed(turn)]
        selected = rendering.selection(turn, step)
        selected.remove(value) if value in selected else selected.append(value)
        return self._select(turn, form, step, selected)

    def _done(self, turn: Turn, form: Form, step: Step) -> list[Reply]:
        chosen = rendering.selection(turn, step)
        if not chosen:
            return [turn.reply("forms/choose_one"), rendering.question(turn, form)]
        return self._store(turn, form, step, chosen)

    def _select(self, turn: Turn, form: Form, step: Step, selected: list[str]) -> list[Reply]:
        data = {**turn.state.data, "_selected": selected}
        _set(turn, form.name, step.name, turn.state.mode, data)
        return [rendering.question(turn, form)]

    async def _tick_typed(
        self, turn: Turn, form: Form, step: Step, control: str | None
    ) -> list[Reply]:
        """One rule for typed answers: names (or numbers) tick, "done" ends; a name typed
        again stays ticked. The other buttons (back, skip, cancel) work by label too."""
        if control == "done":
            return self._done(turn, form, step)
        shown = typed_choice(turn.text, rendering.question(turn, form).choices)
        if shown is not None and read_action(shown.action).verb is not Verb.TICK:
            return await self._press(turn, form, shown.action)
        try:
            values = parse(turn, form, step, turn.text)
        except Invalid as invalid:
            return await self._refused(turn, form, step, turn.text, invalid)
        selected = rendering.selection(turn, step)
        return self._select(
            turn, form, step, [*selected, *(v for v in values if v not in selected)]
        )

    async def _off_topic(
        self, turn: Turn, step: Step, text: str, *, refused: bool = False
    ) -> list[Reply] | None:
        """The answer to a question asked instead of an answer, or None when it is none.

        ``refused``: the text does not fit the step, so a question without an answer in
        the knowledge base is told so rather than "please pick one of the options". An
        e-mail address or phone number never goes to the question log."""
        question = looks_like_question(text)
        if self.question_hook is None:
            return None
        if step.kind in ("email", "phone") and (not question or "@" in text):
            return None
        answer = await self.question_hook(turn)
        if answer is None and refused and question:
            return [turn.reply("forms/question_unknown")]
        return answer

    # a whole form at once -------------------------------------------------------------

    def check(
        self, turn: Turn, form: Form, answers: Mapping[str, Any]
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """Every answer of a form given at once: the data, and the problem per step.

        The same rules as the dialogue, so a modal accepts exactly what the chat accepts.
        A choice comes as its value, a multichoice as a list of values, a consent as "yes".
        """
        data: dict[str, Any] = {}
        problems: dict[str, str] = {}
        for step in form.steps:
            problem = _check_one(turn, form, step, answers.get(step.name), data)
            if problem is not None:
                problems[step.name] = turn.render(f"forms/{problem.block}", **problem.context)
        return data, problems

    async def submit(self, turn: Turn) -> list[Reply]:
        """Confirm a form answered at once (:data:`SUBMIT`), without touching a running one."""
        extras = turn.incoming.extras
        form = self.forms.get(str(extras.get("form")))
        if form is None:
            return [_closed(turn)]
        data, problems = self.check(turn, form, extras.get("answers") or {})
        if problems:
            return [Reply("\n".join(problems.values()))]
        return await form.on_confirm(turn, {**form.initial_data(turn), **data})

    # moving ----------------------------------------------------------------------------

    def _store(self, turn: Turn, form: Form, step: Step, value: Any) -> list[Reply]:
        data = {k: v for k, v in turn.state.data.items() if k != "_selected"}
        data[step.name] = value
        if step.kind == "consent" and value:
            data[f"{step.name}_at"] = turn.now.isoformat()
        if turn.state.mode == "edit":
            return self._to_summary(turn, form, data)
        data["_history"] = [*data.get("_history", []), step.name]
        following = form.steps[form.index(step.name) + 1 :]
        if not following:
            return self._to_summary(turn, form, data)
        _set(turn, form.name, following[0].name, "ask", data)
        return [rendering.question(turn, form)]

    def _back(self, turn: Turn, form: Form) -> list[Reply]:
        data = dict(turn.state.data)
        data.pop("_selected", None)
        history = list(data.get("_history", []))
        if not history:
            return [turn.reply("forms/at_start"), rendering.question(turn, form)]
        previous = history.pop()
        data["_history"] = history
        _set(turn, form.name, previous, "ask", data)
        return [rendering.question(turn, form)]

    def _to_summary(self, turn: Turn, form: Form, data: dict[str, Any]) -> list[Reply]:
        _set(turn, form.name, SUMMARY, "summary", data)
        return [rendering.summary(turn, form)]

    async def _summary_text(self, turn: Turn, form: Form, control: str | None) -> list[Reply]:
        if control == "back":
            return self._back(turn, form)
        shown = typed_choice(turn.text, rendering.summary(turn, form).choices)
        if shown is not None:
            return await self._press(turn, form, shown.action)
        if fold(turn.text) in CONFIRM_WORDS:
            return await self._confirm(turn, form)
        off_topic = await self._off_topic(turn, form.steps[0], turn.text)
        return [*(off_topic or [turn.reply("forms/use_buttons")]), rendering.summary(turn, form)]

    async def _confirm(self, turn: Turn, form: Form) -> list[Reply]:
        data = {k: v for k, v in turn.state.data.items() if not k.startswith("_")}
        self.clear(turn)
        return await form.on_confirm(turn, data)

    # showing ---------------------------------------------------------------------------

    def ask(self, turn: Turn) -> Reply | None:
        """The running form's current question (or its summary) once more, e.g. after a
        command in the middle; None when no form runs."""
        form = self.active(turn)
        if form is None:
            return None
        if turn.state.mode == "summary":
            return rendering.summary(turn, form)
        return rendering.question(turn, form)

    def summary(self, turn: Turn, form: Form) -> Reply:
        return rendering.summary(turn, form)

    def display(self, turn: Turn, form: Form, step: Step, value: Any) -> str:
        """A stored answer as the member sees it (labels for choices, '–' when skipped)."""
        return rendering.display(turn, form, step, value)


def _check_one(
    turn: Turn, form: Form, step: Step, raw: Any, data: dict[str, Any]
) -> Invalid | None:
    """One answer of a whole form into ``data``, or what is wrong with it."""
    if raw is None or raw == "" or raw == []:
        if not step.optional:
            return Invalid("consent_required" if step.kind == "consent" else "invalid_empty")
        data[step.name] = None
        return None
    try:
        data[step.name] = _parse_given(turn, form, step, raw)
    except Invalid as invalid:
        return Invalid(f"invalid_{invalid.block}", **invalid.context)
    if step.kind != "consent":
        return None
    if not data[step.name]:
        return Invalid("consent_required")
    data[f"{step.name}_at"] = turn.now.isoformat()
    return None


def _parse_given(turn: Turn, form: Form, step: Step, raw: Any) -> Any:
    """An answer given by value (a modal's field): options by their values."""
    if step.kind != "multichoice":
        return parse(turn, form, step, str(raw), by_value=step.kind in ("choice", "consent"))
    values = [raw] if isinstance(raw, str) else [str(value) for value in raw]
    known = {value for value, _ in step.choices(turn, form)}
    if any(value not in known for value in values):
        raise Invalid("choice")
    return list(dict.fromkeys(values))


def _closed(turn: Turn) -> Reply:
    return turn.reply("forms/closed", notice=True)


def _set(
    turn: Turn, form: str | None, step: str | None, mode: str | None, data: dict[str, Any]
) -> None:
    state = turn.state
    state.form, state.step, state.mode, state.data = form, step, mode, dict(data)
    state.version += 1
    state.updated_at = turn.now
