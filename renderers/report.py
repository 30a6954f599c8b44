"""One agency's answers → its report as a Decree 30 DOCX.

:func:`render_report` walks the template (sections, questions, appendix) and
drives :class:`renderers.nd30.Nd30Document`; :func:`computed_answers` adds the
values of ``computed`` questions, so the chat review shows the same figures as
the document.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from dialogs.domain import DocumentInfo
from dialogs.expression_eval import evaluate
from dialogs.expressions import ExpressionError, compile_expression
from dialogs.schema import (
    NUMERIC_TYPES,
    Choice,
    Column,
    Question,
    QuestionType,
    Section,
    Template,
)
from dialogs.vn import (
    format_date,
    format_doc_number,
    format_number,
    format_percent,
    format_place_date,
    format_yes_no,
    percent_rounding,
)
from renderers.nd30 import Nd30Document, TableColumn, clean_text
from renderers.percent import mark_share

__all__ = [
    "computed_answers",
    "document_filename",
    "fill",
    "render_report",
    "rest_of_year",
    "upper_title",
]

#: Names of document types by Decree 30 type code (Phụ lục III).
DOCUMENT_TYPES = {
    "BC": "Báo cáo",
    "KH": "Kế hoạch",
    "TTr": "Tờ trình",
    "TB": "Thông báo",
    "QĐ": "Quyết định",
    "CV": "Công văn",
}
DEFAULT_PATTERN = "- {label}: {value}"
ROW_LABEL_HEADER = "Nội dung"
DRAFT_GAP = "…"

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


# ----------------------------------------------------------------------------- text


def fill(text: str | None, names: Mapping[str, Any]) -> str:
    """Replace ``{name}`` placeholders found in ``names``; leave unknown ones as they are.

    One pass only: a substituted value is never scanned again, so answers that
    contain braces are printed verbatim.
    """
    if not text:
        return ""

    def sub(match: re.Match[str]) -> str:
        key = match.group(1)
        if key in names and names[key] is not None:
            return str(names[key])
        return match.group(0)

    return _PLACEHOLDER.sub(sub, str(text))


def placeholders(info: DocumentInfo) -> dict[str, str]:
    """The template placeholders for one agency and round."""
    agency, rnd = info.agency, info.round
    return {
        "agency": agency.name,
        "agency_upper": agency.name.upper(),
        "period": rnd.period_label,
        "period_start": format_date(rnd.period_start),
        "period_end": format_date(rnd.period_end),
        "year": str(rnd.period_end.year),
        "province": rnd.province,
        "collector": rnd.collector,
        "rest_of_year": rest_of_year(rnd.period_end),
        "next_year": str(rnd.period_end.year + 1),
        "next_year_2": str(rnd.period_end.year + 2),
    }


def rest_of_year(period_end: dt.date) -> str:
    """What is left of the year after a period cut on ``period_end`` (Decree 09/2019
    cuts on the 14th): "3 tháng cuối năm 2021" after 9 months, "năm 2022" after a year."""
    months = 12 - period_end.month
    if months <= 0:
        return f"năm {period_end.year + 1}"
    return f"{months} tháng cuối năm {period_end.year}"


_SYMBOL_TOKEN = re.compile(r"\S*[0-9]\S*/\S*|\S*/\S*[0-9]\S*")


def upper_title(text: str) -> str:
    """A heading in capitals, keeping document symbols as written ("02/CT-TTg")."""
    parts = re.split(r"(\s+)", text)
    return "".join(p if _SYMBOL_TOKEN.fullmatch(p) else p.upper() for p in parts)


def _strip_diacritics(text: str) -> str:
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def document_filename(template: Template, info: DocumentInfo) -> str:
    """A safe ASCII file name naming template and period:
    ``"BC-SCT-annual_it-nam-2026.docx"``; the storage adds the version ("-v2")."""
    code = template.type_code if template.kind == "bao_cao" else "CV"
    raw = f"{code}-{info.agency.abbreviation}-{template.id}-{info.round.period_label}"
    ascii_text = _strip_diacritics(raw).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^A-Za-z0-9_]+", "-", ascii_text).strip("-")[:120].strip("-")
    return f"{slug or 'bao-cao'}.docx"


# ----------------------------------------------------------------------------- values


def _is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple | set):
        return len(value) == 0
    if isinstance(value, dict):
        return all(_is_empty(v) for v in value.values())
    if isinstance(value, float):
        return math.isnan(value)
    return False


def _round2(x: float) -> float:
    return float(Decimal(repr(x)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _format_number_like(value: Any, *, percent: bool) -> str:
    if isinstance(value, bool):
        return format_yes_no(value)
    if isinstance(value, int | float | Decimal):
        if isinstance(value, float) and not math.isfinite(value):
            return ""
        if percent:
            return format_percent(value)
        if isinstance(value, float) and not value.is_integer():
            return format_number(_round2(value))
        return format_number(int(value)) if isinstance(value, float) else format_number(value)
    return "" if value is None else str(value)


def _choice_label(choices: Sequence[Choice], value: Any) -> str:
    for choice in choices:
        if choice.value == value:
            return choice.label
    return str(value)


def format_value(
    value: Any,
    qtype: QuestionType,
    *,
    choices: Sequence[Choice] = (),
    unit: str | None = None,
) -> str:
    """An answer as the document prints it (Vietnamese number and date style)."""
    if _is_empty(value):
        return ""
    try:
        if qtype in (QuestionType.INTEGER, QuestionType.DECIMAL):
            return _format_number_like(value, percent=False)
        if qtype is QuestionType.PERCENT:
            return _format_number_like(value, percent=True)
        if qtype is QuestionType.COMPUTED:
            return _format_number_like(value, percent=unit == "%")
        if qtype is QuestionType.DATE:
            return format_date(value)
        if qtype is QuestionType.YES_NO:
            return format_yes_no(bool(value))
        if qtype is QuestionType.SELECT_ONE:
            return _choice_label(choices, value)
        if qtype is QuestionType.SELECT_MULTIPLE:
            items = value if isinstance(value, list | tuple) else [value]
            return ", ".join(_choice_label(choices, v) for v in items)
    except (ValueError, TypeError, ArithmeticError):
        return str(value)
    if isinstance(value, bool):
        return format_yes_no(value)
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value if not _is_empty(v))
    if isinstance(value, dict):
        return ""
    return str(value).strip()


def _column_value(column: Column, value: Any) -> str:
    return format_value(value, column.type, choices=column.choices, unit=column.unit)


# ----------------------------------------------------------------------------- expressions


def _evaluate(source: str | None, env: Mapping[str, Any]) -> Any:
    if not source:
        return None
    try:
        return evaluate(source, env)
    except (ExpressionError, ArithmeticError, TypeError, ValueError, RecursionError):
        return None


def _is_relevant(source: str | None, env: Mapping[str, Any]) -> bool:
    """``relevant`` is false only when it evaluates to False; unknown counts as true."""
    if not source:
        return True
    return _evaluate(source, env) is not False


def computed_answers(template: Template, answers: Mapping[str, Any]) -> dict[str, Any]:
    """``answers`` plus the value of every ``computed`` question.

    Computed questions are evaluated in dependency order (one computed value may
    use another); a cycle or an invalid expression gives ``None``.
    """
    values = dict(answers)
    computed = {
        q.id: q
        for q in template.iter_questions()
        if q.type is QuestionType.COMPUTED and q.expression
    }
    deps: dict[str, set[str]] = {}
    for qid, q in computed.items():
        values.pop(qid, None)
        try:
            names = compile_expression(q.expression or "").names
        except ExpressionError:
            names = frozenset()
        deps[qid] = {n for n in names if n in computed and n != qid}

    done: set[str] = set()
    pending = list(computed)
    while pending:
        ready = [qid for qid in pending if deps[qid] <= done]
        if not ready:  # a cycle: leave those unanswered
            for qid in pending:
                values[qid] = None
            break
        for qid in ready:
            values[qid] = _evaluate(computed[qid].expression, values)
            done.add(qid)
        pending = [qid for qid in pending if qid not in done]
    return values


# ----------------------------------------------------------------------------- numbering


def _roman(n: int) -> str:
    numerals = (
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    )
    out = []
    for value, symbol in numerals:
        while n >= value:
            out.append(symbol)
            n -= value
    return "".join(out)


_DEFAULT_NUMBERING = {1: "roman", 2: "arabic"}


# ----------------------------------------------------------------------------- builder


class _ReportBuilder:
    def __init__(self, template: Template, answers: Mapping[str, Any], info: DocumentInfo):
        self.template = template
        self.info = info
        self.values = computed_answers(template, answers)
        self.names = placeholders(info)
        self.doc = Nd30Document()

    # -- helpers ------------------------------------------------------------------------

    def fill(self, text: str | None, **extra: Any) -> str:
        return clean_text(fill(text, {**self.names, **extra}))

    def emit(self, text: str) -> None:
        """A body paragraph, or a bullet paragraph when it starts with "- "/"+ "."""
        self.doc.text(text)

    def emit_lines(self, text: str) -> None:
        for line in clean_text(text).splitlines():
            self.emit(line)

    def _kind_symbol(self) -> tuple[str | None, str | None]:
        """(type code, drafting unit) for :func:`format_doc_number`."""
        if self.template.kind == "cong_van":
            return None, self.info.agency.drafting_unit
        return self.template.type_code, None

    def _doc_type_name(self) -> str:
        if self.template.kind == "cong_van":
            return "Công văn"
        return DOCUMENT_TYPES.get(self.template.type_code, "Báo cáo")

    # -- document -----------------------------------------------------------------------

    def build(self) -> bytes:
        t, agency = self.template, self.info.agency
        code, unit = self._kind_symbol()
        subject = self.fill(t.subject)
        self.doc.header(
            governing_body=agency.governing_body,
            agency_name=agency.name,
            number_line=format_doc_number(self.info.number, code, agency.abbreviation, unit),
            place_date=format_place_date(agency.place, self.info.issued_on),
            subject_line=f"V/v {subject}" if t.kind == "cong_van" and subject else None,
        )
        if t.kind == "bao_cao":
            self.doc.title(self._doc_type_name(), subject)
        addressees = [self.fill(a) for a in t.addressee]
        self.doc.addressee(addressees)
        self.doc.grounds(self._grounds())
        if t.opening:
            self.emit_lines(self.fill(t.opening))
        self.items(t.sections, depth=1, path=())
        if t.closing:
            self.emit_lines(self.fill(t.closing))
        self.signature(has_addressee=any(a.strip() for a in addressees))
        if t.appendix is not None and self._appendix_has_content():
            self.appendix()
        self.doc.properties(title=subject, author=agency.name, when=self.info.rendered_at)
        return self.doc.to_bytes()

    def _grounds(self) -> list[str]:
        """The round's grounds and request documents with the agency's own; the
        template's fixed grounds when the round names none."""
        template_grounds = [self.fill(g) for g in self.template.grounds]
        refs = self.info.references
        if refs is None:
            return template_grounds
        return [self.fill(g) for g in refs.grounds_lines(template_grounds)]

    def _recipients(self) -> list[str]:
        """Nơi nhận: the agency's list, else the round's, else the template's."""
        refs = self.info.references
        if refs is None:
            return list(self.template.recipients)
        return refs.recipient_lines(self.template.recipients)

    def signature(self, *, has_addressee: bool) -> None:
        agency = self.info.agency
        names = []
        for r in self._recipients():
            name = self.fill(r).strip()
            name = name.removeprefix("-").strip().rstrip(";.,").strip()
            if name:
                names.append(name)
        if has_addressee and not any(n.lower().startswith("như trên") for n in names):
            names.insert(0, "Như trên")
        lines = [f"- {n};" for n in names]
        lines.append(f"- Lưu: VT, {agency.drafting_unit}.")
        self.doc.signature_block(
            recipients=lines,
            authority=agency.signer_authority,
            position=agency.signer_position,
            signer_name=agency.signer_name,
        )

    def appendix(self) -> None:
        appendix = self.template.appendix
        assert appendix is not None
        agency = self.info.agency
        code, unit = self._kind_symbol()
        number_line = format_doc_number(None, code, agency.abbreviation, unit)
        symbol = number_line.split("/", 1)[1]
        number = f"{self.info.number:02d}" if self.info.number else DRAFT_GAP
        date = format_date(self.info.issued_on) if self.info.issued_on else DRAFT_GAP
        note = (
            f"(Kèm theo {self._doc_type_name()} số {number}/{symbol} ngày {date} của {agency.name})"
        )
        self.doc.appendix_heading(self.fill(appendix.label), self.fill(appendix.title), note)
        rows = self._summary_rows()
        if rows:
            self.doc.table(
                [TableColumn("STT", align="center", width=680),
                 TableColumn("Nội dung", align="left", weight=3.0),
                 TableColumn("Số liệu", align="right", weight=1.2)],
                [[str(i), label, value] for i, (label, value) in enumerate(rows, start=1)],
            )
        self.items(appendix.items, depth=1, path=())

    def _summary_rows(self) -> list[tuple[str, str]]:
        """(label, figure) of the answers ``appendix.summary`` names, those answered."""
        appendix = self.template.appendix
        if appendix is None or not appendix.summary:
            return []
        by_id = {q.id: q for q in self.template.iter_questions()}
        rows = []
        for qid in appendix.summary:
            q = by_id.get(qid)
            if q is None or _is_empty(self.values.get(qid)):
                continue
            value = self._scalar_text(q, self.values[qid])
            if q.unit and q.unit != "%":
                value = f"{value} {q.unit}"
            rows.append((self.fill(q.short_label), value))
        return rows

    def _appendix_has_content(self) -> bool:
        """An appendix is printed only when it has something to show."""
        appendix = self.template.appendix
        assert appendix is not None
        if self._summary_rows():
            return True
        return any(not _is_empty(self.values.get(q.id)) or q.render.empty is not None
                   for q in _questions(appendix.items))

    # -- sections -----------------------------------------------------------------------

    def items(self, items: Sequence[Question | Section], *, depth: int, path: tuple[int, ...]):
        counter = 0
        for item in items:
            if not _is_relevant(item.relevant, self.values):
                continue
            if isinstance(item, Section):
                counter += 1
                self.section(item, depth=depth, index=counter, path=path)
            else:
                self.question(item)

    def section(self, section: Section, *, depth: int, index: int, path: tuple[int, ...]):
        numbering = section.numbering or _DEFAULT_NUMBERING.get(depth, "decimal")
        child_path: tuple[int, ...]
        if numbering == "roman":
            label, child_path = f"{_roman(index)}.", ()
        elif numbering == "arabic":
            label, child_path = f"{index}.", (index,)
        elif numbering == "decimal":
            child_path = (*path, index)
            label = ".".join(str(n) for n in child_path) + "."
        elif numbering == "dash":
            label, child_path = "-", path
        elif numbering == "plus":
            label, child_path = "+", path
        else:
            label, child_path = "", path
        if section.show_title:
            title = self.fill(section.title).strip()
            if numbering == "roman":
                title = upper_title(title)
            self.doc.heading(min(depth, 3), f"{label} {title}".strip())
        if section.intro:
            self.emit_lines(self.fill(section.intro))
        self.items(section.items, depth=depth + 1, path=child_path)

    # -- questions ----------------------------------------------------------------------

    def question(self, q: Question) -> None:
        render = q.render
        style = render.style or self._default_style(q)
        if style == "hidden":
            return
        label = self.fill(q.short_label)
        if q.type is QuestionType.NOTE:
            if render.pattern:  # "{value}" is the note's own text
                prompt = self.fill(q.prompt)
                self.emit_lines(self.fill(render.pattern, label=label, value=prompt, unit=""))
            return
        value = self.values.get(q.id)
        if _is_empty(value):
            if render.empty is not None:
                self.emit_lines(self.fill(render.empty, label=label, value="", unit=q.unit or ""))
            return
        if q.type is QuestionType.TABLE:
            self.table_question(q, value, label)
        elif q.type is QuestionType.REPEAT:
            self.repeat_question(q, value, label, style)
        elif style == "bullets":
            self.bullets_question(q, value, label)
        elif style == "paragraphs" and not render.pattern:
            self.emit_lines(self._scalar_text(q, value))
        else:
            self.sentence(q, value, label)

    @staticmethod
    def _default_style(q: Question) -> str:
        if q.type is QuestionType.TABLE:
            return "table"
        if q.type is QuestionType.REPEAT:
            return "table" if len(q.fields) >= 3 else "bullets"
        if q.type is QuestionType.TEXT and q.long and not q.render.pattern:
            return "paragraphs"
        return "sentence"

    def _scalar_text(self, q: Question, value: Any) -> str:
        text = clean_text(format_value(value, q.type, choices=q.choices, unit=q.unit))
        if q.type is QuestionType.PERCENT or (q.type is QuestionType.COMPUTED and q.unit == "%"):
            return mark_share(text)  # a share the renderer formatted: padded with the others
        return text

    def sentence(self, q: Question, value: Any, label: str) -> None:
        text = self._scalar_text(q, value)
        unit = q.unit or ""
        pattern = q.render.pattern
        if pattern is None:
            pattern = DEFAULT_PATTERN
            if unit and unit != "%" and q.type not in (QuestionType.PERCENT,):
                pattern += " {unit}"
        lines = [line for line in text.splitlines() if line.strip()] or [""]
        first = lines[0].strip()
        if "{value}." in pattern and len(lines) == 1:
            first = first.rstrip(".")  # "…: {value}." with a value ending in "." → one dot
        self.emit_lines(self.fill(pattern, label=label, value=first, unit=unit))
        for line in lines[1:]:
            self.emit(line)

    def bullets_question(self, q: Question, value: Any, label: str) -> None:
        render = q.render
        if render.pattern:
            self.emit_lines(self.fill(render.pattern, label=label, value="", unit=q.unit or ""))
        if q.type is QuestionType.SELECT_MULTIPLE:
            items = value if isinstance(value, list | tuple) else [value]
            texts = [_choice_label(q.choices, v) for v in items]
        elif q.type is QuestionType.TEXT:
            texts = [line for line in clean_text(value).splitlines() if line.strip()]
        else:
            texts = [f"{label}: {self._scalar_text(q, value)}"]
        for text in texts:
            text = clean_text(text).strip()
            if render.item:
                self.emit_lines(self.fill(render.item, value=text, label=label))
            elif text.startswith(("-", "+")):
                self.emit(text)
            else:
                self.emit(f"{render.bullet} {text}")

    # -- repeat and table ---------------------------------------------------------------

    def _row_env(self, row: Mapping[str, Any]) -> dict[str, Any]:
        return {**self.values, **row}

    def _table_columns(self, columns: Sequence[Column]) -> list[TableColumn]:
        out = []
        for c in columns:
            label = clean_text(self.fill(c.label))
            if c.unit and c.unit != "%":
                label = f"{label} ({c.unit})"
            if c.type in NUMERIC_TYPES or c.type is QuestionType.COMPUTED:
                out.append(
                    TableColumn(label, group=self.fill(c.group) or None, align="right", weight=1.2)
                )
            elif c.type in (QuestionType.DATE, QuestionType.YES_NO):
                out.append(
                    TableColumn(label, group=self.fill(c.group) or None, align="center", weight=1.4)
                )
            else:
                out.append(
                    TableColumn(label, group=self.fill(c.group) or None, align="left", weight=3.0)
                )
        return out

    def _row_cells(self, columns: Sequence[Column], row: Mapping[str, Any]) -> list[str]:
        env = self._row_env(row)
        cells = []
        for c in columns:
            if c.type is QuestionType.COMPUTED:
                cells.append(_column_value(c, _evaluate(c.expression, env)))
            else:
                cells.append(_column_value(c, row.get(c.id)))
        return cells

    def _total_cells(
        self, columns: Sequence[Column], rows: Sequence[Mapping[str, Any]]
    ) -> list[str]:
        """Sums of integer/decimal input columns; computed columns re-evaluated on the
        sums (a ratio of totals, never an average of ratios); other columns blank."""
        totals: dict[str, Any] = {}
        for c in columns:
            if c.type in (QuestionType.INTEGER, QuestionType.DECIMAL):
                figures = [
                    r.get(c.id)
                    for r in rows
                    if isinstance(r.get(c.id), int | float) and not isinstance(r.get(c.id), bool)
                ]
                totals[c.id] = sum(figures) if figures else None
        env = self._row_env(totals)
        cells = []
        for c in columns:
            if c.id in totals:
                cells.append(_column_value(c, totals[c.id]))
            elif c.type is QuestionType.COMPUTED:
                cells.append(_column_value(c, _evaluate(c.expression, env)))
            else:
                cells.append("")
        return cells

    def _intro(self, q: Question, label: str, count: int | None) -> list[str]:
        """The lines of ``render.pattern`` printed above a table or list."""
        if not q.render.pattern:
            return []
        value = format_number(count) if count is not None else ""
        text = self.fill(q.render.pattern, label=label, value=value, unit=q.unit or "")
        return [line for line in text.splitlines() if line.strip()]

    def table_question(self, q: Question, value: Any, label: str) -> None:
        answer: Mapping[str, Any] = value if isinstance(value, Mapping) else {}
        intro = self._intro(q, label, None)
        with_labels = len(q.rows) > 1 or q.render.total_row
        columns = [TableColumn("STT", align="center", width=680)]
        if with_labels:
            header = self.fill(q.render.row_header) or ROW_LABEL_HEADER
            columns.append(TableColumn(header, align="left", weight=3.0))
        columns += self._table_columns(q.columns)
        rows_data = [
            dict(answer.get(r.id) or {}) if isinstance(answer.get(r.id), Mapping) else {}
            for r in q.rows
        ]
        rows = []
        for i, (row, data) in enumerate(zip(q.rows, rows_data, strict=True), start=1):
            head = [str(i)] + ([self.fill(row.label)] if with_labels else [])
            rows.append(head + self._row_cells(q.columns, data))
        total = None
        span = 2 if with_labels else 1
        if q.render.total_row:
            total = [self.fill(q.render.total_label)] + [""] * (span - 1)
            total += self._total_cells(q.columns, rows_data)
        self.doc.table(columns, rows, total=total, total_span=span, intro=intro)

    def repeat_question(self, q: Question, value: Any, label: str, style: str) -> None:
        items = (
            [dict(v) for v in value if isinstance(v, Mapping)]
            if isinstance(value, list | tuple)
            else []
        )
        intro = self._intro(q, label, len(items))
        if style != "table":
            for line in intro:
                self.emit(line)
            for index, item in enumerate(items, start=1):
                formatted = {**self.names, "index": str(index), "label": label}
                formatted.update(
                    {
                        f.id: (
                            _column_value(f, _evaluate(f.expression, self._row_env(item)))
                            if f.type is QuestionType.COMPUTED
                            else _column_value(f, item.get(f.id))
                        )
                        for f in q.fields
                    }
                )
                parts = [formatted[f.id] for f in q.fields if formatted[f.id]]
                formatted["value"] = ", ".join(parts)
                if q.render.item:
                    text = clean_text(fill(q.render.item, formatted)).rstrip()
                    if index == len(items) and text.endswith(";"):
                        text = text[:-1] + "."  # a list ends with "." (";" after the others)
                    self.emit_lines(text)
                else:
                    self.emit(f"{q.render.bullet} " + formatted["value"])
            return
        columns = [TableColumn("STT", align="center", width=680), *self._table_columns(q.fields)]
        rows = [[str(i), *self._row_cells(q.fields, item)] for i, item in enumerate(items, 1)]
        total = None
        span = 1
        if q.render.total_row:
            first_numeric = next(
                (i for i, c in enumerate(columns) if c.align == "right"), len(columns)
            )
            span = max(1, first_numeric)
            total = [self.fill(q.render.total_label)] + [""] * (span - 1)
            total += self._total_cells(q.fields, items)[span - 1 :]
        self.doc.table(columns, rows, total=total, total_span=span, intro=intro)


def _questions(items: Sequence[Question | Section]) -> list[Question]:
    out: list[Question] = []
    for item in items:
        out.extend(_questions(item.items) if isinstance(item, Section) else [item])
    return out


def render_report(template: Template, answers: Mapping[str, Any], info: DocumentInfo) -> bytes:
    """Render one agency's report (or công văn) as DOCX bytes."""
    with percent_rounding(template.percent):
        return _ReportBuilder(template, answers, info).build()
