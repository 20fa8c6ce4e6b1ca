"""XLSX for the office's spreadsheets, beside :mod:`bot.csv_export`.

A workbook keeps umlauts, dates and long texts without the CSV import dialog that staff
get wrong. Text cells are written as strings (``write_string``), never as formulas or
URLs, so a member's ``=HYPERLINK(…)`` stays text; the same ``'`` guard as the CSV is kept
so both files show a cell alike.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

import xlsxwriter

from bot.csv_export import safe_cell

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
"""The media type of a download."""
_MAX_WIDTH = 60


def xlsx_bytes(
    fieldnames: Sequence[str], rows: Iterable[Sequence[Any]], *, sheet: str = "optobot"
) -> bytes:
    """One sheet: a bold, frozen header row and the rows in ``fieldnames``' order."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    worksheet = workbook.add_worksheet(sheet[:31])
    bold = workbook.add_format({"bold": True})
    when = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    widths = [len(name) for name in fieldnames]
    for column, name in enumerate(fieldnames):
        worksheet.write_string(0, column, name, bold)
    for line, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            _write(worksheet, line, column, value, when, day)
            widths[column] = max(widths[column], min(len(str(value or "")), _MAX_WIDTH))
    for column, width in enumerate(widths):
        worksheet.set_column(column, column, width + 2)
    worksheet.freeze_panes(1, 0)
    workbook.close()
    return buffer.getvalue()


def _write(worksheet: Any, line: int, column: int, value: Any, when: Any, day: Any) -> None:
    if value is None or value == "":
        worksheet.write_blank(line, column, None)
    elif isinstance(value, bool):
        worksheet.write_boolean(line, column, value)
    elif isinstance(value, int | float):
        worksheet.write_number(line, column, value)
    elif isinstance(value, datetime):
        worksheet.write_datetime(line, column, value.replace(tzinfo=None), when)
    elif isinstance(value, date):
        worksheet.write_datetime(line, column, datetime(value.year, value.month, value.day), day)
    else:
        worksheet.write_string(line, column, str(safe_cell(str(value))))
