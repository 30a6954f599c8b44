"""Issue 18, point 6: every share of a document printed with one number of decimals
(down a column, in mixed count/share columns, in running text), cut as the seeds do
or rounded where the template says ``percent: round``; the XLSX shows the DOCX's digits."""

from __future__ import annotations

import io
import re

import openpyxl

from dialogs.vn import format_percent, percent_rounding
from renderers.nd30 import Nd30Document, TableColumn
from renderers.percent import MARK, cut_percent, mark_share
from renderers.report import render_report
from renderers.rollup import build_rollup, render_rollup_docx
from renderers.xlsx import render_rollup_xlsx
from tests.unit.renderers.conftest import SAMPLE, make_template
from tests.unit.renderers.readback import iter_all_paragraphs, open_docx
from tests.unit.renderers.test_rollup import ENTRIES, INFO, TEMPLATE

SHARE = re.compile(r"(?<![\d.,])\d[\d.]*(?:,(\d+))?%")


def _shares(data: bytes) -> list[str]:
    doc = open_docx(data)
    return [m.group(0) for p in iter_all_paragraphs(doc) for m in SHARE.finditer(p.text)]


def _places(shares: list[str]) -> set[int]:
    return {len(s.rstrip("%").partition(",")[2]) for s in shares}


def test_mixed_column_and_running_text_share_one_number_of_decimals() -> None:
    # seed 002's Phụ biểu: a "Số liệu" column with counts and shares ("92,9%", "100%")
    doc = Nd30Document()
    doc.body(f"Ứng dụng chữ ký số: {mark_share('100%')} lãnh đạo đã ký số.")
    doc.table([TableColumn("STT"), TableColumn("Nội dung"),
               TableColumn("Số liệu", align="right")],
              [["1", "Số văn bản đi", "1.250"], ["2", "Tỷ lệ ký số", "92,9%"],
               ["3", "Tỷ lệ lãnh đạo có chữ ký số", "100%"], ["4", "Tỷ lệ gửi nhận", "93,75%"]])
    out = open_docx(doc.to_bytes())
    cells = [row.cells[2].text for row in out.tables[0].rows]
    assert cells == ["Số liệu", "1.250", "92,90%", "100,00%", "93,75%"]
    text = " ".join(p.text for p in out.paragraphs)
    assert "100,00% lãnh đạo" in text


def test_document_without_decimals_keeps_whole_shares() -> None:
    doc = Nd30Document()
    doc.body("Đạt 100% kế hoạch, 50% đơn vị.")
    out = open_docx(doc.to_bytes())
    assert "Đạt 100% kế hoạch, 50% đơn vị." in [p.text for p in out.paragraphs]


def test_report_shares_are_cut_by_default_and_rounded_when_the_template_says() -> None:
    assert format_percent(98.8871) == "98,88%"
    with percent_rounding("round"):
        assert format_percent(98.8871) == "98,89%"
        assert cut_percent(98.8871) == 98.89
    assert cut_percent(98.8871) == 98.88
    assert format_percent(98.8871) == "98,88%"  # the setting does not leak
    cut = make_template(SAMPLE)
    rounded = make_template({**SAMPLE, "percent": "round"})
    assert cut.percent == "cut" and rounded.percent == "round"


def test_report_document_has_one_number_of_decimals(template, answers, issued_info) -> None:
    shares = _shares(render_report(template, answers, issued_info))
    assert shares, "the sample report prints shares"
    assert len(_places(shares)) == 1, shares


def test_rollup_docx_and_xlsx_show_the_same_digits() -> None:
    rollup = build_rollup(TEMPLATE, ENTRIES, INFO)
    shares = _shares(render_rollup_docx(rollup))
    assert shares and len(_places(shares)) == 1, shares
    places = _places(shares).pop()
    wb = openpyxl.load_workbook(io.BytesIO(render_rollup_xlsx(rollup)))
    formats = {c.number_format for ws in wb.worksheets for row in ws.iter_rows() for c in row
               if isinstance(c.value, float | int) and c.number_format.endswith("%")}
    assert formats == {"[$-42A]0.00%" if places == 2 else "[$-42A]0%"}
    docx_shares = set(shares)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.number_format == "[$-42A]0.00%" and isinstance(c.value, float | int):
                    # the stored value has no digit beyond what the format shows
                    assert round(c.value * 10000, 6) == int(round(c.value * 10000, 6))
                    shown = (f"{c.value * 100:,.2f}".replace(",", " ").replace(".", ",")
                             .replace(" ", ".") + "%")  # what Excel shows, in Vietnamese
                    if ws.title[:2].isdigit():  # a table the DOCX prints
                        assert shown in docx_shares, (ws.title, shown)


def test_shares_an_officer_typed_are_printed_as_typed() -> None:
    # seed 002: the officer wrote "100%" in a narrative; the document has "92,9%" of its own
    doc = Nd30Document()
    doc.body("Tỷ lệ hồ sơ trực tuyến đạt " + mark_share("92,9%") + ".")
    doc.body("Đã triển khai 100% các phòng, ban; đạt 45,5% kế hoạch năm.")
    doc.table([TableColumn("Nội dung"), TableColumn("Ghi chú"),
               TableColumn("Tỷ lệ", align="right")],
              [["Văn bản đi", "đạt 100%", "93,75%"], ["Văn bản đến", "100%", "100%"]])
    out = open_docx(doc.to_bytes())
    texts = [p.text for p in iter_all_paragraphs(out)]
    assert "Tỷ lệ hồ sơ trực tuyến đạt 92,90%." in texts  # padded: the renderer's own
    assert "Đã triển khai 100% các phòng, ban; đạt 45,5% kế hoạch năm." in texts  # as typed
    rows = [[c.text for c in row.cells] for row in out.tables[0].rows]
    assert rows[1:] == [["Văn bản đi", "đạt 100%", "93,75%"], ["Văn bản đến", "100%", "100,00%"]]
    assert not any(MARK in t for t in texts)


def test_seed_002_free_text_keeps_the_officers_share(template, answers, issued_info) -> None:
    narrative = next(q for q in template.iter_questions()
                     if q.type.value == "text" and q.long)
    data = render_report(template, {**answers, narrative.id: "Đạt 100% kế hoạch đề ra."},
                         issued_info)
    texts = [p.text for p in iter_all_paragraphs(open_docx(data))]
    assert any("Đạt 100% kế hoạch đề ra." in t for t in texts), texts
    assert not any(MARK in t for t in texts)
