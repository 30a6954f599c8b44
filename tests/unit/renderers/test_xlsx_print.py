"""Issue 18, point 10: the roll-up XLSX, converted to PDF by LibreOffice Calc, reads
like the document: Vietnamese number format, whole header labels, every sheet on
pages of its own width rather than cut into strips of columns."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from renderers.rollup import build_rollup
from renderers.xlsx import render_rollup_xlsx
from tests.unit.renderers.test_rollup import ENTRIES, INFO, TEMPLATE

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(
    SOFFICE is None or shutil.which("pdftotext") is None,
    reason="LibreOffice or poppler missing: make test installs them",
)


def _pdf(xlsx: bytes, tmp: Path) -> Path:
    source = tmp / "tonghop.xlsx"
    source.write_bytes(xlsx)
    done = subprocess.run(
        [str(SOFFICE), f"-env:UserInstallation={(tmp / 'profile').as_uri()}", "--headless",
         "--norestore", "--convert-to", "pdf", "--outdir", str(tmp), str(source)],
        capture_output=True, timeout=240, check=False)
    target = tmp / "tonghop.pdf"
    if not target.exists():
        pytest.skip(f"LibreOffice Calc cannot convert here: {done.stderr[-200:]!r}")
    return target


def _pages(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          check=True).stdout.decode()
    return text.split("\f")[:-1]


def test_rollup_xlsx_prints_like_the_document(tmp_path: Path) -> None:
    xlsx = render_rollup_xlsx(build_rollup(TEMPLATE, ENTRIES, INFO))
    wb = openpyxl.load_workbook(io.BytesIO(xlsx))
    pages = _pages(_pdf(xlsx, tmp_path))
    # every sheet is scaled to the pages across its setup asks (one for the small
    # tables; the 75-column raw data gets 10): 34 pages, before 86, a column or two
    # on each
    assert len(pages) == sum(ws.page_setup.fitToWidth for ws in wb.worksheets) <= 40
    text = "\n".join(pages)
    assert "1.444" in text and "1,444" not in text  # Vietnamese thousands
    assert "2314,06%" in text and "2314.06%" not in text  # Vietnamese decimals
    assert "Trang 1/" in pages[0]
    # the wrapped header labels are printed whole (the row is tall enough)
    lan = next(p for p in pages if p.lstrip().startswith("Số máy tính kết nối mạng LAN"))
    assert "rộng (máy)" in lan
    for ws in wb.worksheets:
        assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        if ws.freeze_panes:
            assert ws.print_title_rows  # header rows repeat on every printed page
