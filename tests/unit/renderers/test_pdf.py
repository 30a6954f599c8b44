"""DOCX → PDF through LibreOffice: a PDF when it is installed, a clear Vietnamese
message when it is not or when it fails."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from renderers.nd30 import Nd30Document
from renderers.pdf import INSTALL_HINT, PdfError, convert, find_soffice, to_pdf


def _docx() -> bytes:
    doc = Nd30Document()
    doc.header(governing_body="UBND tỉnh Đồng Nai", agency_name="Sở Công Thương",
               number_line="Số: 05/BC-SCT", place_date="Đồng Nai, ngày 05 tháng 02 năm 2026")
    doc.title("Báo cáo", "Kết quả ứng dụng công nghệ thông tin")
    doc.body("Nội dung.")
    return doc.to_bytes()


def test_missing_libreoffice_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("renderers.pdf.shutil.which", lambda name: None)
    assert find_soffice() is None
    with pytest.raises(PdfError) as info:
        to_pdf(_docx())
    assert str(info.value) == INSTALL_HINT
    assert "Chưa cài LibreOffice" in str(info.value)
    assert "libreoffice-writer-nogui" in str(info.value)


def test_a_program_that_is_gone_is_reported_like_a_missing_one(tmp_path: Path) -> None:
    with pytest.raises(PdfError, match="Chưa cài LibreOffice"):
        to_pdf(_docx(), soffice=str(tmp_path / "soffice"))


def test_a_failing_conversion_is_reported_in_vietnamese(tmp_path: Path) -> None:
    fake = tmp_path / "soffice"
    fake.write_text("#!/bin/sh\necho 'Error: source file could not be loaded' >&2\nexit 1\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    with pytest.raises(PdfError) as info:
        to_pdf(_docx(), soffice=str(fake))
    assert str(info.value) == (
        "LibreOffice không chuyển được tệp sang PDF (Error: source file could not be loaded)."
    )


@pytest.mark.skipif(find_soffice() is None, reason="LibreOffice (soffice) is not installed: "
                    "apt-get install -y libreoffice-writer-nogui")
def test_converts_with_a_private_profile_and_no_warnings() -> None:
    result = convert(_docx())
    assert result.pdf.startswith(b"%PDF")
    assert result.warnings == []
