"""Blocks in the body and landscape sections: where a table too wide for a portrait
page goes. It waits, with its introduction, for the first natural page end after it
is cited (an estimate, :mod:`renderers.page_flow`) or its subsection's end when the
page is mostly full by then, so the text after it fills the portrait page first."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from docx.enum.section import WD_ORIENT, WD_SECTION_START
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.shared import Pt, Twips
from docx.table import Table
from docx.text.run import Run

from renderers.docx_spill import Spill
from renderers.nd30_format import (
    _LINE_STYLES,
    STYLE,
    PageSetup,
    clean_text,
)
from renderers.nd30_tables import (
    _MIN_TABLE_FONT,
    _TABLE_FONT,
    _W_NS,
    _W_P,
    _W_PPR,
    _W_PSTYLE,
    _W_T,
    _W_VAL,
    TableColumn,
    _body_rows,
    _distribute,
    _header_rows,
    _natural_widths,
    _style_id,
    _table_xml,
    _total_row,
    keep_with_next,
)
from renderers.page_flow import LineStyle, PageFlow
from renderers.percent import uniform_percent_columns

#: A landscape table goes at the first page end after it is cited where the portrait
#: page is at least this full (estimated) ...
_LANDSCAPE_FILL = 0.7
#: ... leaving this much of the page (twips, two lines) for the estimate's error.
_FLOW_MARGIN = 720


class SectionsMixin:
    """Body blocks, data tables and landscape sections of :class:`Nd30Document`."""

    doc: Any
    page: PageSetup
    _body: Any
    _sect_pr: Any
    _flow: PageFlow
    _landscape: list[Any]
    _landscape_mark: Any
    _unmeasured: list[Any]
    _tracking: bool
    _spill: Spill | None = None
    #: Data tables that nothing looks back at are held as text (False: every table
    #: is an element of the tree, as a test compares).
    hold_tables = True

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

    def table(
        self,
        columns: Sequence[TableColumn],
        rows: Sequence[Sequence[str]],
        *,
        total: Sequence[str] | None = None,
        total_span: int = 1,
        intro: Sequence[str] = (),
    ) -> Table | None:
        """A bordered data table ("Table Grid"): bold centred header rows repeated on
        every page, a two-row header when columns have a ``group``, and an optional
        bold total row whose first ``total_span`` cells merge into its label.

        Column widths follow the content (figures never wrap mid-number); a table
        too wide for a portrait page gets a landscape page of its own, ``intro``
        lines (body or "-"/"+" bullet paragraphs) going with it.

        Returns the table's element, or None for one held as text (most of them).
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
                keep_with_next(p._p)  # the introduction stays with it
        widths = _distribute(columns, minimum, preferred, width)

        xml_rows = _header_rows(columns, widths) + _body_rows(
            columns, widths, rows, keep_last=total is not None
        )
        if total is not None:
            xml_rows.append(_total_row(columns, widths, total, total_span))
        xml = _table_xml(widths, xml_rows, style="Table Grid", borders=True)
        if not landscape and size == _TABLE_FONT and not self._landscape and self.hold_tables:
            # Nothing will look back at it: held as its text (never a tree, which a
            # roll-up's tables of thousands of rows would only be serialized back from),
            # measured from its header rows and texts, after its introduction.
            self._settle()
            header = parse_xml(_table_xml(widths, _header_rows(columns, widths),
                                          style="Table Grid", borders=True))
            self._flow.hint_rows(header, *self._row_looks(), size,
                                 self._row_cells(columns, widths, rows, total, total_span),
                                 total is not None)
            self._flow.add(header)
            self._hold(xml.replace(f' xmlns:w="{_W_NS}"', "", 1).encode())
            self.paragraph("", STYLE.TABLE_TEXT)
            return None
        # A landscape table is kept out of the body until its landscape page: taking a
        # long table out of the body again costs lxml a walk of every node.
        table = Table(parse_xml(xml), self.doc._body) if landscape else self._add_table(xml)
        if not landscape:  # the page estimate reads the rows from their texts
            self._flow.hint_rows(table._tbl, *self._row_looks(), size,
                                 self._row_cells(columns, widths, rows, total, total_span),
                                 total is not None)
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
            self._landscape.extend([*body[::-1], table._tbl])
            self._landscape_mark = self._sect_pr.getprevious()  # nothing written after yet
            self._tracking = True
        else:
            # A paragraph after the table keeps the next table or text apart from it.
            self.paragraph("", STYLE.TABLE_TEXT)
        return table

    def _hold(self, xml: bytes) -> None:
        """Put blocks (their XML, measured) at the end of the body, held as text out of
        the tree (:meth:`Spill.hold`)."""
        if not xml:
            return
        if self._spill is None:
            self._spill = Spill(self._body, self._sect_pr)
        self._sect_pr.addprevious(self._spill.hold(xml))

    @staticmethod
    def _row_looks() -> tuple[LineStyle, LineStyle]:
        """The styles of a data table's body rows and of its total row."""
        return (_LINE_STYLES[_style_id(STYLE.TABLE_TEXT)],
                _LINE_STYLES[_style_id(STYLE.TABLE_TOTAL)])

    @staticmethod
    def _row_cells(columns: Sequence[TableColumn], widths: Sequence[int],
                   rows: Sequence[Sequence[str]], total: Sequence[str] | None,
                   total_span: int) -> list[list[tuple[str, int]]]:
        """Each body row's (text, width) cells, the total row last: what the page
        estimate measures a data table's rows by (:meth:`PageFlow.hint_rows`). The
        texts are cleaned already (:func:`clean_text`)."""
        cells = [[(r[c] if c < len(r) else "", widths[c]) for c in range(len(columns))]
                 for r in rows]
        if total is not None:
            span = max(1, min(total_span, len(columns)))
            cells.append([(total[0] if total else "", sum(widths[:span]))] + [
                (total[c] if c < len(total) else "", widths[c])
                for c in range(span, len(columns))])
        return cells

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
