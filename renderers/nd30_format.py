"""The Decree 30 format itself: the page (A4, margins), Times New Roman in every
script slot, the named paragraph styles ("ND30 Body", "ND30 Heading 1", …) and
:func:`clean_text`, which every piece of text goes through."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, Twips
from docx.styles.style import BaseStyle

from dialogs.invisible import INVISIBLE
from renderers.page_flow import LineStyle

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

#: What XML cannot hold, and the invisible characters of :mod:`dialogs.invisible`: one
#: pass over the text (a roll-up cleans millions of texts).
_UNWANTED = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff" + INVISIBLE.pattern[1:-1] + "]")


def clean_text(text: object) -> str:
    """``text`` as a string that is safe to store in WordprocessingML, without
    invisible bidi/zero-width characters (:mod:`dialogs.invisible`)."""
    if text is None:
        return ""
    return _UNWANTED.sub("", str(text))


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
