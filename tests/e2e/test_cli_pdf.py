"""``baocao render --pdf``: a PDF beside the DOCX through LibreOffice, or a clear
Vietnamese message when LibreOffice is missing (the DOCX is written either way)."""

from __future__ import annotations

from pathlib import Path

import pytest

from renderers.pdf import find_soffice
from tests.support.cli import Invoke


def test_render_pdf_without_libreoffice_explains_and_keeps_the_docx(
    run_cli: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run_cli("init", "--demo").exit_code == 0
    monkeypatch.setattr("renderers.pdf.shutil.which", lambda name: None)
    target = tmp_path / "out" / "draft.docx"
    result = run_cli("render", "1", "-o", str(target), "--pdf")
    assert result.exit_code == 1
    assert "Lỗi: Chưa cài LibreOffice nên không chuyển được sang PDF." in result.output
    assert "apt-get install -y libreoffice-writer-nogui" in result.output
    assert "(Bản DOCX đã được ghi.)" in result.output
    assert target.exists() and not target.with_suffix(".pdf").exists()


@pytest.mark.skipif(find_soffice() is None, reason="LibreOffice (soffice) is not installed: "
                    "apt-get install -y libreoffice-writer-nogui")
def test_render_pdf_writes_both_files(run_cli: Invoke, tmp_path: Path) -> None:
    assert run_cli("init", "--demo").exit_code == 0
    target = tmp_path / "out" / "draft.pdf"  # a .pdf name: the DOCX goes beside it
    result = run_cli("render", "1", "-o", str(target), "--pdf")
    assert result.exit_code == 0, result.output
    assert f"Đã ghi bản PDF: {target}" in result.output
    assert target.read_bytes().startswith(b"%PDF")
    assert target.with_suffix(".docx").read_bytes().startswith(b"PK")
