"""An estimate of where the text has got to on the current page, so that a landscape
table can be put at a natural page end (see :mod:`renderers.nd30_sections`).

Lines are wrapped greedily with the measured Times New Roman widths
(:mod:`renderers.textwidth`) and given LibreOffice's line height (Times New Roman's
ascent, descent and line gap, 1.149 em, times the style's line spacing); a table row
never splits (``cantSplit``), its height the tallest cell. An estimate: Word and LibreOffice break
a line or two differently, so callers leave a margin.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from docx.oxml.ns import qn

from renderers.textwidth import text_width_twips, word_widths

__all__ = ["LineStyle", "PageFlow"]

#: Line height of Times New Roman (and Liberation Serif): ascent, descent, gap; in em.
_LINE_EM = 1.149
_EMU_PER_TWIP = 635

_W_P, _W_TBL, _W_TR, _W_TC = qn("w:p"), qn("w:tbl"), qn("w:tr"), qn("w:tc")
_W_PPR, _W_PSTYLE, _W_VAL, _W_T = qn("w:pPr"), qn("w:pStyle"), qn("w:val"), qn("w:t")
_W_TCPR, _W_TCW, _W_W, _W_SZ = qn("w:tcPr"), qn("w:tcW"), qn("w:w"), qn("w:sz")
_W_TRPR, _W_HEADER, _W_IND = qn("w:trPr"), qn("w:tblHeader"), qn("w:ind")
_W_SECT, _W_PBB, _W_KEEP = qn("w:sectPr"), qn("w:pageBreakBefore"), qn("w:keepNext")
_W_LEFT, _W_FIRST = qn("w:left"), qn("w:firstLine")
_EXTENT = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}extent"


@dataclass(frozen=True)
class LineStyle:
    """What the estimate needs of a paragraph style (twips and points)."""

    size: float = 14
    bold: bool = False
    line: float = 1.0  # multiple of single spacing
    before: int = 0  # twips
    after: int = 0
    first_line: int = 0
    left: int = 0
    page_break_before: bool = False
    keep_next: bool = False


def _child(element: Any, tag: str) -> Any:
    """``element.find(tag)`` for a tag name: the first child so named (lxml's ``find``
    goes through its path language, twice as slow for the many paragraphs measured)."""
    for child in element:
        if child.tag == tag:
            return child
    return None


@lru_cache(maxsize=65536)  # table cells repeat ("2.480", an agency's name)
def _line_count(text: str, width: int, first: int, size: float, bold: bool) -> int:
    """Lines ``text`` takes when wrapped greedily in ``width`` twips (the first line
    ``first`` twips shorter)."""
    if width <= 0 or text_width_twips(text, size, bold=bold) <= width - first:
        return 1
    space = text_width_twips(" ", size, bold=bold)
    lines, used, room = 1, 0, width - first
    for w in word_widths(text.split(), size, bold=bold):
        if used and used + space + w > room:
            lines += 1
            used, room = 0, width
        used += (space if used else 0) + w
        while used > room:  # a word longer than the line
            lines += 1
            used -= room
            room = width
    return lines


@lru_cache(maxsize=65536)  # a column's figures repeat down a long table
def _cell_height(text: str, width: int, look: LineStyle, size: float) -> int:
    """The height of a data table cell ``width`` wide holding ``text`` in ``look``."""
    inner = max(1, width - 114)
    height = 0
    for line in text.split("\n"):
        at = size if line else look.size
        line_height = round(at * 20 * _LINE_EM * look.line)
        count = _line_count(line, inner - look.left, look.first_line, at, look.bold)
        height += line_height * count + look.before + look.after
    return height


class PageFlow:
    """The height used on the current page (``y``, twips) as blocks are added."""

    def __init__(self, styles: Mapping[str, LineStyle], default: LineStyle) -> None:
        self.styles = styles
        self.default = default
        self.height = 0
        self.width = 0
        self.y = 0
        self._kept = 0  # height of the keep-with-next paragraphs just added
        self._hints: dict[Any, list[int]] = {}  # data tables' body rows, measured

    def new_page(self, height: int, width: int) -> None:
        self.height, self.width, self.y, self._kept = height, width, 0, 0

    def _break(self) -> None:
        """A page end before the block being added: the keep-with-next paragraphs just
        before it (a heading, a lead-in) go to the new page with it."""
        self.y = self._kept if self._kept < self.height // 2 else 0

    # -- measuring ----------------------------------------------------------------------

    def _style(self, p: Any) -> tuple[LineStyle, Any]:
        ppr = _child(p, _W_PPR)
        pstyle = _child(ppr, _W_PSTYLE) if ppr is not None else None
        style = self.styles.get(pstyle.get(_W_VAL), self.default) if pstyle is not None \
            else self.default
        return style, ppr

    def paragraph_lines(self, p: Any, width: int) -> tuple[LineStyle, list[int]]:
        """The style and the heights of the lines of paragraph ``p`` set ``width`` wide
        (spacing before on the first, after on the last)."""
        style, ppr = self._style(p)
        left, first = style.left, style.first_line
        ind = _child(ppr, _W_IND) if ppr is not None else None
        if ind is not None:
            left = int(ind.get(_W_LEFT, left))
            first = int(ind.get(_W_FIRST, first))
        size = style.size
        texts, extent = [], None
        for el in p.iter(_W_T, _W_SZ, _EXTENT):  # one walk of the paragraph
            if el.tag == _W_T:
                texts.append(el.text or "")
            elif el.tag == _W_SZ:
                size = int(el.get(_W_VAL, size * 2)) / 2
            else:
                extent = el
        if extent is None:
            return style, self.text_lines(style, "".join(texts), width, left, first, size)
        line = round(size * 20 * _LINE_EM * style.line)
        heights = [int(extent.get("cy", 0)) // _EMU_PER_TWIP + line // 4]  # a picture
        heights[0] += style.before
        heights[-1] += style.after
        return style, heights

    @staticmethod
    def text_lines(style: LineStyle, text: str, width: int, left: int, first: int,
                   size: float) -> list[int]:
        """The heights of the lines of a paragraph of ``text`` in ``style`` set
        ``width`` wide, indented ``left`` (the first line ``first`` more)."""
        line = round(size * 20 * _LINE_EM * style.line)
        heights = [line] * _line_count(text, width - left, first, size, style.bold)
        heights[0] += style.before
        heights[-1] += style.after
        return heights

    def hint_rows(self, tbl: Any, style: LineStyle, total: LineStyle, size: float,
                  cells: Sequence[Sequence[tuple[str, int]]], has_total: bool) -> None:
        """The body rows of data table ``tbl`` measured from their texts (``cells``:
        each row's (text, width) pairs, the total row last when ``has_total``), as
        reading its XML would, only faster: a roll-up's tables are long."""
        heights = []
        for n, row in enumerate(cells):
            look = total if has_total and n == len(cells) - 1 else style
            tallest = max((_cell_height(text, width, look, size) for text, width in row),
                          default=0)
            heights.append(tallest + 10)
        self._hints[tbl] = heights

    def _table_rows(self, tbl: Any) -> list[tuple[int, bool]]:
        """(height, repeated header) of each row."""
        rows: list[tuple[int, bool]] = []
        hint = self._hints.pop(tbl, None)
        for tr in tbl.iter(_W_TR):
            if hint is not None:
                trpr = _child(tr, _W_TRPR)
                if trpr is None or _child(trpr, _W_HEADER) is None:
                    return rows + [(h, False) for h in hint]
            tallest = 0
            for tc in tr.iter(_W_TC):
                tcpr = _child(tc, _W_TCPR)
                tcw = _child(tcpr, _W_TCW) if tcpr is not None else None
                width = int(tcw.get(_W_W, 0)) if tcw is not None else 0
                inner = max(1, width - 114)
                tallest = max(tallest, sum(
                    sum(self.paragraph_lines(p, inner)[1]) for p in tc.iter(_W_P)))
            trpr = _child(tr, _W_TRPR)
            header = trpr is not None and _child(trpr, _W_HEADER) is not None
            rows.append((tallest + 10, header))  # + the borders
        # the header rows alone were given (the table itself is held as text)
        return rows if hint is None else rows + [(h, False) for h in hint]

    # -- flowing ------------------------------------------------------------------------

    def fits(self, element: Any) -> bool:
        """Whether ``element`` would end above the page foot if added now."""
        return self.y + self.measure(element) <= self.height

    def measure(self, element: Any) -> int:
        if element.tag == _W_TBL:
            return sum(h for h, _ in self._table_rows(element))
        if element.tag == _W_P:
            return sum(self.paragraph_lines(element, self.width)[1])
        return 0

    def add(self, element: Any) -> None:
        """Move ``y`` down past ``element`` (a paragraph or a table), onto new pages as
        it overflows; a page break before it, or a section break in it, starts one."""
        kept, self._kept = self._kept, 0
        if element.tag == _W_TBL:
            rows = self._table_rows(element)
            header = sum(h for h, repeated in rows if repeated)
            first = header + next((h for h, repeated in rows if not repeated), 0)
            if self.y + first > self.height and self.y > 0:
                self._kept = kept
                self._break()
                self._kept = 0
            for h, _ in rows:
                if self.y + h > self.height and self.y > 0:
                    self.y = header
                self.y += h
            return
        if element.tag != _W_P:
            return
        style, heights = self.paragraph_lines(element, self.width)
        ppr = _child(element, _W_PPR)
        self._add_lines(heights, kept, page_break=style.page_break_before or (
            ppr is not None and _child(ppr, _W_PBB) is not None), keep=style.keep_next or (
            ppr is not None and _child(ppr, _W_KEEP) is not None))

    def add_text(self, style: LineStyle, text: str, left: int, *, keep: bool = False) -> None:
        """Move ``y`` down past a paragraph of ``text`` in ``style``, indented ``left``
        (``keep``: kept with the next), known from its text (a roll-up's narratives are
        written as text, not elements)."""
        kept, self._kept = self._kept, 0
        heights = self.text_lines(style, text, self.width, left, style.first_line, style.size)
        self._add_lines(heights, kept, page_break=style.page_break_before,
                        keep=keep or style.keep_next)

    def _add_lines(self, heights: list[int], kept: int, *, page_break: bool,
                   keep: bool) -> None:
        """Move ``y`` past the lines of a paragraph (``kept``: the height of the
        keep-with-next paragraphs just before it; ``keep``: it keeps with the next)."""
        if page_break and self.y > 0:
            self.y = 0
            kept = 0
        if self.y + sum(heights) > self.height and self.y > 0:
            # lines go on until the page is full; at least two on each side (widows)
            room = self.height - self.y
            fit, used = 0, 0
            for h in heights:
                if used + h > room:
                    break
                fit, used = fit + 1, used + h
            if fit < len(heights) and (fit < 2 or len(heights) - fit < 2):
                fit = 0 if fit < 2 or len(heights) < 4 else len(heights) - 2
            if fit == 0:
                self._kept = kept
                self._break()
            else:
                self.y = 0
            heights = heights[fit:]
        for h in heights:
            if self.y + h > self.height and self.y > 0:
                self.y = 0
            self.y += h
        if keep:
            self._kept = kept + sum(heights)
