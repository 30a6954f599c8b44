"""Decree 30 format checks on a DOCX read back, shared by the seed tests.

Each check reads what Word would show (effective bold/italic/size through the
style chain) and fails with the offending text."""

from __future__ import annotations

from typing import Any

from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm
from docx.table import Table
from docx.text.paragraph import Paragraph

from tests.unit.renderers.readback import (
    effective,
    effective_format,
    iter_all_paragraphs,
    size_pt,
    table_paragraphs,
)

FONT = "Times New Roman"


def body_texts(doc: DocxDocument) -> list[str]:
    return [p.text.strip() for p in doc.paragraphs if p.text.strip()]


def all_texts(doc: DocxDocument) -> list[str]:
    return [p.text.strip() for p in iter_all_paragraphs(doc) if p.text.strip()]


def paragraph(doc: DocxDocument, text: str) -> Paragraph:
    for p in iter_all_paragraphs(doc):
        if p.text.strip() == text:
            return p
    raise AssertionError(f"no paragraph {text!r} in {all_texts(doc)}")


def in_order(texts: list[str], expected: list[str]) -> None:
    """Every expected text is a paragraph, and they come in this order."""
    missing = [e for e in expected if e not in texts]
    assert not missing, f"missing {missing}\nin {texts}"
    positions = [texts.index(e) for e in expected]
    assert positions == sorted(positions), f"out of order: {expected}"


def check_page(doc: DocxDocument) -> None:
    for section in doc.sections:
        short, long_ = sorted((section.page_width, section.page_height))
        assert abs(short - Mm(210)) < Mm(1) and abs(long_ - Mm(297)) < Mm(1)
        assert Mm(20) - Mm(0.5) <= section.top_margin <= Mm(25) + Mm(0.5)
        assert Mm(20) - Mm(0.5) <= section.bottom_margin <= Mm(25) + Mm(0.5)
        assert Mm(30) - Mm(0.5) <= section.left_margin <= Mm(35) + Mm(0.5)
        assert Mm(15) - Mm(0.5) <= section.right_margin <= Mm(20) + Mm(0.5)


def check_fonts(doc: DocxDocument) -> None:
    """Times New Roman in every script slot of the defaults and of every style used;
    no run overrides it."""
    defaults = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault"))
    rfonts = defaults.find(qn("w:rPr")).find(qn("w:rFonts"))
    for slot in ("ascii", "hAnsi", "eastAsia", "cs"):
        assert rfonts.get(qn(f"w:{slot}")) == FONT, slot
    paragraphs = list(iter_all_paragraphs(doc))
    for section in doc.sections:
        paragraphs += section.header.paragraphs
    for name in {p.style.name for p in paragraphs} | {"Normal"}:
        style_fonts = doc.styles[name].element.rPr.find(qn("w:rFonts"))
        for slot in ("ascii", "hAnsi", "eastAsia", "cs"):
            assert style_fonts.get(qn(f"w:{slot}")) == FONT, (name, slot)
    for p in paragraphs:
        for run in p.runs:
            assert run.font.name in (None, FONT), (p.text, run.font.name)
            assert effective(p, "size") is None or 11 <= size_pt(p) <= 14, p.text


def _borderless(table: Table) -> bool:
    borders = table._tbl.tblPr.find(qn("w:tblBorders"))
    return borders is not None and all(b.get(qn("w:val")) == "nil" for b in borders)


def check_header(
    doc: DocxDocument,
    *,
    governing_body: str,
    agency: str,
    number_line: str,
    place_date: str,
    subject_line: str | None = None,
) -> None:
    header = doc.tables[0]
    assert _borderless(header)
    texts = [p.text for p in table_paragraphs(header)]
    gov = paragraph(doc, governing_body)
    assert not effective(gov, "bold") and 12 <= size_pt(gov) <= 13
    name = paragraph(doc, agency)
    assert effective(name, "bold") and 12 <= size_pt(name) <= 13
    national = paragraph(doc, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    assert effective(national, "bold") and 12 <= size_pt(national) <= 13
    motto = paragraph(doc, "Độc lập - Tự do - Hạnh phúc")
    assert effective(motto, "bold") and 13 <= size_pt(motto) <= 14
    assert number_line in texts, texts
    number = paragraph(doc, number_line)
    assert not effective(number, "italic") and not effective(number, "bold")
    assert size_pt(number) == 13
    date = paragraph(doc, place_date)
    assert effective(date, "italic") and 13 <= size_pt(date) <= 14
    # the number and the place/date share the second row of the header
    row = header.rows[1]
    assert number_line in row.cells[0].text and place_date in row.cells[1].text
    if subject_line is not None:
        vv = paragraph(doc, subject_line)
        assert vv in row.cells[0].paragraphs or vv.text in row.cells[0].text
        assert not effective(vv, "bold") and not effective(vv, "italic")
        assert 12 <= size_pt(vv) <= 13


def check_title(doc: DocxDocument, subject: str) -> None:
    title = paragraph(doc, "BÁO CÁO")
    assert effective(title, "bold") and 13 <= size_pt(title) <= 14
    assert effective_format(title, "alignment") == WD_ALIGN_PARAGRAPH.CENTER
    sub = paragraph(doc, subject)
    assert effective(sub, "bold") and 13 <= size_pt(sub) <= 14
    assert effective_format(sub, "alignment") == WD_ALIGN_PARAGRAPH.CENTER


def check_headings(doc: DocxDocument, headings: list[str]) -> None:
    """I. headings upper case and bold; 1. bold; 1.1. bold (italic allowed)."""
    for text in headings:
        p = paragraph(doc, text)
        assert effective(p, "bold"), text
        assert 13 <= size_pt(p) <= 14, text
        number = text.split(" ", 1)[0]
        if number.rstrip(".").isalpha():  # a Roman numeral
            words = [w for w in text.split() if not any(ch.isdigit() for ch in w)]
            assert all(w == w.upper() for w in words), text


def check_body(doc: DocxDocument, samples: list[str]) -> None:
    """Body paragraphs: 13-14 pt, upright, justified, first-line indent 1-1.27 cm,
    at least 6 pt after, line spacing single to 1.5."""
    for text in samples:
        p = paragraph(doc, text)
        assert 13 <= size_pt(p) <= 14, text
        assert not effective(p, "bold") and not effective(p, "italic"), text
        assert effective_format(p, "alignment") == WD_ALIGN_PARAGRAPH.JUSTIFY, text
        indent = effective_format(p, "first_line_indent")
        assert indent is not None and Mm(10) - Mm(0.2) <= indent <= Mm(12.7) + Mm(0.2), text
        assert effective_format(p, "space_after").pt >= 6, text
        spacing = effective_format(p, "line_spacing")
        assert spacing is None or 1.0 <= spacing <= 1.5, text


def check_closing(
    doc: DocxDocument,
    *,
    recipients: list[str],
    authority: str | None,
    position: str,
    signer: str,
) -> None:
    closing = doc.tables[-1] if not _has_appendix(doc) else _closing_table(doc)
    assert _borderless(closing)
    left, right = closing.rows[0].cells
    title = left.paragraphs[0]
    assert title.text == "Nơi nhận:"
    assert effective(title, "bold") and effective(title, "italic") and size_pt(title) == 12
    lines = [p.text for p in left.paragraphs[1:]]
    assert lines == recipients, lines
    for p in left.paragraphs[1:]:
        assert size_pt(p) == 11 and not effective(p, "bold") and not effective(p, "italic")
    signature = [p for p in right.paragraphs if p.text.strip()]
    expected = [x for x in (authority, position) if x] + [signer]
    assert [p.text for p in signature] == expected
    for p in signature:
        assert effective(p, "bold") and 13 <= size_pt(p) <= 14
        assert effective_format(p, "alignment") == WD_ALIGN_PARAGRAPH.CENTER
    for p in signature[:-1]:
        assert p.text == p.text.upper()
    # space to sign between the position and the name
    blank = [p for p in right.paragraphs if not p.text.strip()]
    assert len(blank) >= 3


def _has_appendix(doc: DocxDocument) -> bool:
    return any(effective_format(p, "page_break_before") for p in doc.paragraphs)


def _closing_table(doc: DocxDocument) -> Table:
    for table in doc.tables:
        if table.rows[0].cells[0].paragraphs[0].text == "Nơi nhận:":
            return table
    raise AssertionError("no closing table")


def check_page_numbers(doc: DocxDocument) -> None:
    """A PAGE field centred at the top from page 2; page 1's header is empty."""
    first = doc.sections[0]
    assert first.different_first_page_header_footer
    assert not any(p.text.strip() for p in first.first_page_header.paragraphs)
    assert not any(
        el.tag == qn("w:instrText") for p in first.first_page_header.paragraphs
        for el in p._p.iter()
    )
    header = first.header.paragraphs[0]
    instr = "".join(t.text for t in header._p.iter(qn("w:instrText")))
    assert instr.strip() == "PAGE"
    assert effective_format(header, "alignment") == WD_ALIGN_PARAGRAPH.CENTER
    assert 13 <= size_pt(header) <= 14 and not effective(header, "italic")


def check_appendix(doc: DocxDocument, label: str, title: str, note: str) -> Paragraph:
    """The appendix starts a new page: label 14 bold centred, title upper case bold,
    the "(Kèm theo …)" note italic."""
    p_label = paragraph(doc, label)
    assert effective_format(p_label, "page_break_before")
    assert effective(p_label, "bold") and size_pt(p_label) == 14
    assert effective_format(p_label, "alignment") == WD_ALIGN_PARAGRAPH.CENTER
    p_title = paragraph(doc, title)
    assert title == title.upper() and effective(p_title, "bold")
    assert 13 <= size_pt(p_title) <= 14
    p_note = paragraph(doc, note)
    assert effective(p_note, "italic") and 13 <= size_pt(p_note) <= 14
    body = [p.text.strip() for p in doc.paragraphs]
    assert body.index(label) < body.index(title) < body.index(note)
    return p_label


def data_tables(doc: DocxDocument) -> list[Table]:
    """The bordered tables (not the header and closing layout tables)."""
    return [t for t in doc.tables if not _borderless(t)]


def check_data_table(table: Table, *, figures: list[str], total_label: str | None) -> None:
    """Header row bold and centred; the figures right-aligned; a bold total row."""
    for p in table.rows[0].cells[0].paragraphs:
        assert effective(p, "bold")
        assert effective_format(p, "alignment") == WD_ALIGN_PARAGRAPH.CENTER
    for figure in figures:
        cells = [c for row in table.rows[1:] for c in row.cells if c.text == figure]
        assert cells, figure
        aligned = {effective_format(c.paragraphs[0], "alignment") for c in cells}
        assert WD_ALIGN_PARAGRAPH.RIGHT in aligned, figure
    if total_label is not None:
        last = table.rows[-1]
        assert last.cells[0].text == total_label
        assert all(effective(p, "bold") for c in last.cells for p in c.paragraphs if p.text)


def header_row(table: Table) -> list[str]:
    return [c.text for c in table.rows[0].cells]


def everything(doc: DocxDocument) -> str:
    return "\n".join(all_texts(doc))


__all__: list[Any] = [
    "all_texts",
    "body_texts",
    "check_appendix",
    "check_body",
    "check_closing",
    "check_data_table",
    "check_fonts",
    "check_header",
    "check_headings",
    "check_page",
    "check_page_numbers",
    "check_title",
    "data_tables",
    "everything",
    "header_row",
    "in_order",
    "paragraph",
]
