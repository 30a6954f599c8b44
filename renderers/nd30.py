"""A writer for administrative documents laid out per Decree 30/2020/NĐ-CP.

:class:`Nd30Document` knows the *format* (page, fonts, named styles, the header
and closing tables, headings, bullets, tables, page numbers, appendix); it knows
nothing about templates or answers — :mod:`renderers.report` drives it.

Every piece of text goes through :func:`clean_text`, so control characters and
lone surrogates never reach the XML. Formatting lives in named paragraph styles
("ND30 Body", "ND30 Heading 1", …) so the document stays editable in Word and
LibreOffice; rules under the agency name, the motto and the subject are bottom
borders of short centred paragraphs (no drawing shapes, no text boxes).
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION_START
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.shared import Pt, Twips
from docx.styles.style import BaseStyle
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph
from docx.text.run import Run
from lxml.etree import SubElement

from dialogs.invisible import strip_invisible
from renderers.docx_spill import Spill
from renderers.header_layout import header_layout, issues_in_own_name
from renderers.page_flow import LineStyle, PageFlow
from renderers.percent import uniform_document_percents, uniform_percent_columns
from renderers.textwidth import text_width_twips

__all__ = [
    "FONT",
    "PAGE",
    "STYLE",
    "Nd30Document",
    "PageSetup",
    "TableColumn",
    "clean_text",
]

FONT = "Times New Roman"
LANGUAGE = "vi-VN"


@dataclass(frozen=True)
class PageSetup:
    """A4 portrait with margins inside the Decree 30 ranges (values in twips)."""

    width: int = 11906
    height: int = 16838
    top: int = 1134  # 20 mm
    bottom: int = 1134  # 20 mm
    left: int = 1701  # 30 mm
    right: int = 850  # 15 mm
    header: int = 567  # distance of the page number from the top edge
    footer: int = 567

    @property
    def text_width(self) -> int:
        return self.width - self.left - self.right


PAGE = PageSetup()
FIRST_LINE_INDENT = 567  # 1 cm
TABLE_CELL_MARGIN = 57  # 1 mm each side inside table cells
HEADER_LEFT_WIDTH = 3686  # 6.5 cm: governing body, agency, number
SIGNATURE_LINES = 4


class STYLE:
    """Names of the paragraph styles the writer defines (all Times New Roman)."""

    BODY = "ND30 Body"
    BULLET = "ND30 Bullet"
    GROUNDS = "ND30 Grounds"
    HEADING_1 = "ND30 Heading 1"
    HEADING_2 = "ND30 Heading 2"
    HEADING_3 = "ND30 Heading 3"
    HEADER_TEXT = "ND30 Header Text"
    HEADER_AGENCY = "ND30 Header Agency"
    HEADER_NUMBER = "ND30 Header Number"
    HEADER_SUBJECT = "ND30 Header Subject"
    NATIONAL_TITLE = "ND30 National Title"
    MOTTO = "ND30 Motto"
    PLACE_DATE = "ND30 Place Date"
    RULE = "ND30 Rule"
    DOC_TYPE = "ND30 Document Type"
    SUBJECT = "ND30 Subject"
    ADDRESSEE = "ND30 Addressee"
    ADDRESSEE_LIST = "ND30 Addressee List"
    TABLE_TEXT = "ND30 Table Text"
    TABLE_CENTER = "ND30 Table Center"
    TABLE_FIGURE = "ND30 Table Figure"
    TABLE_HEADER = "ND30 Table Header"
    TABLE_TOTAL = "ND30 Table Total"
    TABLE_TOTAL_FIGURE = "ND30 Table Total Figure"
    RECIPIENTS_TITLE = "ND30 Recipients Title"
    RECIPIENTS = "ND30 Recipients"
    SIGNER = "ND30 Signer"
    SIGNATURE_SPACE = "ND30 Signature Space"
    APPENDIX_LABEL = "ND30 Appendix Label"
    APPENDIX_TITLE = "ND30 Appendix Title"
    APPENDIX_NOTE = "ND30 Appendix Note"
    PAGE_NUMBER = "ND30 Page Number"


Align = Literal["left", "center", "right"]
_ALIGN = {
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
    "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
}

# ----------------------------------------------------------------------------- text

_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean_text(text: object) -> str:
    """``text`` as a string that is safe to store in WordprocessingML, without
    invisible bidi/zero-width characters (:mod:`dialogs.invisible`)."""
    if text is None:
        return ""
    return strip_invisible(_INVALID_XML.sub("", str(text)))


_SUB_LIST_LEAD = re.compile(r"trong đó\s*:$", re.IGNORECASE)

# ----------------------------------------------------------------------------- styles


@dataclass(frozen=True)
class _StyleSpec:
    name: str
    base: str = "Normal"
    size: float = 14
    bold: bool = False
    italic: bool = False
    align: str = "left"
    first_line: int | None = None
    left: int | None = None
    before: float = 0
    after: float = 0
    line: float | None = None  # a multiple (1.0, 1.15); None: single
    exact_line: float | None = None  # exact line height in points
    keep_next: bool = False
    page_break_before: bool = False
    outline_level: int | None = None


_BODY = {"align": "justify", "first_line": FIRST_LINE_INDENT, "after": 6, "line": 1.15}

_STYLE_SPECS: tuple[_StyleSpec, ...] = (
    _StyleSpec(STYLE.BODY, **_BODY),  # type: ignore[arg-type]
    _StyleSpec(STYLE.BULLET, base=STYLE.BODY, **_BODY),  # type: ignore[arg-type]
    _StyleSpec(STYLE.GROUNDS, base=STYLE.BODY, italic=True, **_BODY),  # type: ignore[arg-type]
    _StyleSpec(
        STYLE.HEADING_1,
        base=STYLE.BODY,
        bold=True,
        keep_next=True,
        outline_level=0,
        **{**_BODY, "before": 6},  # type: ignore[arg-type]
    ),
    _StyleSpec(
        STYLE.HEADING_2,
        base=STYLE.BODY,
        bold=True,
        keep_next=True,
        outline_level=1,
        **_BODY,  # type: ignore[arg-type]
    ),
    _StyleSpec(
        STYLE.HEADING_3,
        base=STYLE.BODY,
        bold=True,
        italic=True,
        keep_next=True,
        outline_level=2,
        **_BODY,  # type: ignore[arg-type]
    ),
    _StyleSpec(STYLE.HEADER_TEXT, size=13, align="center"),
    _StyleSpec(STYLE.HEADER_AGENCY, base=STYLE.HEADER_TEXT, size=13, bold=True, align="center"),
    _StyleSpec(STYLE.HEADER_NUMBER, base=STYLE.HEADER_TEXT, size=13, align="center", before=6),
    _StyleSpec(STYLE.HEADER_SUBJECT, base=STYLE.HEADER_TEXT, size=12, align="center", before=6),
    _StyleSpec(STYLE.NATIONAL_TITLE, size=12, bold=True, align="center"),
    _StyleSpec(STYLE.MOTTO, size=13, bold=True, align="center"),
    _StyleSpec(STYLE.PLACE_DATE, size=13, italic=True, align="center", before=6),
    _StyleSpec(STYLE.RULE, size=5, align="center"),
    _StyleSpec(STYLE.DOC_TYPE, size=14, bold=True, align="center", before=18, keep_next=True),
    _StyleSpec(STYLE.SUBJECT, size=14, bold=True, align="center", keep_next=True),
    _StyleSpec(STYLE.ADDRESSEE, size=14, align="center", before=12, after=6),
    _StyleSpec(STYLE.ADDRESSEE_LIST, size=14, left=2835, after=0),
    _StyleSpec(STYLE.TABLE_TEXT, size=12, before=2, after=2),
    _StyleSpec(
        STYLE.TABLE_CENTER, base=STYLE.TABLE_TEXT, size=12, align="center", before=2, after=2
    ),
    _StyleSpec(
        STYLE.TABLE_FIGURE, base=STYLE.TABLE_TEXT, size=12, align="right", before=2, after=2
    ),
    _StyleSpec(
        STYLE.TABLE_HEADER,
        base=STYLE.TABLE_TEXT,
        size=12,
        bold=True,
        align="center",
        before=2,
        after=2,
    ),
    _StyleSpec(
        STYLE.TABLE_TOTAL,
        base=STYLE.TABLE_TEXT,
        size=12,
        bold=True,
        align="center",
        before=2,
        after=2,
    ),
    _StyleSpec(
        STYLE.TABLE_TOTAL_FIGURE,
        base=STYLE.TABLE_TEXT,
        size=12,
        bold=True,
        align="right",
        before=2,
        after=2,
    ),
    _StyleSpec(STYLE.RECIPIENTS_TITLE, size=12, bold=True, italic=True),
    _StyleSpec(STYLE.RECIPIENTS, size=11),
    _StyleSpec(STYLE.SIGNER, size=14, bold=True, align="center"),
    _StyleSpec(STYLE.SIGNATURE_SPACE, size=14, align="center"),
    _StyleSpec(
        STYLE.APPENDIX_LABEL,
        size=14,
        bold=True,
        align="center",
        page_break_before=True,
        keep_next=True,
    ),
    _StyleSpec(STYLE.APPENDIX_TITLE, size=14, bold=True, align="center", keep_next=True),
    _StyleSpec(STYLE.APPENDIX_NOTE, size=14, italic=True, align="center", after=12),
    _StyleSpec(STYLE.PAGE_NUMBER, base="Header", size=13, align="center"),
)

#: The styles as the page estimate (:mod:`renderers.page_flow`) sees them, by style id.
_LINE_STYLES = {
    spec.name.replace(" ", ""): LineStyle(
        size=spec.size, bold=spec.bold, line=spec.line or 1.0, before=round(spec.before * 20),
        after=round(spec.after * 20), first_line=spec.first_line or 0, left=spec.left or 0,
        page_break_before=spec.page_break_before, keep_next=spec.keep_next)
    for spec in _STYLE_SPECS
}
#: A landscape table goes at the first page end after it is cited where the portrait
#: page is at least this full (estimated) ...
_LANDSCAPE_FILL = 0.7
#: ... leaving this much of the page (twips, two lines) for the estimate's error.
_FLOW_MARGIN = 720

# Children of w:pPr in schema order (CT_PPrBase + CT_PPr).
_PPR_ORDER = (
    "pStyle",
    "keepNext",
    "keepLines",
    "pageBreakBefore",
    "framePr",
    "widowControl",
    "numPr",
    "suppressLineNumbers",
    "pBdr",
    "shd",
    "tabs",
    "suppressAutoHyphens",
    "kinsoku",
    "wordWrap",
    "overflowPunct",
    "topLinePunct",
    "autoSpaceDE",
    "autoSpaceDN",
    "bidi",
    "adjustRightInd",
    "snapToGrid",
    "spacing",
    "ind",
    "contextualSpacing",
    "mirrorIndents",
    "suppressOverlap",
    "jc",
    "textDirection",
    "textAlignment",
    "textboxTightWrap",
    "outlineLvl",
    "divId",
    "cnfStyle",
    "rPr",
    "sectPr",
    "pPrChange",
)


def _insert_ppr_child(ppr: OxmlElement, child: OxmlElement) -> None:
    """Insert ``child`` into ``ppr`` at its schema position, replacing a same-named one."""
    local = child.tag.split("}")[1]
    old = ppr.find(qn(f"w:{local}"))
    if old is not None:
        ppr.remove(old)
    successors = _PPR_ORDER[_PPR_ORDER.index(local) + 1 :]
    ppr.insert_element_before(child, *(f"w:{s}" for s in successors))


def _set_fonts(rpr: OxmlElement) -> None:
    """Times New Roman in every script slot, with no theme font overriding it."""
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        rfonts.attrib.pop(qn(f"w:{attr}"), None)
    for attr in ("ascii", "hAnsi", "eastAsia", "cs"):
        rfonts.set(qn(f"w:{attr}"), FONT)


def _style_fonts(style: BaseStyle) -> None:
    rpr = style.element.get_or_add_rPr()
    _set_fonts(rpr)
    color = rpr.find(qn("w:color"))
    if color is not None:
        color.set(qn("w:val"), "000000")
        for attr in ("themeColor", "themeShade", "themeTint"):
            color.attrib.pop(qn(f"w:{attr}"), None)


def _setup_defaults(document: Document) -> None:
    styles_el = document.styles.element
    doc_defaults = styles_el.find(qn("w:docDefaults"))
    rpr = doc_defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _set_fonts(rpr)
    for tag, val in (("w:sz", "28"), ("w:szCs", "28")):
        el = rpr.find(qn(tag))
        if el is not None:
            el.set(qn("w:val"), val)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), LANGUAGE)
    lang.set(qn("w:eastAsia"), LANGUAGE)
    ppr = doc_defaults.find(qn("w:pPrDefault")).find(qn("w:pPr"))
    spacing = ppr.find(qn("w:spacing"))
    if spacing is not None:
        spacing.set(qn("w:after"), "0")
        spacing.set(qn("w:line"), "240")
        spacing.set(qn("w:lineRule"), "auto")

    normal = document.styles["Normal"]
    normal.font.size = Pt(14)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.line_spacing = 1.0
    for name in (
        "Normal",
        "Header",
        "Footer",
        "Table Grid",
        "Normal Table",
        "Default Paragraph Font",
    ):
        _style_fonts(document.styles[name])


def _add_paragraph_style(document: Document, spec: _StyleSpec) -> None:
    style = document.styles.add_style(spec.name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = document.styles[spec.base]
    style.quick_style = True
    font = style.font
    font.name = FONT
    font.size = Pt(spec.size)
    font.bold = spec.bold
    font.italic = spec.italic
    _style_fonts(style)
    pf = style.paragraph_format
    pf.alignment = _ALIGN[spec.align]
    pf.first_line_indent = Twips(spec.first_line) if spec.first_line is not None else Twips(0)
    pf.left_indent = Twips(spec.left) if spec.left is not None else Twips(0)
    pf.right_indent = Twips(0)
    pf.space_before = Pt(spec.before)
    pf.space_after = Pt(spec.after)
    if spec.exact_line is not None:
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = Pt(spec.exact_line)
    else:
        pf.line_spacing = spec.line or 1.0
    pf.keep_with_next = spec.keep_next
    pf.widow_control = True
    if spec.page_break_before:
        pf.page_break_before = True
    if spec.outline_level is not None:
        outline = OxmlElement("w:outlineLvl")
        outline.set(qn("w:val"), str(spec.outline_level))
        _insert_ppr_child(style.element.get_or_add_pPr(), outline)


# ----------------------------------------------------------------------------- tables


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


def _longest_word(text: str, *, bold: bool, size: float = _TABLE_FONT) -> int:
    return max((text_width_twips(w, size, bold=bold) for w in text.split()), default=0)


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
        for row in rows:
            value = row[c] if c < len(row) else ""
            lines = value.split("\n")
            if col.align == "left":
                need = max(need, min(_longest_word(value, bold=False, size=size), 2000))
                longest = max(text_width_twips(x, size) for x in lines)
                want = max(want, min(longest, _TEXT_COMFORT - pad))
            else:
                need = max(need, *(text_width_twips(x, size) for x in lines))
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


def _cell_xml(
    width: int, text: str, style: str | None, props: str = "", *, keep_next: bool = False
) -> str:
    """A cell ``width`` twips wide holding ``text`` (one paragraph per line) in
    ``style``; ``props`` are the cell properties after the width (gridSpan, vMerge,
    vAlign). ``style`` None: the empty paragraph of a fresh cell. ``keep_next``
    keeps the row on the page of the next one (Word's way of holding rows together)."""
    head = f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{width}"/>{props}</w:tcPr>'
    keep = "<w:keepNext/>" if keep_next else ""
    if style is None:
        return head + (f"<w:p><w:pPr>{keep}</w:pPr></w:p>" if keep else "<w:p/>") + "</w:tc>"
    ppr = f'<w:p><w:pPr><w:pStyle w:val="{_style_id(style)}"/>{keep}</w:pPr>'
    lines = clean_text(text).split("\n")
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
    """The data rows; ``keep_last``: the last one stays with the row after it (a total
    row never stands alone under a repeated header)."""
    styles = [_cell_style(c.align, total=False) for c in columns]
    out = []
    for n, values in enumerate(rows, start=1):
        keep = keep_last and n == len(rows)
        cells = [
            _cell_xml(widths[c], values[c] if c < len(values) else "", styles[c],
                      keep_next=keep)
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


# ----------------------------------------------------------------------------- document

#: A blank document per page setup (styles, page, page numbers), as DOCX bytes.
_BLANK: dict[PageSetup, bytes] = {}


class Nd30Document:
    """Builds one Decree 30 document, top to bottom.

    Call :meth:`header`, then :meth:`title` or :meth:`addressee`, the body
    methods, :meth:`signature_block`, optionally :meth:`appendix_heading` and
    more body, then :meth:`to_bytes`.
    """

    def __init__(self, page: PageSetup = PAGE) -> None:
        self.page = page
        self._in_sub_list = False  # after a "…, trong đó:" item
        # A landscape table waits (with its lead-ins and introduction) until its
        # subsection's text is written, so that text fills the portrait page instead
        # of leaving it mostly blank before the landscape page: see _flush_landscape.
        self._landscape: list[Any] = []
        self._landscape_mark: Any = None
        # Where the text has got to on the page (an estimate): blocks are measured once
        # the next one starts (a paragraph gets its text after it is inserted).
        self._flow = PageFlow(_LINE_STYLES, LineStyle())
        self._flow.new_page(page.height - page.top - page.bottom, page.text_width)
        self._unmeasured: list[Any] = []
        self._tracking = True
        blank = _BLANK.get(page)
        if blank is not None:  # styles and page set up once per process, then copied
            self.doc = Document(io.BytesIO(blank))
            self._body = self.doc.element.body
            self._sect_pr = self._body.sectPr
            return
        self.doc = Document()
        self._body = self.doc.element.body
        # The default template starts empty; remove any stray paragraph.
        for p in list(self.doc.paragraphs):
            p._element.getparent().remove(p._element)
        _setup_defaults(self.doc)
        for spec in _STYLE_SPECS:
            _add_paragraph_style(self.doc, spec)
        self._setup_page()
        self._sect_pr = self._body.sectPr
        _BLANK[page] = self.to_bytes()

    # -- page ---------------------------------------------------------------------------

    def _setup_page(self) -> None:
        page = self.page
        section = self.doc.sections[0]
        section.start_type = WD_SECTION_START.NEW_PAGE
        section.page_width = Twips(page.width)
        section.page_height = Twips(page.height)
        section.top_margin = Twips(page.top)
        section.bottom_margin = Twips(page.bottom)
        section.left_margin = Twips(page.left)
        section.right_margin = Twips(page.right)
        section.header_distance = Twips(page.header)
        section.footer_distance = Twips(page.footer)
        # Page numbers in the top margin from page 2 on; page 1 has an empty header.
        section.different_first_page_header_footer = True
        first = section.first_page_header
        first.is_linked_to_previous = False
        first.paragraphs[0].style = self.doc.styles[STYLE.PAGE_NUMBER]
        header = section.header
        header.is_linked_to_previous = False
        p = header.paragraphs[0]
        p.style = self.doc.styles[STYLE.PAGE_NUMBER]
        self._add_field(p, "PAGE", "2")

    @staticmethod
    def _add_field(paragraph: Paragraph, instruction: str, placeholder: str) -> None:
        def fld_char(kind: str) -> OxmlElement:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
            return el

        r = paragraph.add_run()._r
        r.append(fld_char("begin"))
        r = paragraph.add_run()._r
        instr = OxmlElement("w:instrText")
        instr.set(qn("xml:space"), "preserve")
        instr.text = f" {instruction} "
        r.append(instr)
        paragraph.add_run()._r.append(fld_char("separate"))
        paragraph.add_run(placeholder)
        paragraph.add_run()._r.append(fld_char("end"))

    # -- low-level paragraphs -----------------------------------------------------------

    def _insert(self, element: Any) -> None:
        """Append a block (paragraph, table) to the body, before its final sectPr.

        The sectPr is looked up once (new sections are inserted before it, so it
        stays the last child): finding it, or taking ``len()`` of the body, walks
        every child, which grew with the document (thousands of paragraphs in a
        roll-up)."""
        if self._tracking:
            self._settle()
            self._unmeasured.append(element)
        if self._sect_pr is not None:
            self._sect_pr.addprevious(element)
        else:
            self._body.append(element)

    def _settle(self) -> None:
        """Move the page estimate past the blocks written since it last looked; while a
        landscape table waits, put it at the first natural page end: before the block
        that no longer fits on a portrait page already mostly full."""
        while self._unmeasured:
            pending, self._unmeasured = self._unmeasured, []
            flow = self._flow
            for n, element in enumerate(pending):
                if element.getparent() is not self._body:
                    continue  # moved (to a landscape page) since
                if (self._landscape and flow.y >= _LANDSCAPE_FILL * flow.height
                        and flow.y + flow.measure(element) > flow.height - _FLOW_MARGIN):
                    self._unmeasured = self._landscape_before(element) + [
                        e for e in pending[n + 1 :] if e.getparent() is None]
                    break
                flow.add(element)

    def _landscape_before(self, element: Any) -> list[Any]:
        """Put the waiting landscape table(s) just before ``element``, which with what
        follows it (and the headings and lead-ins leading into it) goes on the portrait
        page after them. Returns the blocks moved, in order."""
        tail = [element]
        sibling = element.getnext()
        while sibling is not None and sibling is not self._sect_pr:
            tail.append(sibling)
            sibling = sibling.getnext()
        for e in tail:
            self._body.remove(e)
        leads = self._detach_trailing_leads()
        self._flush_landscape(leads_with_table=False)
        moved = [*leads, *tail]
        for e in moved:
            self._sect_pr.addprevious(e)
        return moved

    def paragraph(self, text: str, style: str) -> Paragraph:
        text = clean_text(text)
        template = _PARAGRAPHS.get(style)
        if template is None:
            p_el = OxmlElement("w:p")
            self._insert(p_el)
            p = Paragraph(p_el, self.doc._body)
            _apply_style(p, style)
            _add_text(p, text)
            return p
        p_el = copy.deepcopy(template)
        self._insert(p_el)
        p = Paragraph(p_el, self.doc._body)
        if text:
            if "\t" in text or "\r" in text or "\n" in text:
                p.add_run(text)
            else:
                t = SubElement(SubElement(p_el, _W_R), _W_T)
                t.text = text
                if text.strip() != text:
                    t.set(_W_SPACE, "preserve")
        return p

    def _rule(self, container: _Cell | None, length: int, available: int) -> Paragraph:
        """A short centred solid rule ``length`` twips long (a paragraph bottom border)."""
        p = (
            _new_paragraph(container, STYLE.RULE)
            if container is not None
            else _new_paragraph(self.doc, STYLE.RULE)
        )
        length = max(400, min(length, available))
        side = max(0, (available - length) // 2)
        p.paragraph_format.left_indent = Twips(side)
        p.paragraph_format.right_indent = Twips(side)
        ppr = p._p.get_or_add_pPr()
        bdr = OxmlElement("w:pBdr")
        bottom = OxmlElement("w:bottom")
        bottom.set(qn("w:val"), "single")
        bottom.set(qn("w:sz"), "6")  # 3/4 pt
        bottom.set(qn("w:space"), "1")
        bottom.set(qn("w:color"), "000000")
        bdr.append(bottom)
        _insert_ppr_child(ppr, bdr)
        return p

    # -- header -------------------------------------------------------------------------

    def _add_table(self, xml: str) -> Table:
        tbl = parse_xml(xml)
        self._insert(tbl)
        return Table(tbl, self.doc._body)

    def _layout_table(self, rows: int, widths: Sequence[int], outdent: int = 0) -> Table:
        """A borderless table of empty cells, for laying out the header and closing."""
        row = _ROW + "".join(_cell_xml(w, "", None) for w in widths) + "</w:tr>"
        return self._add_table(
            _table_xml(widths, [row] * rows, style=None, borders=False, outdent=outdent)
        )

    def header(
        self,
        *,
        governing_body: str,
        agency_name: str,
        number_line: str,
        place_date: str,
        subject_line: str | None = None,
    ) -> Table:
        """The borderless two-column header table (Decree 30, items 1-5).

        Column widths come from the measured text (:mod:`renderers.header_layout`);
        a People's Committee issues in its own name, without the governing body line.
        """
        national = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
        motto = "Độc lập - Tự do - Hạnh phúc"
        agency = " ".join(clean_text(agency_name).upper().split())
        gov = "" if issues_in_own_name(agency) else " ".join(
            clean_text(governing_body).upper().split())
        layout = header_layout(
            self.page.text_width, governing_body=gov, agency=agency,
            number_line=clean_text(number_line),
            right_lines=[(national, 12, True), (motto, 13, True),
                         (clean_text(place_date), 13, False)],
        )
        gov, agency = layout.governing_body, layout.agency
        left_w, right_w = layout.left, layout.right
        table = self._layout_table(2, (left_w, right_w), outdent=layout.outdent)
        inner_left = left_w - 2 * TABLE_CELL_MARGIN
        inner_right = right_w - 2 * TABLE_CELL_MARGIN

        top_left, top_right = table.rows[0].cells
        bottom_left, bottom_right = table.rows[1].cells
        if gov:
            _write_cell(top_left, gov, STYLE.HEADER_TEXT)
            for line in agency.split("\n"):
                _new_paragraph(top_left, STYLE.HEADER_AGENCY).add_run(line)
        else:
            _write_cell(top_left, agency, STYLE.HEADER_AGENCY)
        longest = max(
            (text_width_twips(line, 13, bold=True) for line in agency.split("\n")), default=0
        )
        self._rule(top_left, round(min(longest, inner_left) * 0.4), inner_left)

        _write_cell(top_right, national, STYLE.NATIONAL_TITLE)
        _new_paragraph(top_right, STYLE.MOTTO).add_run(motto)
        self._rule(top_right, text_width_twips(motto, 13, bold=True), inner_right)

        _write_cell(bottom_left, number_line, STYLE.HEADER_NUMBER)
        if subject_line:
            _new_paragraph(bottom_left, STYLE.HEADER_SUBJECT).add_run(clean_text(subject_line))
        _write_cell(bottom_right, place_date, STYLE.PLACE_DATE)
        return table

    # -- title / addressee --------------------------------------------------------------

    def title(self, doc_type: str, subject: str) -> None:
        """Document type ("BÁO CÁO") and the subject, centred bold, a short rule below."""
        self.paragraph(clean_text(doc_type).upper(), STYLE.DOC_TYPE)
        subject = clean_text(subject)
        self.paragraph(subject, STYLE.SUBJECT)
        width = self.page.text_width
        line = min(text_width_twips(subject, 14, bold=True), width)
        rule = self._rule(None, round(line * 0.4), width)
        rule.paragraph_format.space_after = Pt(12)

    def addressee(self, recipients: Sequence[str]) -> None:
        """ "Kính gửi: …" — one recipient inline; several as "- …;" lines, "." after the last."""
        names = [n for n in (clean_text(r).strip().strip(";.,").strip() for r in recipients) if n]
        if not names:
            return
        if len(names) == 1:
            self.paragraph(f"Kính gửi: {names[0]}", STYLE.ADDRESSEE)
            return
        self.paragraph("Kính gửi:", STYLE.ADDRESSEE)
        for i, name in enumerate(names):
            end = "." if i == len(names) - 1 else ";"
            p = self.paragraph(f"- {name}{end}", STYLE.ADDRESSEE_LIST)
            if i == len(names) - 1:
                p.paragraph_format.space_after = Pt(6)

    # -- body ---------------------------------------------------------------------------

    def body(self, text: str) -> Paragraph:
        return self.paragraph(text, STYLE.BODY)

    def text(self, text: str) -> Paragraph | None:
        """A body paragraph, or a bullet paragraph when it starts with "- " or "+ ".

        The items after one ending "trong đó:" hang one step further in, up to the
        one that ends the list with "." (seed 004: "+ Văn bản đến: …;", "+ Văn bản
        đi: … .")."""
        text = clean_text(text).strip()
        if not text:
            return None
        if text.startswith(("- ", "+ ")) or text in ("-", "+"):
            p = self.bullet(text)
            if self._in_sub_list:
                p.paragraph_format.left_indent = Twips(FIRST_LINE_INDENT)
                if text.endswith("."):
                    self._in_sub_list = False
            elif _SUB_LIST_LEAD.search(text):
                self._in_sub_list = True
            return p
        self._in_sub_list = False
        return self.body(text)

    def bullet(self, text: str) -> Paragraph:
        """A "-"/"+" item; the dash is part of the text, indented like body text."""
        return self.paragraph(text, STYLE.BULLET)

    def grounds(self, lines: Sequence[str]) -> None:
        """ "Căn cứ …" lines in italic: ";" after each, "." after the last."""
        items = [t for t in (clean_text(x).strip().rstrip(".;,:").rstrip() for x in lines) if t]
        for i, text in enumerate(items):
            self.paragraph(text + ("." if i == len(items) - 1 else ";"), STYLE.GROUNDS)

    def heading(self, level: int, text: str) -> Paragraph:
        self._in_sub_list = False
        self._flush_landscape(at_heading=True)
        style = {1: STYLE.HEADING_1, 2: STYLE.HEADING_2}.get(level, STYLE.HEADING_3)
        return self.paragraph(text, style)

    def table(
        self,
        columns: Sequence[TableColumn],
        rows: Sequence[Sequence[str]],
        *,
        total: Sequence[str] | None = None,
        total_span: int = 1,
        intro: Sequence[str] = (),
    ) -> Table:
        """A bordered data table ("Table Grid"): bold centred header rows repeated on
        every page, a two-row header when columns have a ``group``, and an optional
        bold total row whose first ``total_span`` cells merge into its label.

        Column widths follow the content (figures never wrap mid-number); a table
        too wide for a portrait page gets a landscape page of its own, ``intro``
        lines (body or "-"/"+" bullet paragraphs) going with it.
        """
        self._settle()
        rows = [[clean_text(v) for v in r] for r in rows]
        total = [clean_text(v) for v in total] if total is not None else None
        rows, total = uniform_percent_columns(
            rows, total, [c.align != "left" for c in columns], mark=True)
        size = _TABLE_FONT
        minimum, preferred = _natural_widths(columns, rows, total, total_span)
        while sum(minimum) > self.page.text_width and size > _MIN_TABLE_FONT:
            size -= 1
            minimum, preferred = _natural_widths(columns, rows, total, total_span, size)
        landscape = sum(minimum) > self.page.text_width
        if landscape:  # landscape at the regular size
            size = _TABLE_FONT
            minimum, preferred = _natural_widths(columns, rows, total, total_span)
        if landscape:
            self._tracking = False  # what is written here moves to the landscape page
            # Lead-ins just written (not the headings: they stay with the text that
            # follows) go with the table, which is set aside until the subsection ends.
            lead = self._detach_trailing_leads(headings=False)
            if self._landscape and self._landscape[-1].tag == qn("w:tbl"):
                # two tables waiting together: a paragraph keeps them apart
                spacer = self.paragraph("", STYLE.TABLE_TEXT)._p
                spacer.getparent().remove(spacer)
                self._landscape.append(spacer)
            self._landscape.extend(lead)
            before = self._sect_pr.getprevious()
            width = self.page.height - self.page.left - self.page.right
        else:
            width = self.page.text_width
        for line in intro:
            p = self.text(line)
            if p is not None:
                p.paragraph_format.keep_with_next = True  # the introduction stays with it
        widths = _distribute(columns, minimum, preferred, width)

        xml_rows = _header_rows(columns, widths) + _body_rows(
            columns, widths, rows, keep_last=total is not None
        )
        if total is not None:
            xml_rows.append(_total_row(columns, widths, total, total_span))
        table = self._add_table(_table_xml(widths, xml_rows, style="Table Grid", borders=True))
        if size != _TABLE_FONT:
            for run in table._tbl.iter(qn("w:r")):
                Run(run, None).font.size = Pt(size)
        if landscape:
            # the introduction and the table, just written, move to the waiting list
            body = []
            element = self._sect_pr.getprevious()
            while element is not None and element is not before:
                body.append(element)
                element = element.getprevious()
            for element in body:
                element.getparent().remove(element)
            self._landscape.extend(body[::-1])
            self._landscape_mark = self._sect_pr.getprevious()  # nothing written after yet
            self._tracking = True
        else:
            # A paragraph after the table keeps the next table or text apart from it.
            self.paragraph("", STYLE.TABLE_TEXT)
        return table

    def _flush_landscape(self, *, leads_with_table: bool = True, at_heading: bool = False) -> None:
        """Put the waiting landscape table(s) on landscape page(s) of their own, here,
        so that the text after them in the answers fills the portrait page first: at
        the first natural page end (:meth:`_settle`), or at the end of their subsection
        when the page is mostly full by then (``at_heading``; otherwise they wait on
        until the page fills), the closing, an appendix or the document's end. When
        nothing was written after them, the heading just before goes with them (a
        heading never ends a page, and a subsection is never left empty)."""
        self._settle()
        if not self._landscape:
            return
        flow = self._flow
        if (at_heading and self._sect_pr.getprevious() is not self._landscape_mark
                and flow.y < _LANDSCAPE_FILL * flow.height):
            return  # the next subsection's text flows into the page first
        waiting, self._landscape = self._landscape, []
        lead = []
        if leads_with_table and self._sect_pr.getprevious() is self._landscape_mark:
            lead = self._detach_trailing_leads()
        self._landscape_mark = None
        self._tracking = False
        self._start_section(landscape=True)
        for element in [*lead, *waiting]:
            self._insert(element)
        self._start_section(landscape=False)
        self._tracking = True
        page = self.page
        self._flow.new_page(page.height - page.top - page.bottom, page.text_width)

    def _detach_trailing_leads(self, *, headings: bool = True) -> list[Any]:
        """Remove and return the headings (and ":"-ended lead-in paragraphs) at the end
        of the body, in document order; only the lead-ins without ``headings``."""
        heading_ids = {_style_id(s) for s in (STYLE.HEADING_1, STYLE.HEADING_2, STYLE.HEADING_3)}
        out: list[Any] = []
        element = self._sect_pr.getprevious() if self._sect_pr is not None else None
        while element is not None and element.tag == _W_P:
            ppr = element.find(_W_PPR)
            pstyle = ppr.find(_W_PSTYLE) if ppr is not None else None
            style = pstyle.get(_W_VAL) if pstyle is not None else None
            text = "".join(t.text or "" for t in element.iter(_W_T)).strip()
            if ppr is not None and ppr.find(qn("w:sectPr")) is not None:
                break
            if style in heading_ids and not headings:
                break
            if style not in heading_ids and not text.endswith(":"):
                break
            out.append(element)
            element = element.getprevious()
        for element in out:
            element.getparent().remove(element)
        return out[::-1]

    def keep_with_closing(self) -> None:
        """The last paragraph written stays on the page of what follows (the closing)."""
        element = self._sect_pr.getprevious() if self._sect_pr is not None else None
        if element is not None and element.tag == _W_P:
            Paragraph(element, self.doc._body).paragraph_format.keep_with_next = True

    def _start_section(self, *, landscape: bool) -> None:
        """End the current section; what follows starts a new page in the given
        orientation. Page numbers continue (the header is inherited) and show on the
        new section's first page too."""
        section = self.doc.add_section(WD_SECTION_START.NEW_PAGE)
        section.different_first_page_header_footer = False
        _end_section_on_last_line(self._sect_pr.getprevious())
        page = self.page
        if landscape:
            section.orientation = WD_ORIENT.LANDSCAPE
            section.page_width, section.page_height = Twips(page.height), Twips(page.width)
        else:
            section.orientation = WD_ORIENT.PORTRAIT
            section.page_width, section.page_height = Twips(page.width), Twips(page.height)

    # -- closing ------------------------------------------------------------------------

    def signature_block(
        self,
        *,
        recipients: Sequence[str],
        authority: str | None,
        position: str,
        signer_name: str,
    ) -> Table:
        """The borderless closing table: "Nơi nhận:" list left, signature right.

        ``recipients`` are final lines ("- Sở Nội vụ;" … "- Lưu: VT, VP.").
        """
        text_w = self.page.text_width
        left_w = text_w * 9 // 20
        # The closing never splits (its row cannot break) and keeps with the last
        # paragraph before it.
        self._flush_landscape()
        self.keep_with_closing()
        table = self._layout_table(1, (left_w, text_w - left_w))
        # the block never breaks across pages: a signature needs its title and name together
        table.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        left, right = table.rows[0].cells
        _write_cell(left, "Nơi nhận:", STYLE.RECIPIENTS_TITLE).paragraph_format.space_before = Pt(6)
        for line in recipients:
            _new_paragraph(left, STYLE.RECIPIENTS).add_run(clean_text(line))

        lines = [clean_text(x).upper() for x in (authority, position) if x and clean_text(x)]
        first = _write_cell(right, lines[0] if lines else "", STYLE.SIGNER)
        first.paragraph_format.space_before = Pt(6)  # level with "Nơi nhận:"
        for line in lines[1:]:
            _new_paragraph(right, STYLE.SIGNER).add_run(line)
        for _ in range(SIGNATURE_LINES):
            _new_paragraph(right, STYLE.SIGNATURE_SPACE)
        _new_paragraph(right, STYLE.SIGNER).add_run(clean_text(signer_name))
        return table

    def spacer(self) -> Paragraph:
        return self.paragraph("", STYLE.BODY)

    # -- appendix -----------------------------------------------------------------------

    def appendix_heading(self, label: str, title: str, note: str | None) -> None:
        """ "Phụ lục" on a new page, its title in capitals, the italic "(Kèm theo …)"."""
        self._flush_landscape()
        self.paragraph(label, STYLE.APPENDIX_LABEL)
        self.paragraph(clean_text(title).upper(), STYLE.APPENDIX_TITLE)
        if note:
            self.paragraph(note, STYLE.APPENDIX_NOTE)

    # -- output -------------------------------------------------------------------------

    def properties(self, *, title: str, author: str, when: dt.datetime | None = None) -> None:
        """File properties a clerk sees in Word's "Properties" and the PDF's: title =
        the trích yếu, author = the agency, created/modified = render time; nothing
        left from the python-docx template (its 2013 date and "generated by" note)."""
        when = (when or dt.datetime.now(dt.UTC)).replace(microsecond=0)
        props = self.doc.core_properties
        props.title = clean_text(title)[:255]
        props.author = clean_text(author)[:255]
        props.last_modified_by = clean_text(author)[:255]
        props.created = when
        props.modified = when
        props.comments = ""
        props.subject = ""
        props.keywords = ""
        props.category = ""
        props.revision = 1
        props.language = LANGUAGE

    _spill: Spill | None = None

    def spill(self, keep: int = 200) -> None:
        """Hold every body block but the last ``keep`` as serialized XML (a long
        document's memory); the saved document is the same. Call it only between
        blocks that nothing will look back at (see :mod:`renderers.docx_spill`)."""
        self._settle()
        if self._spill is None:
            self._spill = Spill(self._body, self._sect_pr)
        self._spill.spill(keep)

    def to_bytes(self) -> bytes:
        self._flush_landscape()
        spilled = self._spill.places if self._spill is not None else 0
        # one number of decimals for every share
        places = uniform_document_percents(self.doc, spilled)
        if self._spill is not None:
            self._spill.install(self.doc.part, places)
        buffer = io.BytesIO()
        self.doc.save(buffer)
        return reproducible_zip(buffer.getvalue())


def _end_section_on_last_line(holder: Any) -> None:
    """The section break python-docx adds is an empty paragraph of its own, which
    takes a line: when the text above ends at the foot of a page, that line alone
    makes a blank page before the landscape one. The break goes into the last
    paragraph instead; after a table (a paragraph must follow it) the empty one is
    made as small as a line can be."""
    previous = holder.getprevious()
    ppr = previous.find(_W_PPR) if previous is not None and previous.tag == _W_P else None
    if previous is not None and previous.tag == _W_P and (
        ppr is None or ppr.find(qn("w:sectPr")) is None
    ):
        sect_pr = holder.find(_W_PPR).find(qn("w:sectPr"))
        if ppr is None:
            ppr = OxmlElement("w:pPr")
            previous.insert(0, ppr)
        ppr.append(sect_pr)
        holder.getparent().remove(holder)
        return
    ppr = holder.find(_W_PPR)
    spacing = OxmlElement("w:spacing")
    for key, value in (("w:before", "0"), ("w:after", "0"), ("w:line", "20"),
                       ("w:lineRule", "exact")):
        spacing.set(qn(key), value)
    rpr = OxmlElement("w:rPr")
    size = OxmlElement("w:sz")
    size.set(qn("w:val"), "2")
    rpr.append(size)
    ppr.insert(0, spacing)
    ppr.insert(1, rpr)


def reproducible_zip(data: bytes) -> bytes:
    """The same package with every entry dated 1980-01-01 00:00, so that the same
    answers give byte-identical documents (python-docx stamps each entry with the
    current time). The DOS date/time fields of the local and central headers are
    zeroed in place (checksums do not cover them); nothing is recompressed."""
    out = bytearray(data)
    end = out.rfind(b"PK\x05\x06")
    if end < 0:
        return data
    count = int.from_bytes(out[end + 10 : end + 12], "little")
    position = int.from_bytes(out[end + 16 : end + 20], "little")
    for _ in range(count):
        if out[position : position + 4] != b"PK\x01\x02":
            return data
        out[position + 12 : position + 16] = _ZIP_EPOCH  # central header: time, date
        local = int.from_bytes(out[position + 42 : position + 46], "little")
        if out[local : local + 4] == b"PK\x03\x04":
            out[local + 10 : local + 14] = _ZIP_EPOCH  # local header: time, date
        names = int.from_bytes(out[position + 28 : position + 30], "little")
        extra = int.from_bytes(out[position + 30 : position + 32], "little")
        comment = int.from_bytes(out[position + 32 : position + 34], "little")
        position += 46 + names + extra + comment
    return bytes(out)


#: DOS time 00:00:00, date 1980-01-01 (day 1, month 1, year 0 since 1980).
_ZIP_EPOCH = (0).to_bytes(2, "little") + ((1 << 5) | 1).to_bytes(2, "little")
