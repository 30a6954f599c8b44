"""Read a document page by page the way a clerk checks a printout: convert the DOCX
with LibreOffice, take each page's text with ``pdftotext`` and check that the
signature block, table rows and headings are never cut by a page end.

Texts are compared with whitespace collapsed (pdftotext breaks lines where the
page does). Used by the page tests; needs ``soffice`` and poppler's ``pdftotext``.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

import docx
from docx.document import Document as DocxDocument

from renderers.pdf import convert, find_soffice

__all__ = [
    "AVAILABLE",
    "check_headings_not_last",
    "check_rows_not_cut",
    "check_signature_on_one_page",
    "page_texts",
    "render_pages",
]

AVAILABLE = find_soffice() is not None and shutil.which("pdftotext") is not None
HEADING_STYLES = ("ND30 Heading 1", "ND30 Heading 2", "ND30 Heading 3")


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def page_texts(pdf: bytes) -> list[str]:
    """The text of every page (pdftotext separates pages with a form feed)."""
    done = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True,
                          check=True, timeout=120)
    pages = done.stdout.decode("utf-8").split("\f")
    if pages and not pages[-1].strip():
        pages.pop()
    return pages


def render_pages(docx_bytes: bytes, out: Path | None = None) -> list[str]:
    """DOCX → PDF (LibreOffice) → page texts; the PDF is kept at ``out`` for viewing."""
    pdf = convert(docx_bytes).pdf
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(pdf)
    return page_texts(pdf)


def _lines(page: str) -> list[str]:
    """The page's non-empty lines without the page number at its top."""
    lines = [x.strip() for x in page.splitlines() if x.strip()]
    if lines and lines[0].isdigit():
        lines = lines[1:]
    return lines


def check_signature_on_one_page(pages: list[str], position: str, signer: str) -> None:
    """The signer's position (last title line) and name are on the same page, and the
    name is not the first line of a page."""
    holders = [i for i, p in enumerate(pages) if signer in _norm(p)]
    assert holders, f"the signer {signer!r} is on no page"
    for i in holders:
        assert position in _norm(pages[i]), (
            f"page {i + 1} has {signer!r} without {position!r}: {_lines(pages[i])[:5]}"
        )
        first = _lines(pages[i])[0]
        assert first != signer, f"page {i + 1} starts with the signer's name alone"


def document_headings(document: DocxDocument) -> list[str]:
    """The headings, and the lead-ins (a paragraph ending with ":" announces what
    follows, so a page may not end with it either)."""
    return [
        p.text.strip() for p in document.paragraphs
        if p.text.strip() and (p.text.strip().endswith(":") or (
            p.style is not None and p.style.name in HEADING_STYLES))
    ]


def check_headings_not_last(pages: list[str], headings: Iterable[str]) -> None:
    """No page (but the last) ends with a heading, and no heading is cut by a page end."""
    normalized = [_norm(" ".join(_lines(p))) for p in pages]  # without page numbers
    for heading in headings:
        h = _norm(heading)
        for i, page in enumerate(normalized[:-1]):
            assert not page.endswith(h), f"page {i + 1} ends with the heading {heading!r}"
        if h not in " ".join(normalized):
            continue  # interleaved with something else by the text extraction
        assert any(h in page for page in normalized), f"heading {heading!r} cut by a page end"


def _cut(text: str) -> tuple[str, str] | None:
    """The first and last three words of a cell text long enough to wrap."""
    words = _norm(text).split()
    if len(words) < 8:
        return None
    return " ".join(words[:3]), " ".join(words[-3:])


def check_rows_not_cut(pages: list[str], document: DocxDocument) -> int:
    """Every data-table cell long enough to wrap begins and ends on one page;
    returns how many cells were checked (the caller asserts it is not zero)."""
    normalized = [_norm(p) for p in pages]
    checked = 0
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                ends = _cut(cell.text)
                if ends is None:
                    continue
                start, end = ends
                starts = {i for i, p in enumerate(normalized) if start in p}
                stops = {i for i, p in enumerate(normalized) if end in p}
                if not starts or not stops:
                    continue  # the extraction interleaved it with a neighbour cell
                checked += 1
                assert starts & stops, (
                    f"a table row is cut across pages: {start!r}… on pages "
                    f"{sorted(x + 1 for x in starts)}, …{end!r} on {sorted(x + 1 for x in stops)}"
                )
    return checked


def open_docx(data: bytes) -> DocxDocument:
    return docx.Document(io.BytesIO(data))
