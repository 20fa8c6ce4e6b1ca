"""One problem found in a knowledge file, shared by every checker that `optobot kb check` runs.

Staff fix the files by hand, so every problem names the file and, where known, the line.
A problem of a check the office's forms share has a stable ``code`` and its ``params``:
the office words it in the staff member's language from ``office/problems.j2`` while the
CLI prints the English ``message``, made from :data:`MESSAGES` with the same params.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

MESSAGES: dict[str, str] = {
    # a training (knowledge/catalogue.py)
    "unknown_field": "unknown field {key!r}",
    "missing": "missing {names}",
    "training_id": "id must be lower-case words joined by '-', at most {limit} characters",
    "training_topic": "topic must be one of {topics}",
    "training_language": "language must be de or en",
    "texts_per_language": "{field} needs a text per language (de, en)",
    "text_missing": "{field} is missing in {language}",
    "unknown_timezone": "unknown timezone {zone!r}",
    "moment": "{field} must be a date and time like 2027-01-12 09:00 (got {value!r})",
    "end_before_start": "end must be after start",
    "deadline_after_start": "deadline must not be after the start",
    "seats": "seats must be a whole number between 1 and 500",
    "fee_fields": "fee must have 'member' and 'non_member'",
    "fee_numbers": "fees must be numbers of at least 0",
    "member_fee_higher": "the member fee must not be higher than the non-member fee",
    "online": "online must be true or false",
    "currency": "currency must be a three-letter code like EUR",
    "duplicate_training": "duplicate id {id!r}",
    # an entry (knowledge/entries.py)
    "not_yaml": "not valid YAML: {error}",
    "entry_id": "id {id!r} must be lower-case words joined by '-'",
    "id_not_file": "id {id!r} differs from the file name {file}",
    "entry_topic": "topic {topic!r} is not one of {topics}",
    "not_mapping": "{what} must be a mapping of fields",
    "field_twice": "field {name!r} appears twice in {what}",
    "entry_unknown_field": "unknown field {name!r} in {what} (allowed: {allowed})",
    "lacks_field": "{what} lacks the field {name!r}",
    "not_text": "{what} must be text",
    "empty": "{what} is empty",
    "not_list": "{what} must be a list",
    "reviewed": "reviewed must be a date like 2026-11-24",
    "sources": "sources must list at least one source (title, url)",
    "source_url": "source url {url!r} must start with https://",
    "few_questions": "{language}.questions has {count} example questions, needs {needed}",
    "question_twice": "{language} example question {question!r} appears twice",
    "placeholder": (
        "{language}.answer has a bad placeholder ({error}); allowed: {{{{ office.email }}}}, "
        "{{{{ office.website }}}}, and {{{{ periods.questions }}}} etc. inside "
        "{{% if periods is defined %}}, and {{% if not in_form %}}"
    ),
    "answer_words": "{language}.answer has {count} words, keep it under {limit}",
    "id_used_twice": "id {id!r} is used by {other} too",
    "related_itself": "related lists the entry itself",
    "related_unknown": "related id {id!r} does not exist",
    "question_elsewhere": "{language} example question {question!r} is also one of {other}",
    "evaluation_question": (
        "evaluation question {question!r} is an example question of {owner}; "
        "keep evaluation questions out of the entries (or out of the set)"
    ),
    "test_question_fitted": (
        "test question {question!r} is in the development set {owner} too; "
        "a test set holds only questions nobody fitted on"
    ),
    "no_entry": "there is no entry {id!r}",
}
"""Every problem code and its English message, a :meth:`str.format` pattern of its params."""


def message_of(code: str, params: Mapping[str, Any]) -> str:
    """The English message of problem ``code``: what the CLI prints."""
    return MESSAGES[code].format(**params)


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    message: str
    code: str = field(default="", compare=False)
    """Empty for a problem only the CLI reports: the office then shows ``message``."""
    params: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @classmethod
    def of(cls, file: str, line: int | None, code: str, **params: Any) -> Problem:
        return cls(file, line, message_of(code, params), code, params)

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.message}"
