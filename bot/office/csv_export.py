"""The filtered lead list as CSV that a spreadsheet opens as text, never as a formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(cell: object) -> str:
    """A cell a spreadsheet would take for a formula (``=``, ``+``, ``-``, ``@``, tab, CR
    first) gets a leading apostrophe, as OWASP's CSV injection advice says."""
    text = "" if cell is None else str(cell)
    return f"'{text}" if text.startswith(FORMULA_START) else text


def to_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([formula_safe(cell) for cell in header])
    writer.writerows([formula_safe(cell) for cell in row] for row in rows)
    return out.getvalue()
