"""Forms declared as data and the one engine that runs them.

:mod:`~bot.forms.model` says what a form is (steps, texts, button actions),
:mod:`~bot.forms.parsing` reads answers (a parser per step kind),
:mod:`~bot.forms.rendering` draws questions and the summary, and
:mod:`~bot.forms.engine` moves a member through a form.
"""

from bot.forms.engine import FormEngine, QuestionHook
from bot.forms.model import (
    ACTION_PREFIX,
    LEGACY_VERBS,
    SUBMIT,
    SUMMARY,
    Form,
    Invalid,
    Options,
    Step,
    StepKind,
    Verb,
    action,
    cancel_action,
    person_name,
    read_action,
)
from bot.forms.parsing import CONTROL_WORDS, QUESTION_START, match_label, typed_choice

__all__ = [
    "ACTION_PREFIX",
    "CONTROL_WORDS",
    "LEGACY_VERBS",
    "QUESTION_START",
    "SUBMIT",
    "SUMMARY",
    "Form",
    "FormEngine",
    "Invalid",
    "Options",
    "QuestionHook",
    "Step",
    "StepKind",
    "Verb",
    "action",
    "cancel_action",
    "match_label",
    "person_name",
    "read_action",
    "typed_choice",
]
