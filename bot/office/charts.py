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
WIDTH = 640
BAR_HEIGHT = 22
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
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="12" '
        f'fill="#1d2430"{extra}>{escape(text)}</text>'
    )


def _legend(chart: Chart, y: float) -> list[str]:
    if len(chart.series) < 2:
        return []
    parts, x = [], 8.0
    for series in chart.series:
        parts.append(
            f'<rect x="{x:.1f}" y="{y - 10:.1f}" width="12" height="12" fill="{series.colour}"/>'
        )
        parts.append(_text(x + 16, y, series.name, anchor="start"))
        x += 28 + 7 * len(series.name)
    return parts


def _columns(chart: Chart) -> str:
    """Vertical stacked columns, one per week, the total above each."""
    top, plot, left = 28 if len(chart.series) > 1 else 8, 160, 8
    height = top + plot + 40
    totals = chart.totals()
    peak = max(totals, default=0) or 1
    slot = (WIDTH - 2 * left) / max(len(chart.columns), 1)
    bar = min(slot * 0.6, 56)
    body = _legend(chart, 16)
    base = top + plot + 14
    body.append(
        f'<line x1="{left}" x2="{WIDTH - left}" y1="{base - 14}" y2="{base - 14}" '
        'stroke="#9ca3af"/>'
    )
    for i, column in enumerate(chart.columns):
        x = left + slot * i + (slot - bar) / 2
        y = float(top + plot + 14 - 14)
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
        body.append(_text(x + bar / 2, base + 8, column))
    return _frame(chart, height, body)


def _horizontal(chart: Chart) -> str:
    """One bar per item, its label on the left and its number (of the whole) on the right."""
    label_width, number_width, gap = 220, 90, 8
    track = WIDTH - label_width - number_width - 2 * gap
    height = max(len(chart.columns), 1) * (BAR_HEIGHT + 8) + 8
    totals = chart.totals()
    wholes = chart.of or []
    peak = max([*totals, *wholes], default=0) or 1
    body = []
    for i, column in enumerate(chart.columns):
        y = 8 + i * (BAR_HEIGHT + 8)
        label = column if len(column) <= 32 else column[:31] + "…"
        body.append(_text(label_width, y + 15, label, anchor="end"))
        x0 = label_width + gap
        if wholes:
            body.append(
                f'<rect x="{x0}" y="{y}" width="{track * wholes[i] / peak:.1f}" '
                f'height="{BAR_HEIGHT}" fill="#e5e7eb"/>'
            )
        x = float(x0)
        for series in chart.series:
            value = series.values[i] or 0
            w = track * value / peak
            body.append(
                f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{BAR_HEIGHT}" '
                f'fill="{series.colour}"><title>{escape(column)}: {_number(value)}</title></rect>'
            )
            x += w
        shown = _number(totals[i]) + (f" / {wholes[i]}" if wholes else "")
        body.append(_text(WIDTH - number_width + gap, y + 15, shown, anchor="start", klass="total"))
    return _frame(chart, height, body)
