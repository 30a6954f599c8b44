"""Data and layout tables written as WordprocessingML: column widths from the
measured content, header rows repeated, no row split across pages, a total row
kept with the row above; and the paragraph helpers the document and cells share."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.table import _Cell
from docx.text.paragraph import Paragraph

from renderers.nd30_format import (
    STYLE,
    TABLE_CELL_MARGIN,
    Align,
    clean_text,
)
from renderers.textwidth import text_width_twips


@dataclass(frozen=True)
class TableColumn:
    """One column of a data table: header label, optional group label, alignment.

    ``width`` fixes the width in twips; other columns share what is left in
    proportion to ``weight``.
    """

    label: str
    group: str | None = None
    align: Align = "left"
    weight: float = 1.0
    width: int | None = None


_TABLE_FONT = 12  # pt, all table styles
#: A table too wide for a portrait page at 12 pt is set at 11 or 10 pt when that
#: fits, rather than getting a landscape page of its own (which ends the portrait
#: page before it wherever the text stops, often leaving most of it blank).
_MIN_TABLE_FONT = 10
_WIDTH_SLACK = 140  # twips: error of the width estimate and a hair of air
_MIN_COLUMN = 450
_FIGURE_COMFORT = 1300  # preferred width cap of a figure column
_TEXT_COMFORT = 3400  # preferred width cap of a text column


@lru_cache(maxsize=65536)  # a roll-up's agency names and labels repeat table after table
def _longest_word(text: str, *, bold: bool, size: float = _TABLE_FONT) -> int:
    return max((text_width_twips(w, size, bold=bold) for w in text.split()), default=0)


@lru_cache(maxsize=65536)
def _longest_line(text: str, size: float) -> int:
    return max(text_width_twips(x, size) for x in text.split("\n"))


def _natural_widths(
    columns: Sequence[TableColumn],
    rows: Sequence[Sequence[str]],
    total: Sequence[str] | None,
    total_span: int,
    size: float = _TABLE_FONT,
) -> tuple[list[int], list[int]]:
    """(minimum, preferred) width of each column, set at ``size`` pt.

    Minimum: figures on one line and no word broken. Preferred: text on as few
    lines as is reasonable (capped), header labels of figure columns unbroken
    up to a comfortable size.
    """
    pad = 2 * TABLE_CELL_MARGIN + _WIDTH_SLACK
    minimum, preferred = [], []
    for c, col in enumerate(columns):
        need = _longest_word(col.label, bold=True, size=size)
        label_line = text_width_twips(col.label, size, bold=True)
        want = min(label_line, _FIGURE_COMFORT - pad)
        for value in {row[c] if c < len(row) else "" for row in rows}:  # (figures repeat)
            if col.align == "left":
                need = max(need, min(_longest_word(value, bold=False, size=size), 2000))
                want = max(want, min(_longest_line(value, size), _TEXT_COMFORT - pad))
            else:
                need = max(need, _longest_line(value, size))
        if total is not None and total_span <= c < len(total):
            need = max(need, text_width_twips(total[c], size, bold=True))
        low = max(_MIN_COLUMN, need + pad, col.width or 0)
        minimum.append(low)
        preferred.append(col.width or max(low, want + pad))
    return minimum, preferred


def _distribute(
    columns: Sequence[TableColumn],
    minimum: Sequence[int],
    preferred: Sequence[int],
    total: int,
) -> list[int]:
    """Widths summing to ``total``: every column at least its minimum (shrunk in
    proportion only when even the minimums do not fit); spare room first brings
    columns toward their preferred width, then goes to text columns by weight."""
    widths = list(minimum)
    spare = total - sum(widths)
    if spare < 0:
        scale = total / sum(widths)
        widths = [int(w * scale) for w in widths]
    else:
        deficit = [max(0, p - m) for p, m in zip(preferred, minimum, strict=True)]
        wanted = sum(deficit)
        share = min(1.0, spare / wanted) if wanted else 0.0
        for i, d in enumerate(deficit):
            grow = int(d * share)
            widths[i] += grow
            spare -= grow
        # What is left goes to every column without a fixed width, by weight (text
        # columns weigh more), so a lone figure column is not squeezed by one wide
        # text column.
        free = [i for i, c in enumerate(columns) if not c.width]
        receivers = free or list(range(len(columns)))
        weight = sum(columns[i].weight for i in receivers) or 1.0
        for i in receivers:
            widths[i] += int(spare * columns[i].weight / weight)
    widths[-1] += total - sum(widths)
    return widths


def _cell_style(align: Align, total: bool) -> str:
    if total:
        return STYLE.TABLE_TOTAL_FIGURE if align == "right" else STYLE.TABLE_TOTAL
    return {
        "left": STYLE.TABLE_TEXT,
        "center": STYLE.TABLE_CENTER,
        "right": STYLE.TABLE_FIGURE,
    }[align]


# Tables are written as WordprocessingML text and parsed once: building a 100-row
# table cell by cell through python-docx proxies (or even lxml calls) costs far more
# than letting libxml2 parse it. The markup is what python-docx itself produces for
# add_table, cell widths, merges and runs, so the document reads the same.

_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_TABLE_LOOK = (
    '<w:tblLook w:firstColumn="1" w:firstRow="1" w:lastColumn="0" w:lastRow="0" '
    'w:noHBand="0" w:noVBand="1" w:val="04A0"/>'
)
_NO_BORDERS = (
    "<w:tblBorders>"
    + "".join(
        f'<w:{side} w:val="nil"/>'
        for side in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    + "</w:tblBorders>"
)
# Header rows repeat on every page; no row is ever split across two pages.
_HEADER_ROW = "<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>"
_ROW = "<w:tr><w:trPr><w:cantSplit/></w:trPr>"
_V_CENTER = '<w:vAlign w:val="center"/>'
_RUN_BREAKS = re.compile("([\t\r\n])")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _t_xml(text: str) -> str:
    if text.strip() != text:
        return f'<w:t xml:space="preserve">{_escape(text)}</w:t>'
    return f"<w:t>{_escape(text)}</w:t>"


def _run_xml(text: str) -> str:
    """One run holding ``text``; a tab becomes ``w:tab`` and a line break ``w:br``, as
    python-docx's ``add_run`` does."""
    if not text:
        return ""
    if "\t" not in text and "\r" not in text and "\n" not in text:
        return f"<w:r>{_t_xml(text)}</w:r>"
    parts = []
    for part in _RUN_BREAKS.split(text):
        if part == "\t":
            parts.append("<w:tab/>")
        elif part in ("\r", "\n"):
            parts.append("<w:br/>")
        elif part:
            parts.append(_t_xml(part))
    return "<w:r>" + "".join(parts) + "</w:r>"


def _style_id(style: str) -> str:
    return style.replace(" ", "")


@lru_cache(maxsize=65536)  # a long table's figures repeat down its columns
def _cell_xml(
    width: int, text: str, style: str | None, props: str = "", *, keep_next: bool = False,
    cleaned: bool = False,
) -> str:
    """A cell ``width`` twips wide holding ``text`` (one paragraph per line) in
    ``style``; ``props`` are the cell properties after the width (gridSpan, vMerge,
    vAlign). ``style`` None: the empty paragraph of a fresh cell. ``keep_next``
    keeps the row on the page of the next one (Word's way of holding rows together);
    ``cleaned``: ``text`` has been through :func:`clean_text` already."""
    head = f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{width}"/>{props}</w:tcPr>'
    keep = "<w:keepNext/>" if keep_next else ""
    if style is None:
        return head + (f"<w:p><w:pPr>{keep}</w:pPr></w:p>" if keep else "<w:p/>") + "</w:tc>"
    ppr = f'<w:p><w:pPr><w:pStyle w:val="{_style_id(style)}"/>{keep}</w:pPr>'
    lines = (text if cleaned else clean_text(text)).split("\n")
    return head + "".join(f"{ppr}{_run_xml(line)}</w:p>" for line in lines) + "</w:tc>"


def _table_xml(widths: Sequence[int], rows: Sequence[str], *, style: str | None,
               borders: bool, outdent: int = 0) -> str:
    """A centred fixed-layout table of the given column widths holding ``rows``;
    ``outdent`` > 0: left-aligned, reaching that far into the left margin."""
    place = (f'<w:jc w:val="left"/><w:tblInd w:w="{-outdent}" w:type="dxa"/>' if outdent
             else '<w:jc w:val="center"/>')
    props = (
        (f'<w:tblStyle w:val="{_style_id(style)}"/>' if style else "")
        + f'<w:tblW w:type="dxa" w:w="{sum(widths)}"/>{place}'
        + ("" if borders else _NO_BORDERS)
        + '<w:tblLayout w:type="fixed"/><w:tblCellMar>'
        + f'<w:top w:w="0" w:type="dxa"/><w:left w:w="{TABLE_CELL_MARGIN}" w:type="dxa"/>'
        + f'<w:bottom w:w="0" w:type="dxa"/><w:right w:w="{TABLE_CELL_MARGIN}" w:type="dxa"/>'
        + "</w:tblCellMar>"
        + _TABLE_LOOK
    )
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
    return (
        f'<w:tbl xmlns:w="{_W_NS}"><w:tblPr>{props}</w:tblPr><w:tblGrid>{grid}</w:tblGrid>'
        + "".join(rows)
        + "</w:tbl>"
    )


def _header_rows(columns: Sequence[TableColumn], widths: Sequence[int]) -> list[str]:
    """The bold centred header: one row, or two when columns have a ``group`` (the
    group's label spans its columns; an ungrouped label spans both rows)."""
    header = STYLE.TABLE_HEADER
    if not any(c.group for c in columns):
        cells = (_cell_xml(w, c.label, header, _V_CENTER, keep_next=True)
                 for c, w in zip(columns, widths, strict=True))
        return [_HEADER_ROW + "".join(cells) + "</w:tr>"]
    top, bottom = [], []
    i = 0
    while i < len(columns):
        group = columns[i].group
        if not group:
            top.append(_cell_xml(widths[i], columns[i].label, header,
                                 '<w:vMerge w:val="restart"/>' + _V_CENTER, keep_next=True))
            bottom.append(_cell_xml(widths[i], "", None, "<w:vMerge/>", keep_next=True))
            i += 1
            continue
        j = i
        while j + 1 < len(columns) and columns[j + 1].group == group:
            j += 1
        span = f'<w:gridSpan w:val="{j - i + 1}"/>' if j > i else ""
        top.append(_cell_xml(sum(widths[i : j + 1]), group, header, span + _V_CENTER,
                             keep_next=True))
        bottom.extend(
            _cell_xml(widths[k], columns[k].label, header, _V_CENTER, keep_next=True)
            for k in range(i, j + 1)
        )
        i = j + 1
    return [_HEADER_ROW + "".join(top) + "</w:tr>", _HEADER_ROW + "".join(bottom) + "</w:tr>"]


def _body_rows(columns: Sequence[TableColumn], widths: Sequence[int],
               rows: Sequence[Sequence[str]], *, keep_last: bool = False) -> list[str]:
    """The data rows (their texts cleaned, :func:`clean_text`); ``keep_last``: the last
    one stays with the row after it (a total row never stands alone under a repeated
    header)."""
    styles = [_cell_style(c.align, total=False) for c in columns]
    out = []
    for n, values in enumerate(rows, start=1):
        keep = keep_last and n == len(rows)
        cells = [
            _cell_xml(widths[c], values[c] if c < len(values) else "", styles[c],
                      keep_next=keep, cleaned=True)
            for c in range(len(columns))
        ]
        out.append(_ROW + "".join(cells) + "</w:tr>")
    return out


def _total_row(columns: Sequence[TableColumn], widths: Sequence[int], total: Sequence[str],
               total_span: int) -> str:
    """The bold total row; its first ``total_span`` cells merged into the label."""
    span = max(1, min(total_span, len(columns)))
    props = f'<w:gridSpan w:val="{span}"/>' if span > 1 else ""
    cells = [_cell_xml(sum(widths[:span]), total[0] if total else "", STYLE.TABLE_TOTAL, props)]
    cells.extend(
        _cell_xml(widths[c], total[c] if c < len(total) else "",
                  _cell_style(columns[c].align, total=True))
        for c in range(span, len(columns))
    )
    return _ROW + "".join(cells) + "</w:tr>"


_OWN_STYLES = frozenset(vars(STYLE)[k] for k in vars(STYLE) if k.isupper())


_W_P, _W_PPR, _W_PSTYLE, _W_VAL = qn("w:p"), qn("w:pPr"), qn("w:pStyle"), qn("w:val")
_W_R, _W_T, _W_SPACE = qn("w:r"), qn("w:t"), qn("xml:space")

#: An empty paragraph in each of this module's styles, copied for every new one.
_PARAGRAPHS = {
    style: parse_xml(
        f'<w:p xmlns:w="{_W_NS}"><w:pPr><w:pStyle w:val="{_style_id(style)}"/></w:pPr></w:p>'
    )
    for style in _OWN_STYLES
}


_W_KEEP_NEXT = qn("w:keepNext")


def keep_with_next(p: Any) -> None:
    """Keep paragraph element ``p`` on the page of the block after it: ``w:keepNext``
    right after its style, as python-docx's ``keep_with_next = True`` puts it (that
    setter first looks for each of thirty possible successors; in bulk it cost more
    than writing the paragraph)."""
    ppr = p[0] if len(p) and p[0].tag == _W_PPR else None
    if ppr is None:
        ppr = OxmlElement("w:pPr")
        p.insert(0, ppr)
    elif any(child.tag == _W_KEEP_NEXT for child in ppr):
        return
    ppr.insert(1 if len(ppr) and ppr[0].tag == _W_PSTYLE else 0, OxmlElement("w:keepNext"))


def _apply_style(paragraph: Paragraph, style: str) -> None:
    """Give ``paragraph`` one of this module's styles by id, without python-docx's
    lookup by name (which scans every style and made big tables slow)."""
    if style not in _OWN_STYLES:
        paragraph.style = style
        return
    p = paragraph._p
    ppr = p.find(_W_PPR)
    if ppr is None:
        ppr = OxmlElement("w:pPr")
        p.insert(0, ppr)
    pstyle = ppr.find(_W_PSTYLE)
    if pstyle is None:
        pstyle = OxmlElement("w:pStyle")
        ppr.insert(0, pstyle)  # pStyle is the first child of pPr
    pstyle.set(_W_VAL, _style_id(style))


def _add_text(paragraph: Paragraph, text: str) -> None:
    """Append ``text`` as one run (plain lxml: python-docx's run API is slow in bulk)."""
    if not text:
        return
    if "\t" in text or "\r" in text or "\n" in text:
        paragraph.add_run(text)
        return
    r = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.text = text
    if text != text.strip():
        t.set(_W_SPACE, "preserve")
    r.append(t)
    paragraph._p.append(r)


def _new_paragraph(container: Any, style: str) -> Paragraph:
    """``container.add_paragraph(style=style)`` without the slow lookup by name."""
    p = container.add_paragraph()
    _apply_style(p, style)
    return p


def _write_cell(cell: _Cell, text: str, style: str) -> Paragraph:
    """Replace the cell's content by ``text`` (one paragraph per line) in ``style``."""
    tc = cell._tc
    paragraphs = tc.findall(_W_P)
    for extra in paragraphs[1:]:
        tc.remove(extra)
    first_p = paragraphs[0]
    for child in list(first_p):
        if child.tag != _W_PPR:
            first_p.remove(child)
    first = Paragraph(first_p, cell)
    lines = clean_text(text).split("\n") or [""]
    _apply_style(first, style)
    _add_text(first, lines[0])
    for line in lines[1:]:
        p = Paragraph(OxmlElement("w:p"), cell)
        tc.append(p._p)
        _apply_style(p, style)
        _add_text(p, line)
    return first
