"""Forms declared as data and the one engine that runs them.

A :class:`Form` is a tuple of :class:`Step` s plus what to do on confirm. Its texts live in
one template per language (``forms/<name>.j2``) with a block per text: ``<step>`` (the
question), ``<step>_hint`` (why we ask, optional), ``label_<step>`` (summary label),
``opt_<step>_<value>`` (a choice's label). The engine keeps its place in
:class:`~bot.storage.DialogueState`, saved with every turn, so a restart resumes.

Button actions carry the step they belong to (``f:<step>:<verb>[:<value>]``): a press on a
button of an earlier question is recognised as stale and refused.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from babel.dates import parse_date

from bot.messages import Choice, Reply, plain_number
from bot.templates import LOCALES
from bot.turn import Turn

StepKind = Literal["text", "choice", "multichoice", "email", "phone", "number", "date", "consent"]
Options = Sequence[str] | Callable[[Turn], Sequence[tuple[str, str]]]
QuestionHook = Callable[[Turn], Awaitable[list[Reply] | None]]

SUMMARY = "_sum"
SUBMIT = "f:_all:submit"
"""A whole form answered at once (a Slack modal): ``extras`` carry ``form`` and ``answers``."""
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


def person_name(text: str) -> str:
    """A person's name, which an e-mail address typed one step early is not."""
    if "@" in text:
        raise Invalid("name_email")
    return text


class Invalid(Exception):
    """An answer that does not fit; ``template`` names the block that explains why."""

    def __init__(self, block: str, **context: Any) -> None:
        super().__init__(block)
        self.block = block
        self.context = context


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


ACTION_PREFIX = "f:"
"""The start of every form button's action: the form engine's (the ActiveForm handler)."""


def _action(step: str, verb: str, value: str | None = None) -> str:
    return f"{ACTION_PREFIX}{step}:{verb}" + (f":{value}" if value is not None else "")


def cancel_action(step: str) -> str:
    """The cancel button of the running form's current step (offered by /start too)."""
    return _action(step, "cancel")


class FormEngine:
    """Runs any form: ask, validate, store, move on; back, skip, cancel, edit, confirm."""

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
        initial = dict(form.start_data(turn) if form.start_data else {})
        initial.update(data)
        self._set(turn, form.name, form.steps[0].name, "ask", {**initial, "_history": []})
        return [*replies, *self._intro(turn, form), self._ask(turn, form)]

    def clear(self, turn: Turn) -> None:
        self._set(turn, None, None, None, {})

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
        action = turn.incoming.action
        if action == SUBMIT:
            return await self.submit(turn)
        if action is not None and action.startswith("f:"):
            return await self._press(turn, form, action)
        if form is None:
            return [turn.reply("forms/closed", notice=True)]
        control = self._control_word(turn.text)
        if control == "cancel":
            return await self.cancel(turn)
        if turn.state.mode == "summary":
            return await self._summary_text(turn, form, control)
        step = form.step(turn.state.step or form.steps[0].name)
        if control == "back":
            return self._back(turn, form)
        if control == "skip" and step.optional:
            return self._store(turn, form, step, None)
        if step.kind == "multichoice" and control == "done":
            return await self._press(turn, form, _action(step.name, "done"))
        if step.kind == "multichoice":
            return await self._tick_typed(turn, form, step)
        if step.kind in ("choice", "consent"):
            pressed = typed_choice(turn.text, self._ask(turn, form).choices)
            if pressed is not None:
                return await self._press(turn, form, pressed.action)
        return await self._answer(turn, form, step, turn.text)

    async def _press(self, turn: Turn, form: Form | None, action: str) -> list[Reply]:
        _, step_name, verb, *rest = [*action.split(":", 3), ""][:4]
        value = rest[0] if rest else ""
        current = turn.state.step if turn.state.mode != "summary" else SUMMARY
        if form is None or step_name != current:
            return [turn.reply("forms/closed", notice=True)]
        if verb == "cancel":
            return await self.cancel(turn)
        if step_name == SUMMARY:
            if verb == "ok":
                return await self._confirm(turn, form)
            if verb == "e" and any(s.name == value for s in form.steps):
                self._set(turn, form.name, value, "edit", turn.state.data)
                return [self._ask(turn, form)]
            if verb == "back":
                return self._back(turn, form)
            return [turn.reply("forms/closed", notice=True)]
        step = form.step(step_name)
        if verb == "back":
            return self._back(turn, form)
        if verb == "skip" and step.optional:
            return self._store(turn, form, step, None)
        if verb == "use":
            prefilled = _prefill(turn, step)
            if prefilled:
                return await self._answer(turn, form, step, prefilled)
        if verb == "o":
            return await self._answer(turn, form, step, value, by_value=True)
        if verb == "t" and step.kind == "multichoice":
            return self._toggle(turn, form, step, value)
        if verb == "done" and step.kind == "multichoice":
            chosen = _selection(turn, step)
            if not chosen:
                return [turn.reply("forms/choose_one"), self._ask(turn, form)]
            return self._store(turn, form, step, chosen)
        return [turn.reply("forms/closed", notice=True)]

    # answers -------------------------------------------------------------------------

    async def _answer(
        self, turn: Turn, form: Form, step: Step, text: str, *, by_value: bool = False
    ) -> list[Reply]:
        try:
            value = self._parse(turn, form, step, text, by_value=by_value)
        except Invalid as invalid:
            off_topic = await self._off_topic(turn, step, text, refused=True)
            if off_topic is not None:
                return [*off_topic, self._ask(turn, form)]
            error = turn.render(f"forms/invalid_{invalid.block}", **invalid.context)
            return [Reply(error), self._ask(turn, form)]
        if step.kind in ("text", "number") and _looks_like_question(text):
            off_topic = await self._off_topic(turn, step, text)
            if off_topic is not None:
                return [*off_topic, self._ask(turn, form)]
        if step.kind == "consent" and value is False:
            return [turn.reply("forms/consent_required"), self._ask(turn, form)]
        return self._store(turn, form, step, value)

    def _parse(self, turn: Turn, form: Form, step: Step, text: str, *, by_value: bool) -> Any:
        text = text.strip()
        if not text:
            raise Invalid("empty")
        if step.kind in ("choice", "consent"):
            value = self._match_option(turn, form, step, text, by_value=by_value)
            if value is None:
                if step.free_text and not by_value:
                    return self._check_length(step, text)
                raise Invalid("choice")
            return value if step.kind == "choice" else value == "yes"
        if step.kind == "multichoice":
            parts = [p for p in re.split(r"[,;]|\s+und\s+|\s+and\s+", text) if p.strip()]
            values = [
                self._match_option(turn, form, step, p.strip(), by_value=by_value) for p in parts
            ]
            if not values or None in values:
                raise Invalid("choice")
            return list(dict.fromkeys(v for v in values if v))
        if step.kind == "email":
            if not EMAIL.match(text):
                raise Invalid("email")
            return text.lower() if step.validate is None else step.validate(text)
        if step.kind == "phone":
            if not PHONE.match(text):
                raise Invalid("phone")
            return text
        if step.kind == "number":
            return self._number(step, text)
        if step.kind == "date":
            return self._date(turn, text).isoformat()
        value = self._check_length(step, text)
        return step.validate(value) if step.validate else value

    @staticmethod
    def _check_length(step: Step, text: str) -> str:
        if not step.multiline and any(char in text for char in LINE_BREAKS):
            raise Invalid("one_line")
        if len(text) < step.min_length:
            raise Invalid("too_short", minimum=step.min_length)
        if len(text) > step.max_length:
            raise Invalid("too_long", maximum=step.max_length, length=len(text))
        return text

    @staticmethod
    def _number(step: Step, text: str) -> float | int:
        try:
            number = float(text.replace(",", "."))
        except ValueError:
            raise Invalid("number") from None
        if (step.minimum is not None and number < step.minimum) or (
            step.maximum is not None and number > step.maximum
        ):
            raise Invalid("range", minimum=step.minimum, maximum=step.maximum)
        return int(number) if number.is_integer() else number

    @staticmethod
    def _date(turn: Turn, text: str) -> date:
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
        try:
            return parse_date(text, locale=LOCALES[turn.language])
        except (ValueError, IndexError):
            raise Invalid("date") from None

    def _match_option(
        self, turn: Turn, form: Form, step: Step, text: str, *, by_value: bool
    ) -> str | None:
        choices = (
            [("yes", form.block(turn, "opt_yes")), ("no", form.block(turn, "opt_no"))]
            if step.kind == "consent"
            else step.choices(turn, form)
        )
        values = [value for value, _ in choices]
        if by_value:
            return text if text in values else None
        number = plain_number(text, maximum=len(choices))
        if number is not None and number >= 1:
            return values[number - 1]
        return match_label(text, choices)

    def _toggle(self, turn: Turn, form: Form, step: Step, value: str) -> list[Reply]:
        if value not in {v for v, _ in step.choices(turn, form)}:
            return [turn.reply("forms/closed", notice=True)]
        selected = _selection(turn, step)
        selected.remove(value) if value in selected else selected.append(value)
        return self._select(turn, form, step, selected)

    def _select(self, turn: Turn, form: Form, step: Step, selected: list[str]) -> list[Reply]:
        data = {**turn.state.data, "_selected": selected}
        self._set(turn, form.name, step.name, turn.state.mode, data)
        return [self._ask(turn, form)]

    async def _tick_typed(self, turn: Turn, form: Form, step: Step) -> list[Reply]:
        """One rule for typed answers: names (or numbers) tick, "done" ends; a name typed
        again stays ticked. The other buttons (back, skip, cancel) work by label too."""
        buttons = self._ask(turn, form).choices
        pressed = typed_choice(turn.text, buttons)
        if pressed is not None and not pressed.action.startswith(f"f:{step.name}:t:"):
            return await self._press(turn, form, pressed.action)
        try:
            values = self._parse(turn, form, step, turn.text, by_value=False)
        except Invalid as invalid:
            off_topic = await self._off_topic(turn, step, turn.text, refused=True)
            if off_topic is not None:
                return [*off_topic, self._ask(turn, form)]
            error = turn.render(f"forms/invalid_{invalid.block}", **invalid.context)
            return [Reply(error), self._ask(turn, form)]
        selected = _selection(turn, step)
        return self._select(
            turn, form, step, [*selected, *(v for v in values if v not in selected)]
        )

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
            raw = answers.get(step.name)
            if raw is None or raw == "" or raw == []:
                if step.optional:
                    data[step.name] = None
                    continue
                block = "consent_required" if step.kind == "consent" else "invalid_empty"
                problems[step.name] = turn.render(f"forms/{block}")
                continue
            try:
                data[step.name] = self._parse_answer(turn, form, step, raw)
            except Invalid as invalid:
                problems[step.name] = turn.render(
                    f"forms/invalid_{invalid.block}", **invalid.context
                )
                continue
            if step.kind == "consent" and not data[step.name]:
                problems[step.name] = turn.render("forms/consent_required")
            elif step.kind == "consent":
                data[f"{step.name}_at"] = turn.now.isoformat()
        return data, problems

    async def submit(self, turn: Turn) -> list[Reply]:
        """Confirm a form answered at once (:data:`SUBMIT`), without touching a running one."""
        extras = turn.incoming.extras
        form = self.forms.get(str(extras.get("form")))
        if form is None:
            return [turn.reply("forms/closed", notice=True)]
        data, problems = self.check(turn, form, extras.get("answers") or {})
        if problems:
            return [Reply("\n".join(problems.values()))]
        initial = dict(form.start_data(turn) if form.start_data else {})
        return await form.on_confirm(turn, {**initial, **data})

    def _parse_answer(self, turn: Turn, form: Form, step: Step, raw: Any) -> Any:
        if step.kind != "multichoice":
            by_value = step.kind in ("choice", "consent")
            return self._parse(turn, form, step, str(raw), by_value=by_value)
        values = [raw] if isinstance(raw, str) else [str(value) for value in raw]
        known = {value for value, _ in step.choices(turn, form)}
        if any(value not in known for value in values):
            raise Invalid("choice")
        return list(dict.fromkeys(values))

    async def _off_topic(
        self, turn: Turn, step: Step, text: str, *, refused: bool = False
    ) -> list[Reply] | None:
        """The answer to a question asked instead of an answer, or None when it is none.

        ``refused``: the text does not fit the step, so a question without an answer in
        the knowledge base is told so rather than "please pick one of the options". An
        e-mail address or phone number never goes to the question log."""
        question = _looks_like_question(text)
        if self.question_hook is None:
            return None
        if step.kind in ("email", "phone") and (not question or "@" in text):
            return None
        answer = await self.question_hook(turn)
        if answer is None and refused and question:
            return [turn.reply("forms/question_unknown")]
        return answer

    # moving ----------------------------------------------------------------------------

    def _store(self, turn: Turn, form: Form, step: Step, value: Any) -> list[Reply]:
        data = {k: v for k, v in turn.state.data.items() if k != "_selected"}
        data[step.name] = value
        if step.kind == "consent" and value:
            data[f"{step.name}_at"] = turn.now.isoformat()
        if turn.state.mode == "edit":
            return self._to_summary(turn, form, data)
        history = [*data.get("_history", []), step.name]
        data["_history"] = history
        following = form.steps[form.index(step.name) + 1 :]
        if not following:
            return self._to_summary(turn, form, data)
        self._set(turn, form.name, following[0].name, "ask", data)
        return [self._ask(turn, form)]

    def _back(self, turn: Turn, form: Form) -> list[Reply]:
        data = dict(turn.state.data)
        data.pop("_selected", None)
        history = list(data.get("_history", []))
        if not history:
            return [turn.reply("forms/at_start"), self._ask(turn, form)]
        previous = history.pop()
        data["_history"] = history
        self._set(turn, form.name, previous, "ask", data)
        return [self._ask(turn, form)]

    def _to_summary(self, turn: Turn, form: Form, data: dict[str, Any]) -> list[Reply]:
        self._set(turn, form.name, SUMMARY, "summary", data)
        return [self.summary(turn, form)]

    async def _summary_text(self, turn: Turn, form: Form, control: str | None) -> list[Reply]:
        if control == "back":
            return self._back(turn, form)
        pressed = typed_choice(turn.text, self.summary(turn, form).choices)
        if pressed is not None:
            return await self._press(turn, form, pressed.action)
        if _fold(turn.text) in {"ja", "yes", "ok", "senden", "send", "bestatigen", "confirm"}:
            return await self._confirm(turn, form)
        off_topic = await self._off_topic(turn, form.steps[0], turn.text)
        return [*(off_topic or [turn.reply("forms/use_buttons")]), self.summary(turn, form)]

    async def _confirm(self, turn: Turn, form: Form) -> list[Reply]:
        data = {k: v for k, v in turn.state.data.items() if not k.startswith("_")}
        self.clear(turn)
        return await form.on_confirm(turn, data)

    # rendering -------------------------------------------------------------------------

    def _intro(self, turn: Turn, form: Form) -> list[Reply]:
        return [Reply(form.block(turn, "intro"))] if form.has_block(turn, "intro") else []

    def ask(self, turn: Turn) -> Reply | None:
        """The running form's current question (or its summary) once more, e.g. after a
        command in the middle; None when no form runs."""
        form = self.active(turn)
        if form is None:
            return None
        return self.summary(turn, form) if turn.state.mode == "summary" else self._ask(turn, form)

    def _ask(self, turn: Turn, form: Form) -> Reply:
        step = form.step(turn.state.step or form.steps[0].name)
        data = turn.state.data
        text = _counter(form, form.index(step.name)) + form.block(turn, step.name, data=data)
        if form.has_block(turn, f"{step.name}_hint"):
            text += "\n\n" + form.block(turn, f"{step.name}_hint")
        choices: list[Choice] = []
        if step.kind in ("choice", "multichoice", "consent"):
            options = (
                [("yes", form.block(turn, "opt_yes")), ("no", form.block(turn, "opt_no"))]
                if step.kind == "consent"
                else step.choices(turn, form)
            )
            selected = set(_selection(turn, step))
            verb = "t" if step.kind == "multichoice" else "o"
            for value, label in options:
                mark = "✓ " if value in selected else ""
                choices.append(Choice(mark + label, _action(step.name, verb, value)))
            if step.kind == "multichoice":
                choices.append(turn.choice("forms/button_done", _action(step.name, "done")))
        prefilled = _prefill(turn, step)
        if prefilled:
            text += "\n\n" + turn.render("forms/prefill", value=prefilled)
            choices.insert(
                0, turn.choice("forms/button_use", _action(step.name, "use"), value=prefilled)
            )
        if step.optional:
            choices.append(turn.choice("forms/button_skip", _action(step.name, "skip")))
        if turn.state.mode != "edit" and data.get("_history"):
            choices.append(turn.choice("forms/button_back", _action(step.name, "back")))
        choices.append(turn.choice("forms/button_cancel", _action(step.name, "cancel")))
        return Reply(text, tuple(choices))

    def summary(self, turn: Turn, form: Form) -> Reply:
        data = turn.state.data
        rows = [
            (
                form.block(turn, f"label_{step.name}"),
                self.display(turn, form, step, data.get(step.name)),
            )
            for step in form.steps
            if step.kind != "consent"
        ]
        intro = _counter(form, len(form.steps)) + form.block(turn, "summary", data=data)
        text = turn.render("forms/summary", intro=intro, rows=rows)
        choices = [turn.choice("forms/button_confirm", _action(SUMMARY, "ok"))]
        choices += [
            turn.choice("forms/button_edit", _action(SUMMARY, "e", step.name), label=label)
            for step, (label, _) in zip(
                (s for s in form.steps if s.kind != "consent"), rows, strict=True
            )
        ]
        choices.append(turn.choice("forms/button_cancel", _action(SUMMARY, "cancel")))
        return Reply(text, tuple(choices))

    def display(self, turn: Turn, form: Form, step: Step, value: Any) -> str:
        """A stored answer as the member sees it (labels for choices, '–' when skipped)."""
        if value is None or value == []:
            return "–"
        if step.kind in ("choice", "multichoice"):
            labels = dict(step.choices(turn, form))
            values = value if isinstance(value, list) else [value]
            return ", ".join(labels.get(v, str(v)) for v in values)
        return str(value)

    @staticmethod
    def _control_word(text: str) -> str | None:
        folded = text.strip().lower()
        return next(
            (word for word, spellings in CONTROL_WORDS.items() if folded in spellings), None
        )

    @staticmethod
    def _set(
        turn: Turn, form: str | None, step: str | None, mode: str | None, data: dict[str, Any]
    ) -> None:
        state = turn.state
        state.form, state.step, state.mode, state.data = form, step, mode, dict(data)
        state.version += 1
        state.updated_at = turn.now


def _prefill(turn: Turn, step: Step) -> str | None:
    """The stored answer a step offers, only ever in a private chat: it is the member's
    e-mail, phone or company."""
    if step.prefill is None or not turn.incoming.private:
        return None
    return step.prefill(turn)


def match_label(text: str, labels: Sequence[tuple[str, str]]) -> str | None:
    """The key of the (key, label) pair the member typed: emoji, case and punctuation
    aside, or the first word of exactly one label (``ja`` for "Ja, Mitglied"), or the
    start of exactly one label."""
    wanted = _fold(text)
    if not wanted:
        return None
    exact = [key for key, label in labels if wanted in (_fold(label), _fold(key))]
    if exact:
        return exact[0]
    first = [key for key, label in labels if _fold(label).split(" ")[0] == wanted]
    if len(first) == 1:
        return first[0]
    starts = [key for key, label in labels if _fold(label).startswith(wanted)]
    return starts[0] if len(starts) == 1 and len(wanted) >= 3 else None


def typed_choice(text: str, choices: Sequence[Choice]) -> Choice | None:
    """The shown button a typed number or label means: numbers count the buttons as shown."""
    number = plain_number(text.strip(), maximum=len(choices))
    if number is not None:
        return choices[number - 1] if number >= 1 else None
    action = match_label(text, [(choice.action, choice.label) for choice in choices])
    return next((choice for choice in choices if choice.action == action), None)


def _selection(turn: Turn, step: Step) -> list[str]:
    """The ticks of a multichoice step: those being made, else the stored answer, so going
    back or editing from the summary starts from the earlier selection."""
    data = turn.state.data
    selected = data["_selected"] if "_selected" in data else data.get(step.name)
    return list(selected or [])


def _counter(form: Form, index: int) -> str:
    """``**3/14** `` for the third question: every step is numbered, the summary last."""
    return f"**{index + 1}/{len(form.steps) + 1}** "


def _fold(text: str) -> str:
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


def _looks_like_question(text: str) -> bool:
    text = text.strip()
    return len(text) < 300 and (text.endswith("?") or bool(QUESTION_START.match(text)))
