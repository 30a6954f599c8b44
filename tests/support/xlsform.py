"""Build small XLSForm workbooks in tests: rows as dicts, written with openpyxl."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook


def workbook(
    survey: Sequence[dict[str, Any]],
    choices: Sequence[dict[str, Any]] = (),
    settings: dict[str, Any] | None = None,
) -> bytes:
    """An .xlsx with sheets survey, choices and settings; row 1 holds the headers."""
    book = Workbook()
    sheets = [("survey", list(survey)), ("choices", list(choices))]
    if settings is not None:
        sheets.append(("settings", [settings]))
    first = True
    for title, rows in sheets:
        sheet = book.active if first else book.create_sheet(title)
        sheet.title = title
        first = False
        headers: list[str] = []
        for row in rows:
            headers += [k for k in row if k not in headers]
        if title == "choices" and not headers:
            headers = ["list_name", "name", "label"]
        sheet.append(headers)
        for row in rows:
            sheet.append([row.get(h) for h in headers])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
