"""The trainings catalogue (``knowledge/trainings.yaml``): loaded and checked with line numbers.

Staff edit the file by hand, so :func:`check` reports every mistake at once (file and line)
and :func:`load` refuses a file with problems: a wrong date must never reach members.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from knowledge.problems import Problem, message_of

Report = Callable[..., None]
Reporter = Callable[..., None]

CATALOGUE_FILE = Path(__file__).resolve().parent / "trainings.yaml"
TOPICS = ("japan", "korea", "usa", "canada", "ip", "funding")
LANGUAGES = ("de", "en")
DEFAULT_ZONE = "Europe/Berlin"
ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
MAX_ID_LENGTH = 40  # leaves room in button actions ("tr:show:<id>" ≤ 64 bytes)
REQUIRED: tuple[str, ...] = ("id", "topic", "title", "description", "start", "end", "place")
REQUIRED += ("language", "seats", "fee", "deadline")
OPTIONAL = ("timezone", "online", "currency", "cancellation")
LINE = "__line__"


class CatalogueError(Exception):
    """The catalogue has problems; ``problems`` lists them all."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = problems


@dataclass(frozen=True)
class CatalogueTraining:
    """One training as the office wrote it; times are aware, in the training's zone."""

    id: str
    topic: str
    title: dict[str, str]
    description: dict[str, str]
    starts_at: datetime
    ends_at: datetime
    timezone: str
    place: str
    online: bool
    language: str
    seats: int
    fee_member: float
    fee_non_member: float
    currency: str
    deadline: datetime
    cancellation: dict[str, str] | None = None
    """The office's cancellation terms per language; None where the file gives none."""


@dataclass(frozen=True)
class FieldProblem:
    """One mistake in one training, and the fields it is about (none: the whole training).

    The loader prints the message with file and line; the office's form shows it next to
    the field, worded from its ``code`` and ``params`` in the staff member's language."""

    message: str
    fields: tuple[str, ...] = ()
    code: str = ""
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict, compare=False, hash=False)

    @classmethod
    def of(cls, code: str, fields: tuple[str, ...] = (), **params: Any) -> FieldProblem:
        return cls(message_of(code, params), fields, code, params)


def validate(item: dict[str, Any]) -> tuple[CatalogueTraining | None, list[FieldProblem]]:
    """One training as the file or the office's form gives it: the training, or None and
    every problem. The one set of checks for both ways a training comes in."""
    problems: list[FieldProblem] = []
    training = _training(
        item,
        lambda code, fields, **params: problems.append(FieldProblem.of(code, fields, **params)),
    )
    return (training if not problems else None), problems


class _LineLoader(yaml.SafeLoader):
    """Remembers the line of every mapping, so problems can point at the training."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        mapping = super().construct_mapping(node, deep=deep)
        mapping[LINE] = node.start_mark.line + 1
        return mapping


def check(path: Path = CATALOGUE_FILE) -> list[Problem]:
    """Every problem of the catalogue file; empty when it is sound."""
    return _read(path)[1]


def load(path: Path = CATALOGUE_FILE) -> list[CatalogueTraining]:
    trainings, problems = _read(path)
    if problems:
        raise CatalogueError(problems)
    return trainings


def _read(path: Path) -> tuple[list[CatalogueTraining], list[Problem]]:
    name = str(path)
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
    except OSError as error:
        return [], [Problem(name, None, f"cannot read the catalogue: {error.strerror}")]
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        return [], [Problem(name, line, f"not valid YAML: {getattr(error, 'problem', error)}")]
    if not isinstance(document, dict) or not isinstance(document.get("trainings"), list):
        return [], [Problem(name, 1, "expected a mapping with a list under 'trainings'")]
    trainings: list[CatalogueTraining] = []
    problems: list[Problem] = []
    seen: set[str] = set()
    for item in document["trainings"]:
        if not isinstance(item, dict):
            problems.append(Problem(name, None, "every training must be a mapping"))
            continue
        training, errors = validate(item)
        if training is not None and training.id in seen:
            errors.append(FieldProblem.of("duplicate_training", ("id",), id=training.id))
        problems += [_at(name, item, error.message) for error in errors]
        if training is not None and not errors:
            seen.add(training.id)
            trainings.append(training)
    return trainings, problems


def _at(file: str, item: dict[str, Any], message: str) -> Problem:
    label = f"training {item['id']!r}: " if isinstance(item.get("id"), str) else ""
    return Problem(file, item.get(LINE), label + message)


def _training(item: dict[str, Any], problem: Reporter) -> CatalogueTraining | None:
    """The training, or None after telling ``problem(code, fields, **params)`` what is
    wrong."""
    errors = 0

    def report(code: str, *fields: str, **params: Any) -> None:
        nonlocal errors
        errors += 1
        problem(code, fields, **params)

    for key in item:
        if key != LINE and key not in REQUIRED + OPTIONAL:
            report("unknown_field", key=key)
    missing = [key for key in REQUIRED if item.get(key) in (None, "")]
    if missing:
        report("missing", *missing, names=", ".join(missing))
        return None
    identifier = str(item["id"])
    if not ID_PATTERN.match(identifier) or len(identifier) > MAX_ID_LENGTH:
        report("training_id", "id", limit=MAX_ID_LENGTH)
    if item["topic"] not in TOPICS:
        report("training_topic", "topic", topics=", ".join(TOPICS))
    if item["language"] not in LANGUAGES:
        report("training_language", "language")
    texts = {
        field: _texts(item[field], field, _for(report, field)) for field in ("title", "description")
    }
    cancellation = None
    if item.get("cancellation") not in (None, ""):
        cancellation = _texts(item["cancellation"], "cancellation", _for(report, "cancellation"))
    zone_name = str(item.get("timezone") or DEFAULT_ZONE)
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        report("unknown_timezone", "timezone", zone=zone_name)
        zone = ZoneInfo(DEFAULT_ZONE)
    starts_at = _moment(item["start"], zone, "start", _for(report, "start"))
    ends_at = _moment(item["end"], zone, "end", _for(report, "end"))
    deadline = _moment(
        item["deadline"], zone, "deadline", _for(report, "deadline"), end_of_day=True
    )
    if starts_at and ends_at and ends_at <= starts_at:
        report("end_before_start", "end")
    if starts_at and deadline and deadline > starts_at:
        report("deadline_after_start", "deadline")
    seats = item["seats"]
    if not isinstance(seats, int) or isinstance(seats, bool) or not 1 <= seats <= 500:
        report("seats", "seats")
    fees = _fees(item["fee"], _for(report, "fee"))
    online = item.get("online", False)
    if not isinstance(online, bool):
        report("online", "online")
    currency = str(item.get("currency", "EUR"))
    if not re.fullmatch(r"[A-Z]{3}", currency):
        report("currency", "currency")
    if errors or not (starts_at and ends_at and deadline and fees):
        return None
    return CatalogueTraining(
        id=identifier,
        topic=item["topic"],
        title=texts["title"],
        description=texts["description"],
        starts_at=starts_at,
        ends_at=ends_at,
        timezone=zone_name,
        place=str(item["place"]).strip(),
        online=online,
        language=item["language"],
        seats=seats,
        fee_member=fees[0],
        fee_non_member=fees[1],
        currency=currency,
        deadline=deadline,
        cancellation=cancellation,
    )


def _for(report: Reporter, field: str) -> Report:
    """A reporter that names ``field``, for the checks shared by several fields."""
    return lambda code, **params: report(code, field, **params)


def _texts(value: Any, field: str, problem: Report) -> dict[str, str]:
    if not isinstance(value, dict):
        problem("texts_per_language", field=field)
        return {}
    texts = {lang: str(value.get(lang) or "").strip() for lang in LANGUAGES}
    for lang, text in texts.items():
        if not text:
            problem("text_missing", field=field, language=lang)
    return texts


def _moment(
    value: Any,
    zone: ZoneInfo,
    field: str,
    problem: Report,
    *,
    end_of_day: bool = False,
) -> datetime | None:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time(23, 59) if end_of_day else time(0, 0))
    else:
        try:
            moment = datetime.fromisoformat(str(value).strip())
        except ValueError:
            problem("moment", field=field, value=value)
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment


def _fees(value: Any, problem: Report) -> tuple[float, float] | None:
    if not isinstance(value, dict) or set(value) - {"member", "non_member", LINE}:
        problem("fee_fields")
        return None
    amounts = [
        float(a)
        for a in (value.get("member"), value.get("non_member"))
        if isinstance(a, int | float) and not isinstance(a, bool) and a >= 0
    ]
    if len(amounts) != 2:
        problem("fee_numbers")
        return None
    member, non_member = amounts
    if member > non_member:
        problem("member_fee_higher")
    return member, non_member
