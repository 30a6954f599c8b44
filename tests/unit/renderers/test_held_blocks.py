"""Text paragraphs and data tables written as WordprocessingML text and held out of
the tree (``Nd30Document.texts``, held tables) make exactly the document that the
same content written element by element makes: same markup, same page estimate,
same landscape placement, same share padding."""

from __future__ import annotations

import io
import zipfile

import pytest

from renderers.nd30 import Nd30Document, TableColumn
from renderers.percent import format_percent

LINES = [
    "Tình hình triển khai như sau:",  # a lead-in in the middle of the lines
    "- Sở Công Thương: hoàn thành 3 hệ thống; tỷ lệ " + format_percent(92.9) + ".",
    "Tổng số văn bản, trong đó:",
    "+ Văn bản đến: 1.234 văn bản;",
    "+ Văn bản đi: 567 văn bản, đạt " + format_percent(100) + ".",
    "+ Một mục sau danh sách.",
    "   Khoảng trắng ở đầu và cuối được bỏ   ",
    "",
    "Ký tự đặc biệt: a < b && c > d \"trích\" 'đơn' \u200bẩn",
    "Dòng có\ttab và\nxuống dòng",
    "Một đoạn rất dài " + "lặp lại nhiều lần để xuống nhiều dòng " * 40,
    "- Gạch đầu dòng cuối, dẫn vào bảng:",  # a lead-in that ends the lines
]

WIDE = [TableColumn(f"Cột số liệu thứ {i}", align="right") for i in range(16)]
NARROW = [TableColumn("Nội dung", align="left", weight=3.0),
          TableColumn("Số liệu", align="right")]


def _document_xml(doc: Nd30Document) -> bytes:
    return zipfile.ZipFile(io.BytesIO(doc.to_bytes())).read("word/document.xml")


def _write(doc: Nd30Document, *, bulk: bool) -> None:
    doc.heading(1, "I. PHẦN MỞ ĐẦU")
    for part in range(3):
        if bulk:
            doc.texts(LINES)
        else:
            for line in LINES:
                doc.text(line)
        rows = [[f"Hàng {n} & <{part}>", f"{n}.000"] for n in range(1, 40)]
        rows += [["Tỷ lệ A", "12,25%"], ["Tỷ lệ B", "45%"]]  # shares: padded document-wide
        doc.table(NARROW, rows, total=["Tổng", "39.000"], intro=["Số liệu như bảng sau:"])
        if part == 1:  # a landscape table waits for its page end while lines are written
            doc.table(WIDE, [[str(n * c) for c in range(16)] for n in range(1, 6)])
        doc.heading(2, f"{part + 1}. Mục tiếp theo")


@pytest.mark.parametrize("hold_tables", [True, False])
def test_texts_make_the_document_text_makes(hold_tables: bool,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Nd30Document, "hold_tables", hold_tables)
    bulk, single = Nd30Document(), Nd30Document()
    _write(bulk, bulk=True)
    _write(single, bulk=False)
    assert bulk._spill is not None and bulk._spill.held, "nothing was written as text"
    assert _document_xml(bulk) == _document_xml(single)


def test_held_tables_make_the_document_element_tables_make(
        monkeypatch: pytest.MonkeyPatch) -> None:
    held = Nd30Document()
    _write(held, bulk=False)
    assert held._spill is not None and held._spill.held, "no table was held as text"
    monkeypatch.setattr(Nd30Document, "hold_tables", False)
    elements = Nd30Document()
    _write(elements, bulk=False)
    assert elements._spill is None
    xml = _document_xml(held)
    assert xml == _document_xml(elements)
    assert b"urn:baocao:spill" not in xml
    assert "Hàng 7 &amp; &lt;2&gt;".encode() in xml
    for share in ("92,90%", "100,00%", "45,00%", "12,25%"):  # one number of decimals
        assert share.encode() in xml
