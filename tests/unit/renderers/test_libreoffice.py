"""The rendered report opens in LibreOffice: it converts to a PDF with pages."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from renderers.report import render_report

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")

pytestmark = pytest.mark.skipif(
    SOFFICE is None,
    reason="LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui",
)


def _pdf_pages(pdf: bytes) -> int:
    """Count page objects in a PDF without a PDF library."""
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf))


def test_report_converts_to_pdf(template, answers, issued_info, tmp_path: Path) -> None:
    docx_path = tmp_path / "report.docx"
    docx_path.write_bytes(render_report(template, answers, issued_info))
    profile = tmp_path / "profile"  # a private profile: no clash with other soffice runs
    assert SOFFICE is not None
    result = subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(docx_path),
        ],
        capture_output=True,
        timeout=180,
        check=False,
    )
    pdf_path = tmp_path / "report.pdf"
    assert pdf_path.exists(), result.stderr.decode(errors="replace")
    pdf = pdf_path.read_bytes()
    assert pdf.startswith(b"%PDF")
    # header, sections, tables, signature and the appendix on its own page
    assert _pdf_pages(pdf) >= 2
