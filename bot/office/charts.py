"""Charts as inline SVG, drawn on the server: no script, no library, no request elsewhere.

A chart is data first (:class:`Chart`): the page shows its numbers as a table too, so a
screen reader and a person who wants the exact figure read the same numbers as the bars.
The SVG names itself with ``<title>``/``<desc>`` and every bar carries its number as text
or as a tooltip. Colours are presentation attributes, which the office's CSP allows
(``style-src 'self'`` forbids inline ``style``).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import count
from xml.sax.saxutils import escape, quoteattr

from markupsafe import Markup

PALETTE = ("#0b5fa5", "#5aa9e6", "#d97706", "#9ca3af", "#b91c1c", "#15803d", "#7c3aed", "#0f766e")
WIDTH = 480
BAR_HEIGHT = 20
_ids = count(1)


@dataclass(frozen=True)
class Series:
    name: str
    values: list[float | None]
    colour: str


@dataclass(frozen=True)
class Chart:
    """Columns (weeks or items) and one or more series stacked on them."""

    key: str
    title: str
    desc: str
    columns: list[str]
    series: list[Series]
    horizontal: bool = False
    of: list[int] | None = None
    """For horizontal bars: each bar's whole (seats), drawn as its track."""

    def totals(self) -> list[float]:
        return [sum(s.values[i] or 0 for s in self.series) for i in range(len(self.columns))]

    def svg(self) -> Markup:
        return Markup(_horizontal(self) if self.horizontal else _columns(self))


def chart(
    key: str,
    title: str,
    desc: str,
    columns: list[str],
    series: list[tuple[str, list[float | None]]],
    *,
    colours: tuple[str, ...] = PALETTE,
    horizontal: bool = False,
    of: list[int] | None = None,
) -> Chart:
    painted = [
        Series(name, values, colours[i % len(colours)]) for i, (name, values) in enumerate(series)
    ]
    return Chart(key, title, desc, columns, painted, horizontal, of)


def _number(value: float | None) -> str:
    if value is None:
        return "–"
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _frame(chart: Chart, height: int, body: list[str]) -> str:
    ident = f"chart-{chart.key}-{next(_ids)}"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'class="chart" role="img" aria-labelledby="{ident}-t {ident}-d" '
        f'id="chart-{chart.key}">'
        f'<title id="{ident}-t">{escape(chart.title)}</title>'
        f'<desc id="{ident}-d">{escape(chart.desc)}</desc>' + "".join(body) + "</svg>"
    )


def _text(x: float, y: float, text: str, *, anchor: str = "middle", klass: str = "") -> str:
    extra = f" class={quoteattr(klass)}" if klass else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="13" '
        f'fill="#1d2430"{extra}>{escape(text)}</text>'
    )


def _legend(chart: Chart) -> tuple[list[str], int]:
    """The series' colours and names in rows that fit the width; and the rows' height."""
    if len(chart.series) < 2:
        return [], 0
    parts: list[str] = []
    x, y = 8.0, 16.0
    for series in chart.series:
        wide = 30 + 7.5 * len(series.name)
        if x + wide > WIDTH and x > 8:
            x, y = 8.0, y + 18
        parts.append(
            f'<rect x="{x:.1f}" y="{y - 10:.1f}" width="12" height="12" fill="{series.colour}"/>'
        )
        parts.append(_text(x + 16, y, series.name, anchor="start"))
        x += wide
    return parts, int(y) + 12


def _columns(chart: Chart) -> str:
    """Vertical stacked columns, one per week, the total above each."""
    body, legend = _legend(chart)
    top, plot, left = legend + 8, 160, 8
    axis = top + plot
    totals = chart.totals()
    peak = max(totals, default=0) or 1
    slot = (WIDTH - 2 * left) / max(len(chart.columns), 1)
    bar = min(slot * 0.6, 56)
    body.append(f'<line x1="{left}" x2="{WIDTH - left}" y1="{axis}" y2="{axis}" stroke="#9ca3af"/>')
    for i, column in enumerate(chart.columns):
        x = left + slot * i + (slot - bar) / 2
        y = float(axis)
        for series in chart.series:
            value = series.values[i]
            if not value:
                continue
            h = plot * 0.85 * value / peak
            y -= h
            body.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'fill="{series.colour}"><title>{escape(column)} · {escape(series.name)}: '
                f"{_number(value)}</title></rect>"
            )
        shown = _number(totals[i]) if any(s.values[i] is not None for s in chart.series) else "–"
        body.append(_text(x + bar / 2, y - 4, shown, klass="total"))
        body.append(_text(x + bar / 2, axis + 18, column))
    return _frame(chart, axis + 28, body)


def _horizontal(chart: Chart) -> str:
    """One bar per item under its label, its number (of the whole) at the bar's end."""
    left, number_width, row = 8, 72, BAR_HEIGHT + 26
    track = WIDTH - 2 * left - number_width
    height = max(len(chart.columns), 1) * row + 4
    totals = chart.totals()
    wholes = chart.of or []
    peak = max([*totals, *wholes], default=0) or 1
    body = []
    for i, column in enumerate(chart.columns):
        y = i * row + 22
        label = column if len(column) <= 60 else column[:59] + "…"
        body.append(_text(left, y - 6, label, anchor="start"))
        if wholes:
            body.append(
                f'<rect x="{left}" y="{y}" width="{track * wholes[i] / peak:.1f}" '
                f'height="{BAR_HEIGHT}" fill="#e5e7eb"/>'
            )
        x = float(left)
        for series in chart.series:
            value = series.values[i] or 0
            w = track * value / peak
            body.append(
                f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{BAR_HEIGHT}" '
                f'fill="{series.colour}"><title>{escape(column)}: {_number(value)}</title></rect>'
            )
            x += w
        shown = _number(totals[i]) + (f" / {wholes[i]}" if wholes else "")
        end = left + track + 8
        body.append(_text(end, y + 16, shown, anchor="start", klass="total"))
    return _frame(chart, height, body)
