"""The top of a Decree 30 document: the page (size, margins, page numbers from
page 2), the two-column header table, the title or the "Kính gửi" line."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from docx.enum.section import WD_SECTION_START
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.shared import Pt, Twips
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from renderers.header_layout import header_layout, issues_in_own_name
from renderers.nd30_format import (
    STYLE,
    TABLE_CELL_MARGIN,
    PageSetup,
    _insert_ppr_child,
    clean_text,
)
from renderers.nd30_tables import (
    _ROW,
    _cell_xml,
    _new_paragraph,
    _table_xml,
    _write_cell,
)
from renderers.textwidth import text_width_twips


class HeaderMixin:
    """Page setup, header table, title and addressee of :class:`Nd30Document`."""

    doc: Any
    page: PageSetup
    _body: Any
    _sect_pr: Any

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
