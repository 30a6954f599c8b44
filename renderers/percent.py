"""Percentages that read the same everywhere: one number of decimals down a table
column, and the XLSX holding exactly the digits the DOCX prints.

The documents cut a share to two decimals (``dialogs.vn.format_percent``, as the
seeds do: 98,887…% is "98,88%"), and drop trailing zeros ("100%"). In a table that
gives "100%" above "93,75%"; :func:`uniform_percent_columns` pads such a column to
the longest number of decimals ("100,00%"). :func:`cut_percent` is the value the
XLSX stores, so Excel's ``0.00%`` shows 91,96% where the DOCX prints 91,96%
(storing the exact 0.919677… made Excel round it to 91,97%).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from dialogs.vn import format_percent as vn_format_percent
from dialogs.vn import percent_rounding_mode

__all__ = [
    "MARK",
    "PERCENT_DECIMALS",
    "cut_percent",
    "document_percent_places",
    "format_percent",
    "mark_share",
    "uniform_document_percents",
    "uniform_percent_columns",
    "unmark",
]

PERCENT_DECIMALS = 2
_PERCENT = re.compile(r"^(\d{1,3}(?:\.\d{3})*)(?:,(\d+))?%\ue000?$")
#: Follows the "%" of a share the renderer formatted (a private-use character, never
#: printed): only those are padded; a share an officer typed is printed as typed.
MARK = "\ue000"


def format_percent(x: float | Decimal | None, decimals: int = PERCENT_DECIMALS) -> str:
    """:func:`dialogs.vn.format_percent` for a document: the share marked as the
    renderer's own (:data:`MARK`), so that :func:`uniform_document_percents` pads it."""
    text = vn_format_percent(x, decimals)
    return text + MARK if text else text


def mark_share(text: str) -> str:
    """``text`` marked as a share the renderer formatted when it is one ("92,9%")."""
    return text + MARK if _PERCENT.match(text) and not text.endswith(MARK) else text


def unmark(text: str) -> str:
    return text.replace(MARK, "") if MARK in text else text


def cut_percent(value: float | int | Decimal, decimals: int = PERCENT_DECIMALS) -> float:
    """A percentage (0-100 scale) cut (or rounded, inside ``percent_rounding("round")``)
    to ``decimals`` places, after rounding away float noise (0,29 × 100 stays 29) —
    as ``format_percent`` does."""
    d = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    d = d.quantize(Decimal("1e-9"))
    return float(d.quantize(Decimal(1).scaleb(-decimals), rounding=percent_rounding_mode()))


def _pad(text: str, places: int, mark: bool) -> str:
    match = _PERCENT.match(text)
    if match is None:
        return text
    whole, frac = match.group(1), match.group(2) or ""
    end = MARK if mark or text.endswith(MARK) else ""
    return f"{whole},{frac.ljust(places, '0')}%{end}" if places else unmark(text) + end


def uniform_percent_columns(
    rows: Sequence[Sequence[str]], total: Sequence[str] | None,
    figures: Sequence[bool] | None = None, *, mark: bool = False,
) -> tuple[list[list[str]], list[str] | None]:
    """``rows`` (and the total row) with every percentage column printed with one
    number of decimals; other cells unchanged. The shares padded are those the
    renderer formatted (marked with :data:`MARK`, which they keep) and, in a column
    of ``figures`` (all by default), every cell that is a share — marked when
    ``mark``, so that the document pads it further where another share has more
    decimals. A share an officer typed in a text column is left as typed."""
    out = [list(r) for r in rows]
    total_out = list(total) if total is not None else None
    lines = [*out, *([total_out] if total_out is not None else [])]
    columns = max([len(r) for r in lines], default=0)
    for c in range(columns):
        figure = figures is None or (c < len(figures) and figures[c])
        # Only the shares are padded: a column mixing counts and shares (seed 002's
        # Phụ biểu "Số liệu") prints "92,90%" and "100,00%" next to "25".
        chosen = [r for r in lines if c < len(r) and (figure or r[c].endswith(MARK))]
        matches = [m for m in (_PERCENT.match(r[c]) for r in chosen) if m is not None]
        if not matches:
            continue
        places = max(len(m.group(2) or "") for m in matches)
        for r in chosen:
            r[c] = _pad(r[c], places, mark)
    return out, total_out


#: A share the renderer formatted, inside running text or a cell: "92,9%", "1.234,5%",
#: "100%" followed by :data:`MARK`. Matched up to the mark (``endpos``), found from it.
_IN_TEXT = re.compile(r"(?<![\d.,])(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d+))?%\Z")
#: How far before its mark a share is looked for first (a share is a few characters).
_REACH = 64


def _shares(text: str) -> list[re.Match[str]]:
    """The marked shares of ``text``, in order, each matched up to its mark.

    Found from the marks rather than by scanning the text with the pattern: the texts
    are whole blocks of document XML (a roll-up's hundreds of thousands of
    paragraphs), full of digits that are not shares."""
    out = []
    mark = text.find(MARK)
    while mark != -1:
        start = max(0, mark - _REACH)
        found = _IN_TEXT.search(text, start, mark)
        if found is None and start:  # a longer number: look from the beginning
            found = _IN_TEXT.search(text, 0, mark)
        if found is not None:
            out.append(found)
        mark = text.find(MARK, mark + 1)
    return out


def _places_in(text: str) -> list[int]:
    return [len(m.group(2) or "") for m in _shares(text)] if MARK in text else []


def _pad_text(text: str, places: int) -> str:
    """``text`` with its marked shares padded to ``places`` decimals and every mark
    removed."""
    if MARK not in text:
        return text
    if places:
        parts, at = [], 0
        for m in _shares(text):
            frac = m.group(2) or ""
            parts += [text[at:m.start()], f"{m.group(1)},{frac.ljust(places, '0')}%"]
            at = m.end()
        text = "".join(parts) + text[at:]
    return text.replace(MARK, "")


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _runs(doc: Any) -> list[Any]:
    """Every run of the body (the tables' too, nested or not) that holds a "%": a
    share is only ever in such a run. The runs are found from their ``w:t`` texts
    (python-docx's ``Run.text`` costs an XPath query a run: ~200,000 of them in a
    roll-up of 500 agencies)."""
    return _runs_in(doc.element.body)


def _runs_in(element: Any) -> list[Any]:
    """The runs under ``element`` that hold a "%" (see :func:`_runs`)."""
    from docx.text.run import Run  # local: python-docx only where documents are made

    found: dict[Any, None] = {}
    for t in element.iter(_W + "t"):
        text = t.text
        if text and "%" in text:
            parent = t.getparent()
            if parent is not None and parent.tag == _W + "r":
                found[parent] = None
    return [Run(r, None) for r in found]


def document_percent_places(doc: Any) -> int:
    """The most decimals any share of the document prints (0 when none has any)."""
    return max((p for r in _runs(doc) for p in _places_in(r.text)), default=0)


def uniform_document_percents(doc: Any, at_least: int = 0) -> int:
    """Pad every share the renderer formatted (marked) in a python-docx ``doc`` to one
    number of decimals — the most
    any share prints (or ``at_least``, those of blocks no longer in the tree) — so
    "100%" in the text and "92,9%" in a table read "100,00%" and "92,90%" beside
    "93,75%". Returns the number of decimals used."""
    places = max(document_percent_places(doc), at_least)
    for run in _runs(doc):
        text = run.text
        padded = _pad_text(text, places)
        if padded != text:
            run.text = padded
    return places
