"""``/office/``: the figures of the last weeks, the office's home page.

:mod:`bot.office.figures` counts, :mod:`bot.office.charts` draws; this module puts the
counts into the page language's words (weeks as dates, regions and fields as the member
was asked them) and hands the charts to the ``figures`` template.
"""

from __future__ import annotations

from aiohttp import web
from babel.dates import format_date

from bot.office.charts import Chart, chart
from bot.office.context import office, signed
from bot.office.figures import NO_FIELD, OUTCOMES, Figures, figures
from bot.office.lead_view import Words
from bot.storage import Training
from bot.templates import LOCALES

FIGURE_WORDS = "office/figure_words"
OUTCOME_COLOURS = ("#15803d", "#5aa9e6", "#d97706", "#9ca3af", "#b91c1c")
FEEDBACK_COLOURS = ("#15803d", "#b91c1c")


def routes(router: web.UrlDispatcher) -> None:
    router.add_get("/", home)


async def home(request: web.Request) -> web.StreamResponse:
    here = office(request)
    language = signed(request).row.language
    async with here.app.database.transaction() as session:
        found = await figures(session, here.now())
    words = Words(here.services, language)
    return here.render(
        request, "figures", figures=found, charts=charts(found, words), weeks=len(found.weeks)
    )


def charts(found: Figures, words: Words) -> list[Chart]:
    """The page's charts in reading order."""

    def say(block: str) -> str:
        return words.block(FIGURE_WORDS, block) or block

    weeks = [format_date(day, "d MMM", locale=LOCALES[words.language]) for day in found.weeks]

    def named(field: str) -> str:
        return say("no_field") if field == NO_FIELD else words.option("field", field) or field

    regions = found.regions.most_common()
    fields = found.fields.most_common()
    return [
        chart(
            "questions",
            say("questions_title"),
            say("questions_desc"),
            weeks,
            [(say(f"outcome_{o}"), list(found.questions[o])) for o in OUTCOMES],
            colours=OUTCOME_COLOURS,
        ),
        chart(
            "feedback",
            say("feedback_title"),
            say("feedback_desc"),
            weeks,
            [(say(f"feedback_{v}"), list(found.feedback[v])) for v in ("up", "down")],
            colours=FEEDBACK_COLOURS,
        ),
        chart(
            "leads",
            say("leads_title"),
            say("leads_desc"),
            weeks,
            [(named(f), list(values)) for f, values in sorted(found.leads.items())],
        ),
        chart(
            "regions",
            say("regions_title"),
            say("regions_desc"),
            [words.option("regions", r) or r for r, _ in regions],
            [(say("regions_title"), [n for _, n in regions])],
            horizontal=True,
        ),
        chart(
            "fields",
            say("fields_title"),
            say("fields_desc"),
            [named(f) for f, _ in fields],
            [(say("fields_title"), [n for _, n in fields])],
            horizontal=True,
        ),
        chart(
            "claim",
            say("claim_title"),
            say("claim_desc"),
            weeks,
            [(say("claim_series"), list(found.claim_hours))],
        ),
        chart(
            "seats",
            say("seats_title"),
            say("seats_desc"),
            [_title(row.training, words.language) for row in found.seats],
            [(say("seats_series"), [row.taken for row in found.seats])],
            horizontal=True,
            of=[row.training.seats for row in found.seats],
        ),
    ]


def _title(training: Training, language: str) -> str:
    titles = training.texts.get("title") or {}
    return str(titles.get(language) or next(iter(titles.values()), training.id))
