"""``/office/trainings/new`` and ``/office/trainings/{id}/edit``: a training as a form.

The form is turned into the mapping a training has in ``trainings.yaml`` and checked by
:func:`knowledge.catalogue.validate`, the loader's own checks; a problem is shown next to
its field and nothing is saved. Saving goes through :mod:`bot.trainings.changes`, as the CLI
does, and is recorded in the office audit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from multidict import MultiDictProxy
from sqlalchemy.exc import IntegrityError

from bot.office.audit import record
from bot.office.context import office, signed
from bot.office.links import PREFIX
from bot.office.problem_words import worded
from bot.storage import Training
from bot.trainings import changes
from bot.trainings.notices import TrainingNotices
from knowledge.catalogue import DEFAULT_ZONE, LANGUAGES, TOPICS, FieldProblem, validate

TEXTS = ("title", "description", "cancellation")
PLAIN = (
    "id",
    "topic",
    "start",
    "end",
    "deadline",
    "timezone",
    "place",
    "language",
    "seats",
    "fee_member",
    "fee_non_member",
    "currency",
)
LOCAL = "%Y-%m-%dT%H:%M"
"""The value of an ``<input type="datetime-local">``."""


def routes(router: web.UrlDispatcher) -> None:
    router.add_get("/trainings/new", new_form)
    router.add_post("/trainings/new", create)
    router.add_get("/trainings/{id}/edit", edit_form)
    router.add_post("/trainings/{id}/edit", save)


def values_of(training: Training) -> dict[str, str]:
    """The form's fields filled from a stored training, in its own time zone."""
    zone = ZoneInfo(training.timezone)
    values = {
        "id": training.id,
        "topic": training.topic,
        "start": training.starts_at.astimezone(zone).strftime(LOCAL),
        "end": training.ends_at.astimezone(zone).strftime(LOCAL),
        "deadline": training.deadline.astimezone(zone).strftime(LOCAL),
        "timezone": training.timezone,
        "place": training.place,
        "online": "on" if training.online else "",
        "language": training.language,
        "seats": str(training.seats),
        "fee_member": _amount(training.fee_member),
        "fee_non_member": _amount(training.fee_non_member),
        "currency": training.currency,
    }
    for field in TEXTS:
        for lang in LANGUAGES:
            values[f"{field}_{lang}"] = str((training.texts.get(field) or {}).get(lang) or "")
    return values


def blank() -> dict[str, str]:
    values = {name: "" for name in PLAIN}
    values.update({f"{f}_{lang}": "" for f in TEXTS for lang in LANGUAGES})
    values.update(timezone=DEFAULT_ZONE, currency="EUR", language="de", online="", topic="")
    return values


def values_from(form: MultiDictProxy[Any]) -> dict[str, str]:
    """What the office typed, as text, to show it again beside the problems."""
    values = {name: str(form.get(name) or "").strip() for name in blank()}
    values["online"] = "on" if form.get("online") else ""
    return values


def item_of(values: Mapping[str, str]) -> dict[str, Any]:
    """The form as a training of ``trainings.yaml``: the loader's checks apply unchanged."""
    item: dict[str, Any] = {
        name: values[name] for name in ("id", "topic", "start", "end", "deadline", "place")
    }
    item["language"] = values["language"]
    item["timezone"] = values["timezone"] or DEFAULT_ZONE
    item["currency"] = values["currency"] or "EUR"
    item["online"] = values["online"] == "on"
    item["seats"] = _number(values["seats"], int)
    item["fee"] = {
        "member": _number(values["fee_member"], float),
        "non_member": _number(values["fee_non_member"], float),
    }
    for field in TEXTS:
        texts = {lang: values[f"{field}_{lang}"] for lang in LANGUAGES}
        if field != "cancellation" or any(texts.values()):
            item[field] = texts if any(texts.values()) else None
    return item


def problems_by_field(
    problems: list[FieldProblem], say: Callable[[FieldProblem], str]
) -> tuple[dict[str, list[str]], list[str]]:
    """Each field's problems as ``say`` words them (a missing field is simply "required"),
    and the rest."""
    by_field: dict[str, list[str]] = {}
    general: list[str] = []
    for problem in problems:
        if not problem.fields:
            general.append(say(problem))
        for field in problem.fields:
            message = "required" if problem.code == "missing" else say(problem)
            by_field.setdefault(field, []).append(message)
    return by_field, general


async def new_form(request: web.Request) -> web.StreamResponse:
    return _form(request, blank(), creating=True)


async def edit_form(request: web.Request) -> web.StreamResponse:
    here = office(request)
    async with here.app.database.transaction() as session:
        training = await session.get(Training, request.match_info["id"])
        if training is None:
            raise web.HTTPNotFound()
        values = values_of(training)
    return _form(request, values, creating=False)


async def create(request: web.Request) -> web.StreamResponse:
    return await _submit(request, creating=True)


async def save(request: web.Request) -> web.StreamResponse:
    return await _submit(request, creating=False)


async def _submit(request: web.Request, *, creating: bool) -> web.StreamResponse:
    here = office(request)
    current = signed(request)
    values = values_from(await request.post())
    if not creating:
        values["id"] = request.match_info["id"]
    training, problems = validate(item_of(values))
    if training is None:
        by_field, general = problems_by_field(problems, _sayer(request))
        return _form(request, values, creating=creating, errors=by_field, general=general)
    now = here.now()
    try:
        async with here.app.database.transaction() as session:
            services = here.services
            notices = TrainingNotices(session, here.app.settings, services.templates, now)
            if creating:
                await changes.create(session, notices, training)
                action = "training_created"
                details: dict[str, Any] = {}
            else:
                _, report, changed = await changes.edit(session, notices, training)
                action = "training_edited"
                details = {
                    "fields": changed,
                    "promoted": len(report.promoted),
                    "moved": bool(report.moved),
                }
            await record(
                session, current.staff, action, now, subject=f"training:{training.id}", **details
            )
    except changes.ChangeRefused as refused:
        if refused.reason == "unknown":
            raise web.HTTPNotFound() from None
        errors: dict[str, list[str]] = {"id": [refused.reason]}
        return _form(request, values, creating=creating, errors=errors, general=[])
    except IntegrityError:  # the same id created by a second worker at the same moment
        return _form(request, values, creating=creating, errors={"id": ["exists"]}, general=[])
    raise web.HTTPSeeOther(f"{PREFIX}/trainings/{training.id}?done=saved")


def _form(
    request: web.Request,
    values: Mapping[str, str],
    *,
    creating: bool,
    errors: Mapping[str, list[str]] | None = None,
    general: list[str] | None = None,
) -> web.Response:
    return office(request).render(
        request,
        "training_form",
        status=400 if errors or general else 200,
        values=values,
        creating=creating,
        errors=errors or {},
        general=general or [],
        topics=[(topic, _topic_name(request, topic)) for topic in TOPICS],
        languages=LANGUAGES,
    )


def _sayer(request: web.Request) -> Callable[[FieldProblem], str]:
    """A problem in the signed-in staff member's language."""
    language = signed(request).row.language
    templates = office(request).services.templates
    return lambda problem: worded(
        templates, language, problem.code, problem.params, problem.message
    )


def _topic_name(request: web.Request, topic: str) -> str:
    """The topic as members read it in the chat."""
    language = signed(request).row.language
    return office(request).services.templates.render(language, "trainings/topic_name", topic=topic)


def _number(text: str, kind: type[int] | type[float]) -> Any:
    """A number if the text is one (a decimal comma too); else the text, which the checks
    then refuse with their own words."""
    if not text:
        return None
    try:
        return kind(text.replace(",", ".") if kind is float else text)
    except ValueError:
        return text


def _amount(value: float) -> str:
    return f"{value:g}"
