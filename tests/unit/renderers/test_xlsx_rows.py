"""The roll-up workbook's rows are written as SpreadsheetML text (``renderers.xlsx``):
whatever a cell holds, Excel (here openpyxl, reading the saved file) sees the value,
type, number format and quote prefix the renderer gave it."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import replace

from openpyxl import Workbook, load_workbook

from renderers.rollup import build_rollup
from renderers.xlsx import (
    DATE_FORMAT,
    DATETIME_FORMAT,
    NUMBER_FORMAT,
    PERCENT_FORMAT,
    _put,
    _Sheet,
    _stream,
    _with_rows,
    render_rollup_xlsx,
)
from tests.unit.renderers.test_rollup import ENTRIES, INFO, TEMPLATE

AS_OF = dt.datetime(2026, 12, 20, 8, tzinfo=dt.UTC)

TEXTS = [
    "a < b && c > d",
    "  spaces kept around  ",
    "tab\there, line\nbreak",
    "carriage\rreturn",
    "Tiếng Việt có dấu: Sở Khoa học và Công nghệ",
    "emoji 😀 and CJK 漢字",
    "=SUM(A1:A9)",  # never a formula
    "-5 không phải số",
    '"quoted" and \'single\'',
]


def _saved(sheet: _Sheet) -> bytes:
    wb = Workbook(write_only=True)
    ws, rows = _stream(wb, sheet, PERCENT_FORMAT)
    buffer = io.BytesIO()
    wb.save(buffer)
    return _with_rows(buffer.getvalue(), {ws.path.lstrip("/"): rows})


def test_cells_read_back_as_written() -> None:
    sheet = _Sheet("Thử")
    sheet.freeze = (2, 1)
    for col, header in enumerate(["Văn bản", "Số", "Ngày"], start=1):
        _put(sheet, 1, col, header, bold=True)
    for n, text in enumerate(TEXTS, start=2):
        _put(sheet, n, 1, text)
    _put(sheet, 2, 2, 25430, kind="number")
    _put(sheet, 3, 2, 93.75, kind="number")
    _put(sheet, 4, 2, 98.887, kind="percent")
    _put(sheet, 5, 2, None, kind="number")
    _put(sheet, 6, 2, "", kind="text")
    _put(sheet, 2, 3, dt.datetime(2026, 12, 17, 10, 7))
    _put(sheet, 3, 3, dt.date(2026, 12, 18))
    _put(sheet, 14, 1, "sau các hàng trống")  # rows 11-13 left empty
    sheet.heights[1] = 40

    ws = load_workbook(io.BytesIO(_saved(sheet)))["Thử"]
    assert [ws.cell(n, 1).value for n in range(2, 2 + len(TEXTS))] == TEXTS
    assert all(ws.cell(n, 1).data_type == "s" for n in range(2, 2 + len(TEXTS)))
    formula = ws.cell(2 + TEXTS.index("=SUM(A1:A9)"), 1)
    assert formula.value == "=SUM(A1:A9)" and formula.quotePrefix
    assert ws.cell(14, 1).value == "sau các hàng trống"
    assert ws.cell(12, 1).value is None
    assert (ws["B2"].value, ws["B2"].number_format) == (25430, NUMBER_FORMAT)
    assert ws["B3"].value == 93.75
    assert (ws["B4"].value, ws["B4"].number_format) == (0.9888, PERCENT_FORMAT)  # cut
    assert ws["B5"].value is None and ws["B5"].border.left.style == "thin"
    assert ws["B6"].value is None
    assert (ws["C2"].value, ws["C2"].number_format) == (dt.datetime(2026, 12, 17, 10, 7),
                                                        DATETIME_FORMAT)
    assert (ws["C3"].value.date(), ws["C3"].number_format) == (dt.date(2026, 12, 18),
                                                               DATE_FORMAT)
    assert ws["A1"].font.bold and not ws["A2"].font.bold
    assert ws.row_dimensions[1].height == 40
    assert ws.freeze_panes == "A2"



def test_the_same_rollup_gives_the_same_workbook_bytes() -> None:
    rollup = build_rollup(TEMPLATE, ENTRIES, replace(INFO, as_of=AS_OF))
    first = render_rollup_xlsx(rollup)
    assert render_rollup_xlsx(rollup) == first
    package = zipfile.ZipFile(io.BytesIO(first))
    assert {info.date_time for info in package.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    # "modified" is the roll-up's time, as "created" is, not the time of saving
    assert b">2026-12-20T08:00:00Z</dcterms:modified>" in package.read("docProps/core.xml")
