"""Read a DOCX back the way a reader sees it: texts, effective bold/italic/size."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import docx
from docx.document import Document as DocxDocument
from docx.table import Table
from docx.text.paragraph import Paragraph


def open_docx(data: bytes) -> DocxDocument:
    return docx.Document(io.BytesIO(data))


def body_paragraphs(document: DocxDocument) -> list[Paragraph]:
    """Paragraphs directly in the body (not inside tables)."""
    return list(document.paragraphs)


def texts(document: DocxDocument) -> list[str]:
    return [p.text for p in document.paragraphs if p.text.strip()]


def find_paragraph(document: DocxDocument, text: str) -> Paragraph:
    for p in iter_all_paragraphs(document):
        if p.text == text:
            return p
    raise AssertionError(
        f"no paragraph {text!r} in {[p.text for p in iter_all_paragraphs(document)]}"
    )


def iter_all_paragraphs(document: DocxDocument) -> Iterator[Paragraph]:
    yield from document.paragraphs
    for table in document.tables:
        yield from table_paragraphs(table)


def table_paragraphs(table: Table) -> Iterator[Paragraph]:
    """Every paragraph of the table once (a merged cell is visited once)."""
    seen: list[Any] = []  # the elements themselves: keeps their proxies alive
    for row in table.rows:
        for cell in row.cells:
            if any(tc is cell._tc for tc in seen):
                continue
            seen.append(cell._tc)
            yield from cell.paragraphs


def _style_chain(paragraph: Paragraph):
    style = paragraph.style
    while style is not None:
        yield style
        style = style.base_style


def effective(paragraph: Paragraph, attr: str) -> Any:
    """The value of font ``attr`` (bold/italic/size) a reader sees on the paragraph's
    text: the first run's own setting, else the paragraph style chain."""
    runs = [r for r in paragraph.runs if r.text]
    if runs:
        value = getattr(runs[0].font, attr)
        if value is not None:
            return value
    for style in _style_chain(paragraph):
        value = getattr(style.font, attr)
        if value is not None:
            return value
    return None


def effective_format(paragraph: Paragraph, attr: str) -> Any:
    """A paragraph-format attribute resolved through the style chain."""
    value = getattr(paragraph.paragraph_format, attr)
    if value is not None:
        return value
    for style in _style_chain(paragraph):
        value = getattr(style.paragraph_format, attr)
        if value is not None:
            return value
    return None


def size_pt(paragraph: Paragraph) -> float:
    size = effective(paragraph, "size")
    assert size is not None, paragraph.text
    return size.pt


def cell_texts(table: Table) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in table.rows]
