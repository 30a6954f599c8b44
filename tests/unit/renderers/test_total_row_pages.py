"""Issue 18, point 1: a total row never stands alone under a repeated header. The
table is pushed down one paragraph at a time until LibreOffice has to break it
just before the total row; the last data row must go to the next page with it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from renderers.nd30 import Nd30Document, TableColumn

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(
    SOFFICE is None or shutil.which("pdftotext") is None,
    reason="LibreOffice or poppler missing: make test installs them",
)


def _document(lead: int) -> bytes:
    doc = Nd30Document()
    for i in range(lead):
        doc.body(f"Đoạn văn số {i + 1} đẩy bảng xuống dưới.")
    rows = [[str(i), f"Đơn vị {i}", str(i * 10)] for i in range(1, 31)]
    doc.table([TableColumn("STT"), TableColumn("Cơ quan, đơn vị"), TableColumn("Số liệu")],
              rows, total=["Tổng số", "", "4.650"], total_span=2)
    return doc.to_bytes()


def _pages(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          check=True).stdout.decode()
    return text.split("\f")[:-1]


def test_total_row_never_alone_under_the_repeated_header(tmp_path: Path) -> None:
    leads = range(4, 9)
    for lead in leads:
        (tmp_path / f"t{lead}.docx").write_bytes(_document(lead))
    subprocess.run(
        [str(SOFFICE), f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
         "--headless", "--norestore", "--convert-to", "pdf", "--outdir", str(tmp_path),
         *(str(tmp_path / f"t{lead}.docx") for lead in leads)],
        capture_output=True, timeout=300, check=False)
    broken = 0
    for lead in leads:
        pdf = tmp_path / f"t{lead}.pdf"
        if not pdf.exists():
            pytest.skip("LibreOffice could not convert here")
        pages = _pages(pdf)
        total_page = next(p for p in pages if "Tổng số" in p)
        assert "Đơn vị 30" in total_page, (lead, total_page)  # the last row goes with it
        if len(pages) > 1:
            broken += 1
            assert "STT" in total_page  # under the repeated header
    assert broken, "no variant pushed the total row to the next page; the test proves nothing"
