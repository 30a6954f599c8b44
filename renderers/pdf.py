"""DOCX → PDF through LibreOffice, for agencies that sign and file a PDF.

:func:`to_pdf` runs ``soffice --headless --convert-to pdf`` in a private
temporary directory with its own ``-env:UserInstallation`` profile, so it never
clashes with a LibreOffice the user has open or with another conversion running
at the same time. The messages of :class:`PdfError` are Vietnamese: they are
shown to officers and DIC staff as they are.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["INSTALL_HINT", "PdfError", "PdfResult", "convert", "find_soffice", "to_pdf"]

INSTALL_HINT = (
    "Chưa cài LibreOffice nên không chuyển được sang PDF. "
    "Cài đặt: apt-get install -y libreoffice-writer-nogui (Debian/Ubuntu), "
    "hoặc tải tại https://www.libreoffice.org; sau đó chạy lại lệnh."
)
DEFAULT_TIMEOUT = 180.0

# The launcher prints this when no Java runtime is installed; it concerns Java
# extensions, never the conversion of a document.
_LAUNCHER_NOISE = ("javaldx",)


class PdfError(RuntimeError):
    """The conversion could not be done; the message says why, in Vietnamese."""


@dataclass(frozen=True)
class PdfResult:
    pdf: bytes
    warnings: list[str]  # what LibreOffice printed about the conversion (normally nothing)


def find_soffice() -> str | None:
    """The LibreOffice executable on PATH (``soffice`` or ``libreoffice``), if any."""
    return shutil.which("soffice") or shutil.which("libreoffice")


# PDF/A-2b (archival; what a signed document should be): LibreOffice >= 7.4 takes the
# export filter's options as JSON after the filter name
PDFA_FILTER = 'pdf:writer_pdf_Export:{"SelectPdfVersion":{"type":"long","value":"2"}}'


def convert(
    docx: bytes, *, soffice: str | None = None, timeout: float = DEFAULT_TIMEOUT,
    pdfa: bool = False,
) -> PdfResult:
    """Convert DOCX bytes to PDF bytes and report LibreOffice's warnings;
    ``pdfa``: as PDF/A-2b."""
    program = soffice or find_soffice()
    if program is None:
        raise PdfError(INSTALL_HINT)
    with tempfile.TemporaryDirectory(prefix="baocao-pdf-") as tmp:
        work = Path(tmp)
        source = work / "baocao.docx"
        source.write_bytes(docx)
        profile = (work / "profile").as_uri()
        command = [
            program,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--norestore",
            "--convert-to",
            PDFA_FILTER if pdfa else "pdf:writer_pdf_Export",
            "--outdir",
            str(work),
            str(source),
        ]
        env = {**os.environ, "HOME": str(work)}  # nothing written to the user's home
        try:
            done = subprocess.run(
                command, capture_output=True, timeout=timeout, check=False, env=env
            )
        except FileNotFoundError:
            raise PdfError(INSTALL_HINT) from None
        except subprocess.TimeoutExpired:
            raise PdfError(
                f"LibreOffice không chuyển xong sang PDF trong {timeout:.0f} giây."
            ) from None
        target = work / "baocao.pdf"
        stderr = done.stderr.decode("utf-8", errors="replace")
        if done.returncode != 0 or not target.exists():
            detail = stderr.strip().splitlines()[-1] if stderr.strip() else f"mã {done.returncode}"
            raise PdfError(f"LibreOffice không chuyển được tệp sang PDF ({detail}).")
        pdf = target.read_bytes()
    if not pdf.startswith(b"%PDF"):
        raise PdfError("LibreOffice trả về một tệp không phải PDF.")
    warnings = [
        line.strip()
        for line in stderr.splitlines()
        if line.strip() and not any(noise in line for noise in _LAUNCHER_NOISE)
    ]
    return PdfResult(pdf=pdf, warnings=warnings)


def to_pdf(docx_bytes: bytes, *, soffice: str | None = None, pdfa: bool = False) -> bytes:
    """The PDF of a DOCX document; :class:`PdfError` when LibreOffice is missing or fails."""
    return convert(docx_bytes, soffice=soffice, pdfa=pdfa).pdf
