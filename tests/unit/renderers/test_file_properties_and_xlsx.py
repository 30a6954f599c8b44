"""Issue 18, points 6, 7 and 10: percentages with one number of decimals down a
column and the same digits in the XLSX as in the DOCX; file properties (title,
author, render time, no python-docx leftovers) of report, roll-up and workbook;
the roll-up workbook styled like the document."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl

from renderers.percent import cut_percent, uniform_percent_columns
from renderers.report import render_report
from renderers.rollup import build_rollup, render_rollup_docx
from renderers.xlsx import render_rollup_xlsx
from tests.unit.renderers.readback import open_docx
from tests.unit.renderers.test_rollup import ENTRIES, INFO, TEMPLATE

NOW = dt.datetime(2026, 12, 21, 3, 0, tzinfo=dt.UTC)


def test_percent_column_has_one_number_of_decimals() -> None:
    rows, total = uniform_percent_columns(
        [["1", "100%", "7"], ["2", "93,75%", "8"], ["3", "-", "9"]], ["Tổng", "96,8%", "24"])
    assert [r[1] for r in rows] == ["100,00%", "93,75%", "-"]
    assert total == ["Tổng", "96,80%", "24"]
    # a column of whole shares stays whole
    rows, _ = uniform_percent_columns([["100%"], ["50%"]], None)
    assert rows == [["100%"], ["50%"]]


def test_xlsx_share_is_cut_like_the_docx() -> None:
    # 91,967…%: the DOCX prints 91,96%; Excel's 0.00% of the exact value showed 91,97%
    assert cut_percent(2312 / 2514 * 100) == 91.96
    assert cut_percent(0.29 * 100) == 29.0


def test_report_file_properties(template, answers, issued_info) -> None:
    props = open_docx(render_report(template, answers, issued_info)).core_properties
    assert props.title == "Kết quả ứng dụng công nghệ thông tin của Sở Công Thương năm 2026"
    assert props.author == "Sở Công Thương" and props.last_modified_by == "Sở Công Thương"
    assert props.comments == "" and "python-docx" not in (props.author + props.comments)
    assert props.created.year >= 2026 and props.created == props.modified


def test_rollup_docx_and_xlsx_properties_and_styling() -> None:
    info = INFO.__class__(**{**INFO.__dict__, "as_of": NOW})
    rollup = build_rollup(TEMPLATE, ENTRIES, info)
    props = open_docx(render_rollup_docx(rollup)).core_properties
    assert props.author == "Sở Khoa học và Công nghệ"
    assert props.title.startswith("Tổng hợp ")
    assert props.created == NOW.replace(tzinfo=None) or props.created == NOW
    wb = openpyxl.load_workbook(io.BytesIO(render_rollup_xlsx(rollup)))
    assert wb.properties.creator == "Sở Khoa học và Công nghệ"
    assert wb.properties.title == props.title
    assert wb.properties.created.year == 2026
    status = wb["Tình hình nộp"]
    header = status.cell(row=1, column=2)
    assert header.font.name == "Times New Roman" and header.font.b
    assert status.freeze_panes == "A2"
    submitted = status.cell(row=2, column=5)
    assert isinstance(submitted.value, dt.datetime)  # a date, not text
    assert submitted.number_format == "dd/mm/yyyy hh:mm"
    body = status.cell(row=2, column=2)
    assert body.font.name == "Times New Roman" and body.border.left.style == "thin"
    # the agency-name column is wide enough for the names, not a fixed guess
    longest = max(len(e.agency.name) for e in ENTRIES)
    assert status.column_dimensions["B"].width >= longest
    tables = [ws for ws in wb.worksheets if ws.title[:2].isdigit()]
    assert tables and all(len(ws.title) > 3 for ws in tables)  # named for their table
