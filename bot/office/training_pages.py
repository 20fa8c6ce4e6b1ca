"""``/office/trainings``: the catalogue as the office reads it, read-only for now: dates,
place, seats taken and free, the waiting list. The figures are those members are shown
(:func:`bot.trainings.listed`)."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import select

from bot.office.context import office, signed
from bot.storage import Training
from bot.trainings.catalogue import Listed, listed


def routes(router: web.UrlDispatcher) -> None:
    router.add_get("/trainings", listing)


async def listing(request: web.Request) -> web.StreamResponse:
    here = office(request)
    now = here.now()
    async with here.app.database.transaction() as session:
        ids = (await session.execute(select(Training.id).order_by(Training.starts_at))).scalars()
        rows: list[Listed] = [row for i in ids.all() if (row := await listed(session, i))]
    language = signed(request).row.language
    return here.render(
        request,
        "trainings",
        coming=[row for row in rows if row.training.ends_at > now],
        past=[row for row in rows if row.training.ends_at <= now],
        title=lambda training: _text(training, "title", language),
    )


def _text(training: Training, field: str, language: str) -> str:
    texts = training.texts.get(field) or {}
    return str(texts.get(language) or next(iter(texts.values()), training.id))
