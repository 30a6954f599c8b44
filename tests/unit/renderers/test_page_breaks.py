"""Issue 18, point 1, read back from the DOCX: what keeps Word and LibreOffice from
cutting a row, the closing or a heading at a page end (the pages themselves are
checked in tests/integration/dialogs/test_pages.py)."""

from __future__ import annotations

from docx.oxml.ns import qn

from renderers.report import render_report
from tests.unit.renderers.readback import open_docx


def _keeps_next(paragraph) -> bool:
    if paragraph.paragraph_format.keep_with_next:
        return True
    style = paragraph.style
    while style is not None:
        if style.paragraph_format.keep_with_next:
            return True
        style = style.base_style
    return False


def test_rows_never_split_and_headers_repeat(template, answers, issued_info) -> None:
    doc = open_docx(render_report(template, answers, issued_info))
    data = [t for t in doc.tables if t.style is not None and t.style.name == "Table Grid"]
    assert data
    for table in data:
        for row in table.rows:
            assert row._tr.trPr is not None and row._tr.trPr.find(qn("w:cantSplit")) is not None
        assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None


def test_total_row_keeps_with_the_row_above(template, answers, issued_info) -> None:
    doc = open_docx(render_report(template, answers, issued_info))
    table = next(t for t in doc.tables if t.rows[-1].cells[0].text == "Tổng số")
    last_body_row = table.rows[-2]
    assert all(_keeps_next(c.paragraphs[0]) for c in last_body_row.cells)
    assert not _keeps_next(table.rows[-3].cells[1].paragraphs[0])


def test_closing_never_splits_and_keeps_with_the_last_paragraph(template, answers,
                                                                 issued_info) -> None:
    doc = open_docx(render_report(template, answers, issued_info))
    closing = next(t for t in doc.tables if t.rows[0].cells[0].paragraphs[0].text == "Nơi nhận:")
    assert closing.rows[0]._tr.trPr.find(qn("w:cantSplit")) is not None
    before = closing._tbl.getprevious()
    paragraph = next(p for p in doc.paragraphs if p._p is before)
    assert paragraph.text.startswith("Trên đây là báo cáo")
    assert _keeps_next(paragraph)


def test_headings_keep_with_next(template, answers, issued_info) -> None:
    doc = open_docx(render_report(template, answers, issued_info))
    headings = [p for p in doc.paragraphs if p.style.name.startswith("ND30 Heading")]
    assert headings and all(_keeps_next(p) for p in headings)
