"""A writer for administrative documents laid out per Decree 30/2020/NĐ-CP.

:class:`Nd30Document` knows the *format* (page, fonts, named styles, the header
and closing tables, headings, bullets, tables, page numbers, appendix); it knows
nothing about templates or answers — :mod:`renderers.report` drives it.

It is made of the document's parts: :mod:`renderers.nd30_format` (page, named
styles, :func:`clean_text`), :mod:`renderers.nd30_header` (page setup, header
table, title, "Kính gửi"), this module (body text and headings),
:mod:`renderers.nd30_tables` (data tables as WordprocessingML),
:mod:`renderers.nd30_sections` (blocks and landscape sections, placed with the
page estimate of :mod:`renderers.page_flow`) and :mod:`renderers.nd30_closing`
(Nơi nhận and signature, appendix, file properties).

Every piece of text goes through :func:`clean_text`, so control characters and
lone surrogates never reach the XML. Formatting lives in named paragraph styles
("ND30 Body", "ND30 Heading 1", …) so the document stays editable in Word and
LibreOffice; rules under the agency name, the motto and the subject are bottom
borders of short centred paragraphs (no drawing shapes, no text boxes).
"""

from __future__ import annotations

import copy
import io
from collections.abc import Sequence
from functools import cache
from typing import Any

from docx import Document
from docx.oxml import OxmlElement
from docx.shared import Twips
from docx.text.paragraph import Paragraph
from lxml import etree
from lxml.etree import SubElement

from renderers.docx_spill import Spill
from renderers.nd30_closing import ClosingMixin, reproducible_zip
from renderers.nd30_format import (
    _LINE_STYLES,
    _STYLE_SPECS,
    _SUB_LIST_LEAD,
    FIRST_LINE_INDENT,
    FONT,
    PAGE,
    STYLE,
    PageSetup,
    _add_paragraph_style,
    _setup_defaults,
    clean_text,
)
from renderers.nd30_header import HeaderMixin
from renderers.nd30_sections import SectionsMixin
from renderers.nd30_tables import (
    _PARAGRAPHS,
    _W_NS,
    _W_R,
    _W_SPACE,
    _W_T,
    TableColumn,
    _add_text,
    _apply_style,
    _run_xml,
    _style_id,
    keep_with_next,
)
from renderers.page_flow import LineStyle, PageFlow
from renderers.percent import uniform_document_percents

__all__ = [
    "FONT",
    "PAGE",
    "STYLE",
    "Nd30Document",
    "PageSetup",
    "TableColumn",
    "clean_text",
    "keep_with_next",
    "reproducible_zip",
]

#: A blank document per page setup (styles, page, page numbers), as DOCX bytes.
_BLANK: dict[PageSetup, bytes] = {}


@cache
def _paragraph_head(style: str, hanging: bool, lead_in: bool) -> str:
    """The XML of a :meth:`Nd30Document.text` paragraph up to its run: serialized from
    the element :meth:`Nd30Document.text` makes, so that text written by
    :meth:`Nd30Document.texts` is the same markup."""
    p = copy.deepcopy(_PARAGRAPHS[style])
    if hanging:
        Paragraph(p, None).paragraph_format.left_indent = Twips(FIRST_LINE_INDENT)
    if lead_in:
        keep_with_next(p)
    xml = etree.tostring(p, encoding="unicode")
    return xml.replace(f' xmlns:w="{_W_NS}"', "").removesuffix("</w:p>")


class Nd30Document(HeaderMixin, SectionsMixin, ClosingMixin):
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

    def paragraph(self, text: str, style: str) -> Paragraph:
        return self._paragraph(clean_text(text), style)

    def _paragraph(self, text: str, style: str) -> Paragraph:
        """A paragraph of ``text``, already cleaned (:func:`clean_text`)."""
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
        p = self._text(text)
        if text.endswith(":"):  # a lead-in never ends a page: it stays with what it leads
            keep_with_next(p._p)
        return p

    def _text(self, text: str) -> Paragraph:
        style, hanging = self._text_kind(text)
        p = self._paragraph(text, style)
        if hanging:
            p.paragraph_format.left_indent = Twips(FIRST_LINE_INDENT)
        return p

    def _text_kind(self, text: str) -> tuple[str, bool]:
        """The style of a :meth:`text` paragraph, and whether it hangs one step further
        in (an item of a "…, trong đó:" list); the list's state moves on."""
        if text.startswith(("- ", "+ ")) or text in ("-", "+"):
            if self._in_sub_list:
                if text.endswith("."):
                    self._in_sub_list = False
                return STYLE.BULLET, True
            if text.endswith(":") and _SUB_LIST_LEAD.search(text):
                self._in_sub_list = True
            return STYLE.BULLET, False
        self._in_sub_list = False
        return STYLE.BODY, False

    def texts(self, lines: Sequence[str]) -> None:
        """:meth:`text` for each of ``lines``, in bulk (a roll-up's compiled narratives:
        hundreds of thousands of paragraphs). The same paragraphs, but written as
        WordprocessingML text and measured from their texts, never made into elements:
        held out of the tree like spilled blocks (:mod:`renderers.docx_spill`). What
        the layout may look back at is written by :meth:`text`: every line while a
        landscape table waits for its page end, and a lead-in (":") that ends
        ``lines``."""
        held: list[str] = []
        last = len(lines) - 1
        for n, line in enumerate(lines):
            text = clean_text(line).strip()
            if not text:
                continue
            if self._unmeasured:
                self._settle()
            lead_in = text.endswith(":")
            if self._landscape or (lead_in and n == last):
                self._hold("".join(held).encode())
                held = []
                self.text(text)
                continue
            style, hanging = self._text_kind(text)
            look = _LINE_STYLES[_style_id(style)]
            self._flow.add_text(look, text, FIRST_LINE_INDENT if hanging else look.left,
                                keep=lead_in)
            held.append(_paragraph_head(style, hanging, lead_in) + _run_xml(text) + "</w:p>")
        self._hold("".join(held).encode())

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

    def spacer(self) -> Paragraph:
        return self.paragraph("", STYLE.BODY)

    def spill(self, keep: int = 20) -> None:
        """Hold every body block but the last ``keep`` as serialized XML (a long
        document's memory); the saved document is the same. Call it only between
        blocks that nothing will look back at (see :mod:`renderers.docx_spill`)."""
        self._settle()
        if self._spill is None:
            self._spill = Spill(self._body, self._sect_pr)
        self._spill.spill(keep)

    def body_xml(self) -> bytes:
        """What the body holds (all but its section properties) as WordprocessingML
        text, shares unpadded: blocks made in one document to be put in another
        (:meth:`hold_xml`), as if written there."""
        self.spill(keep=0)
        assert self._spill is not None
        return self._spill.written()

    def hold_xml(self, xml: bytes) -> None:
        """Blocks made by another document (:meth:`body_xml`) at the end of the body,
        held as text; nothing after them is placed by the page estimate."""
        self._settle()
        self._hold(xml)

    def to_bytes(self) -> bytes:
        self._flush_landscape()
        spilled = self._spill.places if self._spill is not None else 0
        # one number of decimals for every share
        places = uniform_document_percents(self.doc, spilled)
        buffer = io.BytesIO()
        self.doc.save(buffer)
        saved = buffer.getvalue()
        if self._spill is not None:
            saved = self._spill.restore(saved, places)
        return reproducible_zip(saved)
