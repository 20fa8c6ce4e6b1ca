"""Rows of a list command as an aligned table, CSV or JSON: one printer for every list."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.csv_export import write_csv

FORMATS = ("table", "json", "csv")


def local_time(value: datetime | None, zone: ZoneInfo) -> str:
    """A stored (UTC) time as the office reads it."""
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M") if value else ""


def print_rows(
    rows: Sequence[dict[str, Any]], form: str, *, columns: Sequence[str], empty: str
) -> None:
    """``columns`` name the table's and the CSV's fields; JSON has each row whole."""
    if form == "json":
        print(json.dumps(list(rows), indent=2, ensure_ascii=False))
        return
    if form == "csv":
        safe_rows = ({c: _csv_cell(row.get(c)) for c in columns} for row in rows)
        write_csv(sys.stdout, columns, safe_rows)
        return
    cells = [[_cell(row.get(column)) for column in columns] for row in rows]
    header = [column.replace("_", " ").upper() for column in columns]
    widths = [max(len(text) for text in texts) for texts in zip(header, *cells, strict=False)]
    for line in (header, *cells):
        padded = (text.ljust(width) for text, width in zip(line, widths, strict=True))
        print("  ".join(padded).rstrip())
    if not rows:
        print(empty)


def _csv_cell(value: Any) -> Any:
    """Numbers stay numbers, so the formula guard leaves a negative count alone."""
    return value if isinstance(value, int | float) else _cell(value)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value))
    return str(value)
