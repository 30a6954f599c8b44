"""The roll-up as an XLSX workbook (openpyxl).

Sheets: the submission status; one sheet per roll-up table with the same totals
as the DOCX (ratios of totals, never averages); the raw answers (one row per
agency, one column per question; table cells as ``question.row.column``);
each repeat list on its own sheet, linked to the raw answers by agency and item
number.

Text that starts with ``= + - @`` (or a tab/CR) is written as a string cell with
Excel's quote prefix, so Excel shows the text and never runs it as a formula.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import zlib
from collections.abc import Iterable, Sequence
from copy import copy
from typing import IO, Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.compat import safe_string
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.dimensions import RowDimension
from openpyxl.worksheet.worksheet import Worksheet

from dialogs.schema import QuestionType
from dialogs.vn import percent_rounding
from renderers.nd30 import clean_text, reproducible_zip
from renderers.package_parts import Rewrite, rewrite_parts
from renderers.percent import PERCENT_DECIMALS, cut_percent
from renderers.report import format_value
from renderers.rollup import STATE_LABELS, Rollup, RollupTable, TableCol

__all__ = ["DANGEROUS_PREFIXES", "render_rollup_xlsx", "safe_sheet_title", "safe_text"]

DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
MAX_TITLE = 31
_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")
#: Number formats tagged Vietnamese ([$-42A]): LibreOffice (and so the PDF) shows
#: "1.444" and "92,90%" whatever the machine's locale; Excel applies the user's
#: regional separators, which a Vietnamese office has set to the same.
VN = "[$-42A]"
NUMBER_FORMAT = VN + "#,##0"
DECIMAL_FORMAT = VN + "#,##0.##"
PERCENT_FORMAT = VN + "0.00%"
WHOLE_PERCENT_FORMAT = VN + "0%"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
DATE_FORMAT = "dd/mm/yyyy"
FONT_NAME = "Times New Roman"
FONT = Font(name=FONT_NAME, size=12)
BOLD = Font(name=FONT_NAME, size=12, bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
_THIN = Side(style="thin", color="000000")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
MAX_WIDTH = 60


def safe_text(text: Any) -> str:
    return clean_text(text)


def safe_sheet_title(title: str, taken: Iterable[str] = ()) -> str:
    """A valid, unique sheet title: no ``[]:*?/\\``, ≤ 31 characters, not quoted."""
    base = _BAD_TITLE.sub(" ", clean_text(title))
    base = re.sub(r"\s+", " ", base).strip().strip("'").strip() or "Trang"
    base = base[:MAX_TITLE].rstrip()
    used = {t.lower() for t in taken}
    candidate, n = base, 1
    while candidate.lower() in used:
        n += 1
        suffix = f" ({n})"
        candidate = base[: MAX_TITLE - len(suffix)].rstrip() + suffix
    return candidate


# A cell is held as a small list until its sheet is streamed out:
# [value, bold, border, number format (or _PCT), quote prefix, alignment key, fill]
_V, _BOLD, _BORDER, _FMT, _QUOTE, _ALIGN, _FILL = range(7)
_PCT = object()  # a share: 0.00% or 0% once the whole workbook is known
_WRAP_TOP, _HEADER, _NO_WRAP = "wrap_top", "header", "no_wrap"
_ALIGNMENTS = {
    _WRAP_TOP: Alignment(wrap_text=True, vertical="top"),
    _HEADER: Alignment(wrap_text=True, vertical="center", horizontal="center"),
    _NO_WRAP: Alignment(wrap_text=False),
}
_DEFAULT_WIDTH = 13  # openpyxl's width of a column given none


class _Sheet:
    """One sheet's cells, kept as plain lists: widths, header heights and the share
    format are worked out on them, then the sheet is written out (:func:`_stream`; a
    normal-mode openpyxl cell with its styles costs ~10x more)."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.rows: dict[int, dict[int, list[Any]]] = {}
        self.freeze: tuple[int, int] | None = None  # (row, column) of the first free cell
        self.widths: dict[int, float] = {}
        self.heights: dict[int, float] = {}

    def cell(self, row: int, col: int) -> list[Any]:
        cells = self.rows.setdefault(row, {})
        spec = cells.get(col)
        if spec is None:
            spec = cells[col] = [None, False, False, None, False, None, False]
        return spec

    @property
    def max_column(self) -> int:
        return max((max(c) for c in self.rows.values() if c), default=1)


def _put(ws: _Sheet, row: int, col: int, value: Any, *, kind: str = "text",
         bold: bool = False) -> list[Any]:
    """Write one cell in Times New Roman with a border; percentages hold exactly the
    digits the DOCX prints (cut to two decimals), dates are dates."""
    spec = ws.cell(row, col)
    spec[_BORDER] = True
    spec[_BOLD] = bold
    if isinstance(value, bool):
        value = "Có" if value else "Không"
    if value is None:
        pass
    elif isinstance(value, dt.datetime | dt.date):
        spec[_V] = value
        spec[_FMT] = DATETIME_FORMAT if isinstance(value, dt.datetime) else DATE_FORMAT
    elif isinstance(value, int | float) and kind in ("number", "percent"):
        if kind == "percent":
            spec[_V] = round(cut_percent(value) / 100, PERCENT_DECIMALS + 2)
            spec[_FMT] = _PCT
        else:
            spec[_V] = value
            is_int = isinstance(value, int) or float(value).is_integer()
            spec[_FMT] = NUMBER_FORMAT if is_int else DECIMAL_FORMAT
    elif isinstance(value, int | float):
        spec[_V] = value
    else:
        text = safe_text(value)
        spec[_V] = text
        if text.startswith(DANGEROUS_PREFIXES):
            spec[_QUOTE] = True
        if "\n" in text or len(text) > MAX_WIDTH:
            spec[_ALIGN] = _WRAP_TOP
    return spec


#: Column-width units (about one character of 11-point Calibri) across an A4 page
#: inside the margins, at 100 %; a sheet is scaled down to at most 1/0,6 of that.
_PORTRAIT_UNITS, _LANDSCAPE_UNITS, _MIN_SCALE = 95, 140, 0.6


def _print_setup(ws: Worksheet, sheet: _Sheet) -> None:
    """Printed (or converted to PDF) as a document is: A4, portrait when the columns
    fit, otherwise landscape; scaled to the page width rather than cut into strips
    of one or two columns; header rows repeated on every page; page numbers."""
    widths = [sheet.widths.get(c, _DEFAULT_WIDTH) for c in range(1, sheet.max_column + 1)]
    total = sum(widths)
    landscape = total > _PORTRAIT_UNITS
    units = _LANDSCAPE_UNITS if landscape else _PORTRAIT_UNITS
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = max(1, math.ceil(total / (units / _MIN_SCALE)))
    ws.page_setup.fitToHeight = 0  # as many pages down as the rows need
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.page_margins.footer = 0.3
    if sheet.freeze:
        ws.freeze_panes = f"{get_column_letter(sheet.freeze[1])}{sheet.freeze[0]}"
        header_end = sheet.freeze[0] - 1
        if header_end >= 1:
            ws.print_title_rows = f"1:{header_end}"
            _header_heights(sheet, header_end)
    ws.oddFooter.center.text = "Trang &P/&N"
    ws.oddFooter.center.font = FONT_NAME
    ws.oddFooter.center.size = 10


def _header_heights(ws: _Sheet, header_end: int) -> None:
    """Header rows tall enough for their wrapped labels (a row keeps one line's
    height otherwise, and the label is cut)."""
    for r in range(1, header_end + 1):
        lines = 1
        for col, spec in ws.rows.get(r, {}).items():
            value = spec[_V]
            if not isinstance(value, str) or spec[_ALIGN] not in (_WRAP_TOP, _HEADER):
                continue
            width = ws.widths.get(col, _DEFAULT_WIDTH)
            # bold Times New Roman 12: about 1,1 width units a character
            lines = max(lines, math.ceil(len(value) * 1.1 / max(width - 1, 1)))
        if lines > 1:
            ws.heights[r] = 16 * lines + 2


def _has_fraction(sheets: Iterable[_Sheet]) -> bool:
    """Whether any share of the workbook has decimals once cut: then every share shows
    ``0.00%``, otherwise ``0%`` (as the DOCX pads every share to the most decimals
    any prints)."""
    for ws in sheets:
        for cells in ws.rows.values():
            for spec in cells.values():
                if (spec[_FMT] is _PCT and isinstance(spec[_V], int | float)
                        and not float(cut_percent(spec[_V] * 100)).is_integer()):
                    return True
    return False


def _fit_widths(ws: _Sheet, minimum: int = 6) -> None:
    """Column widths from the longest line of each column (capped; long text wraps)."""
    longest: dict[int, int] = {}
    for r, cells in ws.rows.items():
        for col, spec in cells.items():
            value = spec[_V]
            if value is None:
                continue
            if isinstance(value, dt.datetime):
                size = 16
            elif isinstance(value, dt.date):
                size = 10
            elif isinstance(value, int | float):
                size = len(f"{value:,.2f}")
            else:
                size = max(len(x) for x in str(value).split("\n"))
            if r == 1 and not spec[_BORDER]:
                continue  # a sheet title over the table, not a column
            if r <= 2 and spec[_BOLD]:
                size = min(size, 30)  # header labels wrap rather than widen the column
            longest[col] = max(longest.get(col, 0), size)
    for column, size in longest.items():
        ws.widths[column] = min(MAX_WIDTH, max(minimum, size + 2))


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _header(ws: _Sheet, labels: Sequence[str], row: int = 1) -> None:
    for i, label in enumerate(labels, start=1):
        spec = _put(ws, row, i, label, bold=True)
        spec[_FILL] = True
        spec[_ALIGN] = _HEADER
    ws.freeze = (row + 1, 1)


def _label(col: TableCol) -> str:
    text = f"{col.group} - {col.label}" if col.group else col.label
    return f"{text} ({col.unit})" if col.unit else text


class _Styles:
    """One style array per distinct look, copied onto each streamed cell (setting a
    cell's font, border, … one by one hashes those objects every time)."""

    def __init__(self, ws: Worksheet, percent_format: str) -> None:
        self.ws = ws
        self.percent_format = percent_format
        self.cache: dict[tuple[Any, ...], Any] = {}

    def style(self, spec: list[Any]) -> Any:
        fmt = self.percent_format if spec[_FMT] is _PCT else spec[_FMT]
        key = (spec[_BOLD], spec[_BORDER], fmt, spec[_QUOTE], spec[_ALIGN], spec[_FILL])
        style = self.cache.get(key)
        if style is None:
            cell = WriteOnlyCell(self.ws)
            cell.font = BOLD if spec[_BOLD] else FONT
            if spec[_BORDER]:
                cell.border = BORDER
            if fmt is not None:
                cell.number_format = fmt
            if spec[_QUOTE]:
                cell.quotePrefix = True
            if spec[_ALIGN] is not None:
                cell.alignment = _ALIGNMENTS[spec[_ALIGN]]
            if spec[_FILL]:
                cell.fill = HEADER_FILL
            style = self.cache[key] = cell._style
        return style


def _stream(wb: Workbook, sheet: _Sheet, percent_format: str) -> tuple[Worksheet, bytes]:
    """Add ``sheet`` to ``wb`` (columns, print set-up, frozen panes) and return it with
    its rows as SpreadsheetML (deflated), which :func:`_with_rows` puts in the saved
    workbook.

    The rows are the markup openpyxl's write-only mode writes for the same cells (inline
    strings, character references, a style per cell), written as text: openpyxl builds
    each cell through lxml, ~35 µs a cell, and a national roll-up has ~900,000."""
    ws = wb.create_sheet(sheet.title)
    for col, width in sheet.widths.items():
        ws.column_dimensions[get_column_letter(col)].width = width
    _print_setup(ws, sheet)
    styles = _Styles(ws, percent_format)
    style_ids: dict[int, str] = {}  # id(style array) -> its number in the workbook
    out: list[str] = []
    packed = zlib.compressobj(1)  # a national raw-answers sheet is ~30 MB of XML
    chunks: list[bytes] = []
    last = 0
    for r in sorted(sheet.rows):
        if len(out) > 10_000:
            chunks.append(packed.compress("".join(out).encode("ascii")))
            out.clear()
        while last < r - 1:
            last += 1
            out.append(_row_tag(ws, last, sheet.heights) + "</row>")
        out.append(_row_tag(ws, r, sheet.heights))
        cells = sheet.rows[r]
        for col in sorted(cells):
            spec = cells[col]
            style = styles.style(spec)
            sid = style_ids.get(id(style))
            if sid is None:  # numbered in order of first use, as openpyxl does
                sid = style_ids[id(style)] = str(wb._cell_styles.add(copy(style)))
            out.append(_cell_xml(f"{get_column_letter(col)}{r}", sid, spec[_V], wb.epoch))
        out.append("</row>")
        last = r
    chunks.append(packed.compress("".join(out).encode("ascii")))
    chunks.append(packed.flush())
    return ws, b"".join(chunks)


def _row_tag(ws: Worksheet, r: int, heights: dict[int, float]) -> str:
    height = heights.get(r)
    if height is None:
        return f'<row r="{r}">'
    dims = RowDimension(ws, index=r)
    dims.height = height
    return f'<row r="{r}"' + "".join(f' {k}="{v}"' for k, v in dims) + ">"


def _xml_text(text: str) -> str:
    """``text`` as SpreadsheetML character data, as lxml writes it in ASCII."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if "\r" in text:
        text = text.replace("\r", "&#13;")
    return text.encode("ascii", "xmlcharrefreplace").decode("ascii")


def _cell_xml(ref: str, style: str, value: Any, epoch: dt.datetime) -> str:
    head = f'<c r="{ref}" s="{style}"'
    if isinstance(value, str):  # a string, whatever it looks like: never a formula
        if not value:
            return head + ' t="inlineStr"></c>'
        space = ' xml:space="preserve"' if value != value.strip() else ""
        return f'{head} t="inlineStr"><is><t{space}>{_xml_text(value)}</t></is></c>'
    if value is None:
        return head + ' t="n"></c>'
    if isinstance(value, dt.datetime | dt.date):
        value = to_excel(value, epoch)
    return f'{head} t="n"><v>{_xml_text(safe_string(value))}</v></c>'


_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")
_CREATED = re.compile(rb"<dcterms:created[^>]*>([^<]*)</dcterms:created>")


def _with_rows(xlsx: bytes, rows: dict[str, bytes]) -> bytes:
    """The saved workbook ``xlsx`` with each sheet's rows (deflated, by part name) in
    place, streamed into its entry, and the same bytes for the same roll-up: openpyxl
    dates the zip's entries, and the file's "modified" property, with the time of
    saving; they get the epoch (:func:`reproducible_zip`) and the "created" time (the
    roll-up's ``as_of``)."""
    parts: dict[str, Rewrite] = {name: _sheet_rows(body) for name, body in rows.items()}
    parts["docProps/core.xml"] = _modified_when_created
    return reproducible_zip(rewrite_parts(xlsx, parts))


def _sheet_rows(body: bytes) -> Rewrite:
    """Writes a sheet saved with no rows with ``body`` (deflated) as its rows."""

    def write(data: bytes, stream: IO[bytes]) -> None:
        empty = b"<sheetData></sheetData>" if b"<sheetData></sheetData>" in data \
            else b"<sheetData/>"
        if data.count(empty) != 1:
            raise ValueError("a sheet without one empty sheetData")
        head, tail = data.split(empty)
        stream.write(head + b"<sheetData>")
        unpack = zlib.decompressobj()
        for at in range(0, len(body), 1 << 20):
            stream.write(unpack.decompress(body[at : at + (1 << 20)]))
        stream.write(unpack.flush() + b"</sheetData>" + tail)

    return write


def _modified_when_created(data: bytes, stream: IO[bytes]) -> None:
    created = _CREATED.search(data)
    if created is not None:
        data = _MODIFIED.sub(rb"\g<1>" + created[1] + rb"\g<2>", data)
    stream.write(data)


class _Writer:
    def __init__(self, rollup: Rollup) -> None:
        self.r = rollup
        self.wb = Workbook(write_only=True)
        self.sheets: list[_Sheet] = []
        self.tz = ZoneInfo(rollup.info.timezone)

    def sheet(self, title: str) -> _Sheet:
        name = safe_sheet_title(title, [s.title for s in self.sheets])
        ws = _Sheet(name)
        self.sheets.append(ws)
        return ws

    def write(self) -> bytes:
        self.status()
        for n, table in enumerate((t for t in self.r.tables if t.sheet), start=1):
            self.table(n, table)
        self.raw()
        for repeat in self.r.repeats:
            self.repeat(repeat)
        self.properties()
        percent_format = PERCENT_FORMAT if _has_fraction(self.sheets) else WHOLE_PERCENT_FORMAT
        streamed = []
        while self.sheets:  # each freed once written
            streamed.append(_stream(self.wb, self.sheets.pop(0), percent_format))
        buffer = io.BytesIO()
        self.wb.save(buffer)
        return _with_rows(buffer.getvalue(), {ws.path.lstrip("/"): rows for ws, rows in streamed})

    def properties(self) -> None:
        """Title = the roll-up's subject, author = the DIC, created = render time."""
        info = self.r.info
        when = (info.as_of or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
        when = when.replace(tzinfo=None, microsecond=0)
        props = self.wb.properties
        props.title = clean_text(f"Tổng hợp {self.r.subject[:1].lower()}{self.r.subject[1:]}")
        props.creator = clean_text(info.collector.name)
        props.lastModifiedBy = clean_text(info.collector.name)
        props.created = when
        props.modified = when
        props.language = "vi-VN"

    def status(self) -> None:
        ws = self.sheet("Tình hình nộp")
        _header(ws, ["STT", "Cơ quan, đơn vị", "Viết tắt", "Tình trạng", "Thời điểm nộp",
                     "Phiên bản"])
        for i, e in enumerate(self.r.entries, start=1):
            when = e.submitted_at.astimezone(self.tz).replace(tzinfo=None) \
                if e.submitted_at and e.state in ("submitted_on_time", "submitted_late") else None
            values = [i, e.agency.name, e.agency.abbreviation,
                      STATE_LABELS.get(e.state, e.state), when, e.version or None]
            for c, value in enumerate(values, start=1):
                _put(ws, i + 1, c, value, kind="number" if c in (1, 6) else "text")
        _fit_widths(ws)

    def table(self, n: int, t: RollupTable) -> None:
        ws = self.sheet(f"{n:02d} {t.title.rstrip(':')}")
        title = _put(ws, 1, 1, t.title, bold=True)
        title[_BORDER], title[_ALIGN] = False, _NO_WRAP
        labels = ["STT", *(_label(c) for c in t.columns)]
        _header(ws, labels, row=2)
        for i, row in enumerate(t.rows, start=1):
            _put(ws, i + 2, 1, i, kind="number")
            for c, (value, col) in enumerate(zip(row, t.columns, strict=False), start=2):
                _put(ws, i + 2, c, value, kind=col.kind)
        if t.total is not None:
            r = len(t.rows) + 3
            _put(ws, r, 1, None, bold=True)
            _put(ws, r, 2, t.total[0], bold=True)
            for c, (value, col) in enumerate(zip(t.total[1:], t.columns[1:], strict=False),
                                             start=3):
                _put(ws, r, c, value, kind=col.kind, bold=True)
        _fit_widths(ws)
        ws.widths[1] = 6

    def raw(self) -> None:
        ws = self.sheet("Số liệu gốc")
        template = self.r.template
        columns: list[tuple[str, Any]] = []  # (header, getter)
        for q in template.iter_questions():
            if q.type is QuestionType.NOTE:
                continue
            if q.type is QuestionType.TABLE:
                for row in q.rows:
                    for c in q.columns:
                        name = (f"{q.short_label} - {row.label}" if len(q.rows) > 1
                                else q.short_label)
                        columns.append((f"{name}: {_label(TableCol(c.label, group=c.group))}",
                                        (q.id, row.id, c.id, c.type, c.unit, c.choices)))
            elif q.type is QuestionType.REPEAT:
                columns.append((f"{q.short_label} (số mục)",
                                (q.id, None, None, "count", None, ())))
            else:
                columns.append((q.short_label, (q.id, None, None, q.type, q.unit, q.choices)))
        _header(ws, ["Cơ quan, đơn vị", "Viết tắt", *(h for h, _ in columns)])
        # row 2: the question ids, for formulas and imports
        _put(ws, 2, 1, "(mã câu hỏi)")
        for i, (_, (qid, row_id, col_id, *_rest)) in enumerate(columns, start=3):
            _put(ws, 2, i, ".".join(x for x in (qid, row_id, col_id) if x))
        ws.freeze = (3, 3)
        for r, entry in enumerate(self.r.submitted, start=3):
            values = self.r.values.get(entry.agency.id, {})
            _put(ws, r, 1, entry.agency.name)
            _put(ws, r, 2, entry.agency.abbreviation)
            for c, (_, (qid, row_id, col_id, qtype, unit, choices)) in enumerate(columns,
                                                                                  start=3):
                value = values.get(qid)
                if qtype == "count":
                    _put(ws, r, c, len(value or []), kind="number")
                    continue
                if row_id is not None:
                    value = ((value or {}).get(row_id) or {}).get(col_id)
                if qtype in (QuestionType.INTEGER, QuestionType.DECIMAL) or (
                        qtype is QuestionType.COMPUTED and unit != "%"):
                    _put(ws, r, c, value if isinstance(value, int | float) else None,
                         kind="number")
                elif qtype is QuestionType.PERCENT or qtype is QuestionType.COMPUTED:
                    _put(ws, r, c, value if isinstance(value, int | float) else None,
                         kind="percent")
                elif qtype is QuestionType.DATE and _as_date(value) is not None:
                    _put(ws, r, c, _as_date(value))
                else:
                    _put(ws, r, c, format_value(value, qtype, choices=choices, unit=unit) or None)
        _fit_widths(ws)

    def repeat(self, repeat: Any) -> None:
        q = repeat.question
        ws = self.sheet(f"DS {q.short_label}")
        fields = list(q.fields)
        _header(ws, ["Cơ quan, đơn vị", "Viết tắt", "Mục số", *(f.label for f in fields)])
        for r, (agency, index, item) in enumerate(repeat.rows, start=2):
            _put(ws, r, 1, agency.name)
            _put(ws, r, 2, agency.abbreviation)
            _put(ws, r, 3, index, kind="number")
            for c, f in enumerate(fields, start=4):
                value = item.get(f.id)
                if f.type in (QuestionType.INTEGER, QuestionType.DECIMAL):
                    _put(ws, r, c, value if isinstance(value, int | float) else None,
                         kind="number")
                elif f.type is QuestionType.DATE and _as_date(value) is not None:
                    _put(ws, r, c, _as_date(value))
                else:
                    _put(ws, r, c, format_value(value, f.type, choices=f.choices,
                                                unit=f.unit) or None)
        _fit_widths(ws)


def render_rollup_xlsx(rollup: Rollup) -> bytes:
    """The workbook as bytes."""
    with percent_rounding(rollup.template.percent):
        return _Writer(rollup).write()
