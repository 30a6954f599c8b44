"""The DIC's roll-up: every agency's submitted answers → one consolidated report.

:func:`build_rollup` aggregates (plain data in, plain data out); how each
question rolls up comes from its template (``rollup``: ``sum``,
``ratio_of_sums``, ``list_by_agency``, ``compile``, ``count``, ``none``; a default
by type otherwise), so a new template rolls up with no new code.
:func:`render_rollup` writes the roll-up DOCX in Decree 30 format (issued by the
collecting department, addressed to the provincial People's Committee) and
:mod:`renderers.xlsx` writes the same tables to a workbook.

Ratios are never averaged: a computed question or computed table column is
evaluated again on the totals (Σ electronic / Σ documents).
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, Literal
from zoneinfo import ZoneInfo

from docx.shared import Twips

from dialogs.answers import table_with_computed, with_computed
from dialogs.domain import Agency, Round
from dialogs.expression_eval import evaluate
from dialogs.expressions import ExpressionError
from dialogs.schema import Column, Question, QuestionType, RollupRule, Section, Template
from dialogs.vn import (
    fold,
    format_date,
    format_doc_number,
    format_number,
    format_place_date,
    percent_rounding,
    percent_rounding_mode,
)
from renderers.charts import ChartSpec, bar_chart_png, chart_labels
from renderers.nd30 import STYLE, Nd30Document, TableColumn, clean_text, keep_with_next
from renderers.percent import (
    _places_in,
    format_percent,  # marked: padded with the document's shares
)
from renderers.report import fill, format_value, rest_of_year, upper_title

__all__ = [
    "IN_PROGRESS",
    "LATE",
    "NOT_STARTED",
    "ON_TIME",
    "RETURNED",
    "AgencyEntry",
    "Rollup",
    "RollupInfo",
    "RollupTable",
    "TableCol",
    "build_rollup",
    "column_rule",
    "question_rule",
    "render_rollup",
    "rollup_filename",
]

# Agency states (the same strings as ``bot.reminders.AgencyProgress.state``).
ON_TIME = "submitted_on_time"
LATE = "submitted_late"
RETURNED = "returned"
NOT_STARTED = "not_started"
IN_PROGRESS = "in_progress"
SUBMITTED_STATES = frozenset({ON_TIME, LATE})

STATE_LABELS = {
    ON_TIME: "Đúng hạn",
    LATE: "Trễ hạn",
    RETURNED: "Trả lại để chỉnh sửa",
    NOT_STARTED: "Chưa nộp (chưa bắt đầu)",
    IN_PROGRESS: "Chưa nộp (đang làm)",
}
AGENCY_HEADER = "Cơ quan, đơn vị"
TOTAL_LABEL = "Tổng số"
NOT_COMPUTABLE = "-"
FIGURES_PER_TABLE = 6
MAX_CHARTS = 2
PROPOSAL_WORDS = ("de xuat", "kien nghi")

Kind = Literal["text", "number", "percent"]


# ----------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class AgencyEntry:
    """One agency of the round: its state and, when submitted, the answers of its
    latest submitted version (``None`` otherwise)."""

    agency: Agency
    state: str  # ON_TIME | LATE | RETURNED | NOT_STARTED | IN_PROGRESS
    answers: Mapping[str, Any] | None = None
    submitted_at: dt.datetime | None = None
    version: int | None = None
    signed: bool = False  # its latest submission came back digitally signed and verified

    @property
    def submitted(self) -> bool:
        return self.state in SUBMITTED_STATES and self.answers is not None


@dataclass(frozen=True)
class RollupInfo:
    """What the roll-up needs besides the template and the agencies."""

    round: Round
    collector: Agency  # the DIC: header, number symbol, signature
    addressee: str | None = None  # default: "Ủy ban nhân dân tỉnh <province>"
    number: int | None = None  # None while a draft
    issued_on: dt.date | None = None
    as_of: dt.datetime | None = None  # figures as of (printed while the round is open)
    timezone: str = "Asia/Ho_Chi_Minh"
    #: The round's request documents and grounds (``dialogs.references``), cited
    #: under the addressee as every agency's report cites them.
    references: Any = None


# ----------------------------------------------------------------------------- model


@dataclass(frozen=True)
class TableCol:
    label: str
    kind: Kind = "number"
    group: str | None = None
    unit: str | None = None


@dataclass
class RollupTable:
    """A table by agency: raw values (numbers stay numbers; the writers format them)."""

    key: str  # stable id (question id, row id)
    title: str  # the line printed above it; the XLSX sheet's title
    columns: list[TableCol]  # the first is the agency column
    rows: list[list[Any]]
    total: list[Any] | None = None  # first cell: the label
    summary: list[str] = field(default_factory=list)  # lines printed before the table
    chart: ChartSpec | None = None
    sheet: bool = True  # gets its own XLSX sheet


@dataclass(frozen=True)
class Heading:
    level: int
    text: str


@dataclass(frozen=True)
class Text:
    text: str


Block = Heading | Text | RollupTable


@dataclass
class RepeatList:
    question: Question
    rows: list[tuple[Agency, int, Mapping[str, Any]]]  # agency, item number, item


@dataclass
class Rollup:
    template: Template
    info: RollupInfo
    entries: list[AgencyEntry]
    submitted: list[AgencyEntry]
    values: dict[int, dict[str, Any]]  # agency id → answers with computed values
    totals: dict[str, Any]  # the province's figures (sums; ratios of sums)
    blocks: list[Block]
    repeats: list[RepeatList]
    subject: str

    @property
    def tables(self) -> list[RollupTable]:
        return [b for b in self.blocks if isinstance(b, RollupTable)]

    def by_state(self, *states: str) -> list[AgencyEntry]:
        return [e for e in self.entries if e.state in states]


# ----------------------------------------------------------------------------- rules


def _is_ratio(expression: str | None) -> bool:
    return bool(expression) and "/" in (expression or "")


def question_rule(q: Question) -> RollupRule:
    """How a question rolls up: its template's ``rollup`` or the default for its type."""
    if q.rollup is not None:
        return q.rollup
    t = q.type
    if t in (QuestionType.INTEGER, QuestionType.DECIMAL, QuestionType.TABLE):
        return "sum"
    if t is QuestionType.COMPUTED:
        return "ratio_of_sums" if _is_ratio(q.expression) else "sum"
    if t is QuestionType.TEXT:
        return "compile" if q.long else "list_by_agency"
    if t in (QuestionType.YES_NO, QuestionType.SELECT_ONE, QuestionType.SELECT_MULTIPLE):
        return "count"
    if t in (QuestionType.REPEAT, QuestionType.DATE, QuestionType.PERCENT):
        return "list_by_agency"
    return "none"


def column_rule(c: Column) -> RollupRule:
    """How a table column rolls up (same defaults as questions)."""
    if c.rollup is not None:
        return c.rollup
    if c.type in (QuestionType.INTEGER, QuestionType.DECIMAL):
        return "sum"
    if c.type is QuestionType.COMPUTED:
        return "ratio_of_sums" if _is_ratio(c.expression) else "sum"
    if c.type is QuestionType.PERCENT:
        return "list_by_agency"
    return "none"


def _evaluate(source: str | None, env: Mapping[str, Any]) -> Any:
    if not source:
        return None
    try:
        value = evaluate(source, env)
    except (ExpressionError, ArithmeticError, TypeError, ValueError, RecursionError):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _number(value: Any) -> float | int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _sum(values: Sequence[Any]) -> float | int | None:
    figures = [n for n in (_number(v) for v in values) if n is not None]
    return sum(figures) if figures else None


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _is_proposal(q: Question) -> bool:
    text = fold(f"{q.id.replace('_', ' ')} {q.short_label}")
    return any(word in text for word in PROPOSAL_WORDS)


def _kind(qtype: QuestionType, unit: str | None) -> Kind:
    if qtype is QuestionType.PERCENT or (qtype is QuestionType.COMPUTED and unit == "%"):
        return "percent"
    if qtype in (QuestionType.INTEGER, QuestionType.DECIMAL, QuestionType.COMPUTED):
        return "number"
    return "text"


# ----------------------------------------------------------------------------- totals


def _totals(template: Template, submitted: Sequence[AgencyEntry],
            values: Mapping[int, Mapping[str, Any]]) -> dict[str, Any]:
    """Sums of every figure, merged repeat lists, tables summed cell by cell; then each
    computed question and computed column evaluated on those sums."""
    env: dict[str, Any] = {}
    rows = [values[e.agency.id] for e in submitted]
    questions = template.iter_questions()
    for q in questions:
        if q.type in (QuestionType.INTEGER, QuestionType.DECIMAL):
            env[q.id] = _sum([r.get(q.id) for r in rows])
        elif q.type is QuestionType.REPEAT:
            merged: list[Any] = []
            for r in rows:
                merged.extend(x for x in (r.get(q.id) or []) if isinstance(x, Mapping))
            env[q.id] = merged
        elif q.type is QuestionType.TABLE:
            table: dict[str, dict[str, Any]] = {}
            for row in q.rows:
                cells: dict[str, Any] = {}
                for col in q.columns:
                    if col.type is QuestionType.COMPUTED:
                        continue
                    if col.type in (QuestionType.INTEGER, QuestionType.DECIMAL):
                        cells[col.id] = _sum(
                            [((r.get(q.id) or {}).get(row.id) or {}).get(col.id) for r in rows]
                        )
                table[row.id] = cells
            env[q.id] = table
    for q in questions:
        if q.type is QuestionType.TABLE:
            env[q.id] = table_with_computed(q, env[q.id])
            for row in q.rows:
                for col in q.columns:
                    if col.type is QuestionType.COMPUTED and column_rule(col) == "sum":
                        env[q.id][row.id][col.id] = _sum(
                            [((r.get(q.id) or {}).get(row.id) or {}).get(col.id) for r in rows]
                        )
    computed = [q for q in questions if q.type is QuestionType.COMPUTED]
    for q in computed:  # plain sums first (e.g. counts of list items), ratios use them
        if question_rule(q) == "sum":
            env[q.id] = _sum([r.get(q.id) for r in rows])
    for _ in range(len(computed) + 1):
        changed = False
        for q in computed:
            if question_rule(q) == "sum":
                continue
            value = _evaluate(q.expression, env)
            if env.get(q.id) != value:
                env[q.id], changed = value, True
        if not changed:
            break
    return env


# ----------------------------------------------------------------------------- builder


class _Builder:
    def __init__(self, template: Template, entries: Sequence[AgencyEntry], info: RollupInfo):
        self.template = template
        self.info = info
        self.entries = list(entries)
        self.submitted = [e for e in self.entries if e.submitted]
        self.values: dict[int, dict[str, Any]] = {
            e.agency.id: with_computed(template, dict(e.answers or {})) for e in self.submitted
        }
        self.totals = _totals(template, self.submitted, self.values)
        self.names = _placeholders(info)
        self.blocks: list[Block] = []
        self.repeats: list[RepeatList] = []
        self.charts = 0
        self.proposals: list[Question] = []

    def fill(self, text: str | None, **extra: Any) -> str:
        return clean_text(fill(text, {**self.names, **extra})).strip()

    def build(self) -> Rollup:
        subject = self.fill(self.template.subject, agency=self.names["agency"])
        roman = 1
        self.blocks.append(Heading(1, f"{_roman(roman)}. TÌNH HÌNH NỘP BÁO CÁO"))
        self.status_lines()
        for section in self.template.sections:
            start = len(self.blocks)
            self.section(section, depth=1, number=(roman + 1,))
            if len(self.blocks) > start:
                roman += 1
        if self.template.appendix is not None:
            start = len(self.blocks)
            self.items(list(self.template.appendix.items), depth=2, number=(roman + 1,),
                       heading=Heading(1, f"{_roman(roman + 1)}. "
                                       + upper_title(self.fill(self.template.appendix.title))))
            if len(self.blocks) > start:
                roman += 1
        if self.proposals:
            self.blocks.append(Heading(1, f"{_roman(roman + 1)}. ĐỀ XUẤT, KIẾN NGHỊ"))
            before = len(self.blocks)
            for q in self.proposals:
                self.compile_lines(q, with_label=len(self.proposals) > 1)
            if len(self.blocks) == before:
                self.blocks.append(Text("Các cơ quan, đơn vị không có đề xuất, kiến nghị."))
        return Rollup(
            template=self.template, info=self.info, entries=self.entries,
            submitted=self.submitted, values=self.values, totals=self.totals,
            blocks=self.blocks, repeats=self.repeats, subject=subject,
        )

    # -- status -------------------------------------------------------------------------

    def status_lines(self) -> None:
        total = len(self.entries)
        on_time = [e for e in self.entries if e.state == ON_TIME]
        late = [e for e in self.entries if e.state == LATE]
        returned = [e for e in self.entries if e.state == RETURNED]
        missing = [e for e in self.entries if e.state in (NOT_STARTED, IN_PROGRESS)]
        done = len(on_time) + len(late)
        share = format_percent(done / total * 100) if total else "0%"
        lines = [
            f"- Số cơ quan, đơn vị phải báo cáo: {format_number(total)}.",
            f"- Số cơ quan, đơn vị đã nộp báo cáo: {done}/{total} ({share}), trong đó "
            f"đúng hạn: {len(on_time)}, trễ hạn: {len(late)}.",
        ]
        tz = ZoneInfo(self.info.timezone)
        if on_time:
            lines.append(f"- Nộp đúng hạn ({len(on_time)}): "
                         + ", ".join(e.agency.name for e in on_time) + ".")
        if late:
            parts = []
            for e in late:
                when = (f" (nộp ngày {format_date(e.submitted_at.astimezone(tz).date())})"
                        if e.submitted_at else "")
                parts.append(e.agency.name + when)
            lines.append(f"- Nộp trễ hạn ({len(late)}): " + ", ".join(parts) + ".")
        signed = [e for e in on_time + late if e.signed]
        if signed:
            lines.append(f"- Báo cáo đã ký số ({len(signed)}/{done}): "
                         + ", ".join(e.agency.name for e in signed) + ".")
        if returned:
            lines.append(f"- Trả lại để chỉnh sửa, chưa nộp lại ({len(returned)}): "
                         + ", ".join(e.agency.name for e in returned) + ".")
        if missing:
            lines.append(f"- Chưa nộp báo cáo ({len(missing)}): "
                         + ", ".join(e.agency.name for e in missing) + ".")
        deadline = format_date(self.info.round.deadline)
        lines.append(f"- Hạn nộp báo cáo: ngày {deadline}.")
        if self.info.as_of is not None and self.info.round.status == "open":
            local = self.info.as_of.astimezone(tz)
            lines.append(
                f"Số liệu tổng hợp đến {local:%H:%M} ngày {format_date(local.date())}; "
                "đợt báo cáo chưa kết thúc, số liệu sẽ được cập nhật khi các cơ quan, "
                "đơn vị nộp đủ báo cáo."
            )
        if not self.submitted:
            lines.append("Chưa có cơ quan, đơn vị nào nộp báo cáo nên chưa có số liệu tổng hợp.")
        self.blocks.extend(Text(line) for line in lines)

    # -- walking the template -----------------------------------------------------------

    def section(self, section: Section, *, depth: int, number: tuple[int, ...]) -> None:
        title = self.fill(section.title)
        heading = None
        if section.show_title and title:
            if depth == 1:
                heading = Heading(1, f"{_roman(number[0])}. {upper_title(title)}")
            else:
                heading = Heading(min(depth, 3), ".".join(map(str, number[1:])) + f". {title}")
        self.items(list(section.items), depth=depth + 1, number=number, heading=heading)

    def items(self, items: list[Question | Section], *, depth: int,
              number: tuple[int, ...], heading: Heading | None) -> None:
        start = len(self.blocks)
        if heading is not None:
            self.blocks.append(heading)
        body_start = len(self.blocks)
        group: list[Question] = []
        sub = 0
        for item in items:
            if isinstance(item, Section):
                self.figure_group(group)
                group = []
                before = len(self.blocks)
                self.section(item, depth=depth, number=(*number, sub + 1))
                if len(self.blocks) > before:
                    sub += 1
                continue
            rule = question_rule(item)
            if self._is_figure(item, rule):
                group.append(item)
                if len(group) == FIGURES_PER_TABLE:
                    self.figure_group(group)
                    group = []
                continue
            self.figure_group(group)
            group = []
            self.question(item, rule)
        self.figure_group(group)
        if len(self.blocks) == body_start:  # nothing rolled up here: drop the heading
            del self.blocks[start:]

    @staticmethod
    def _is_figure(q: Question, rule: RollupRule) -> bool:
        if q.type in (QuestionType.INTEGER, QuestionType.DECIMAL, QuestionType.COMPUTED):
            return rule in ("sum", "ratio_of_sums", "list_by_agency")
        return q.type is QuestionType.PERCENT and rule == "list_by_agency"

    def question(self, q: Question, rule: RollupRule) -> None:
        if rule == "none" or q.type is QuestionType.NOTE:
            return
        if q.type is QuestionType.TABLE:
            self.table_question(q)
        elif q.type is QuestionType.REPEAT:
            self.repeat_question(q)
        elif _is_proposal(q) and rule == "compile":
            self.proposals.append(q)
        elif rule == "count":
            self.count_question(q)
        else:  # compile, list_by_agency
            self.compile_lines(q, with_label=True)

    # -- figures ------------------------------------------------------------------------

    def _agency_cell(self, entry: AgencyEntry) -> str:
        return entry.agency.name

    def figure_group(self, group: list[Question]) -> None:
        if not group or not self.submitted:
            return
        columns = [TableCol(AGENCY_HEADER, "text")]
        summary = []
        for q in group:
            kind = _kind(q.type, q.unit)
            unit = q.unit if q.unit and q.unit != "%" else None
            columns.append(TableCol(self.fill(q.short_label), kind, unit=unit))
            total = self.totals.get(q.id) if question_rule(q) != "list_by_agency" else None
            if question_rule(q) != "list_by_agency":
                shown = _format(total, kind) or NOT_COMPUTABLE
                tail = f" {unit}" if unit and total is not None else ""
                summary.append(f"- {self.fill(q.short_label)}: {shown}{tail}.")
        rows = [[self._agency_cell(e), *(self.values[e.agency.id].get(q.id) for q in group)]
                for e in self.submitted]
        total_row = [TOTAL_LABEL, *(
            self.totals.get(q.id) if question_rule(q) != "list_by_agency" else None
            for q in group)]
        table = RollupTable(key=group[0].id, title=", ".join(self.fill(q.short_label)
                                                             for q in group),
                            columns=columns, rows=rows, total=total_row, summary=summary)
        ratio = next((i for i, q in enumerate(group, start=1)
                      if question_rule(q) == "ratio_of_sums" and _kind(q.type, q.unit)
                      == "percent"), None)
        if ratio is not None:
            table.chart = self.chart(columns[ratio].label, [r[ratio] for r in rows],
                                     total_row[ratio])
        self.blocks.append(table)

    def chart(self, title: str, values: list[Any], total: Any) -> ChartSpec | None:
        if self.charts >= MAX_CHARTS or not self.submitted:
            return None
        self.charts += 1
        return ChartSpec(
            title=f"{title} theo cơ quan, đơn vị",
            labels=chart_labels([e.agency.abbreviation for e in self.submitted]),
            values=[_number(v) for v in values],
            total=_number(total),
        )

    def table_question(self, q: Question) -> None:
        if not self.submitted:
            return
        columns = [c for c in q.columns if column_rule(c) != "none"]
        label = self.fill(q.short_label)
        for row in q.rows:
            title = label if len(q.rows) == 1 else f"{label} - {self.fill(row.label)}"
            header = [TableCol(AGENCY_HEADER, "text")] + [
                TableCol(self.fill(c.label), _kind(c.type, c.unit),
                         group=self.fill(c.group) or None,
                         unit=c.unit if c.unit and c.unit != "%" else None)
                for c in columns
            ]
            rows = []
            for e in self.submitted:
                cells = ((self.values[e.agency.id].get(q.id) or {}).get(row.id) or {})
                rows.append([self._agency_cell(e), *(cells.get(c.id) for c in columns)])
            sums = (self.totals.get(q.id) or {}).get(row.id) or {}
            total = [TOTAL_LABEL, *(
                sums.get(c.id) if column_rule(c) in ("sum", "ratio_of_sums") else None
                for c in columns)]
            table = RollupTable(key=f"{q.id}.{row.id}", title=title + ":", columns=header,
                                rows=rows, total=total)
            ratio = next((i for i, c in enumerate(columns, start=1)
                          if column_rule(c) == "ratio_of_sums"
                          and _kind(c.type, c.unit) == "percent"), None)
            if ratio is not None:
                name = header[ratio].label
                if name.lower().startswith("tỷ lệ") and len(name) > 12:
                    chart_title = name
                else:
                    chart_title = f"{title} - {name}"
                table.chart = self.chart(chart_title, [r[ratio] for r in rows], total[ratio])
            self.blocks.append(table)

    def repeat_question(self, q: Question) -> None:
        if question_rule(q) == "count":
            counts = [(e, len(self.values[e.agency.id].get(q.id) or [])) for e in self.submitted]
            self.blocks.append(Text(f"- {self.fill(q.short_label)}: "
                                    f"{format_number(sum(n for _, n in counts))}."))
            return
        items = []
        for e in self.submitted:
            for i, item in enumerate(self.values[e.agency.id].get(q.id) or [], start=1):
                if isinstance(item, Mapping):
                    items.append((e.agency, i, item))
        self.repeats.append(RepeatList(q, items))
        label = self.fill(q.short_label)
        if not items:
            self.blocks.append(Text(f"- {label}: các cơ quan, đơn vị không có nội dung."))
            return
        fields = list(q.fields)
        header = [TableCol(AGENCY_HEADER, "text")] + [
            TableCol(self.fill(f.label), _kind(f.type, f.unit) if f.type in (
                QuestionType.INTEGER, QuestionType.DECIMAL, QuestionType.PERCENT,
                QuestionType.COMPUTED) else "text") for f in fields
        ]
        rows = []
        for agency, _, item in items:
            cells: list[Any] = [agency.name]
            for f in fields:
                if f.type is QuestionType.COMPUTED:
                    cells.append(_evaluate(f.expression, item))
                elif header[len(cells)].kind == "text":
                    cells.append(format_value(item.get(f.id), f.type, choices=f.choices,
                                              unit=f.unit))
                else:
                    cells.append(item.get(f.id))
            rows.append(cells)
        total = None
        if q.render.total_row:
            total = [TOTAL_LABEL] + [
                _sum([r[i] for r in rows]) if header[i].kind == "number" else None
                for i in range(1, len(header))
            ]
        agencies = len({a.id for a, _, _ in items})
        summary = [f"{label}: {format_number(len(items))} mục của "
                   f"{format_number(agencies)} cơ quan, đơn vị."]
        self.blocks.append(RollupTable(key=q.id, title=label, columns=header, rows=rows,
                                       total=total, summary=summary))

    def count_question(self, q: Question) -> None:
        if not self.submitted:
            return
        label = self.fill(q.short_label)
        if q.type is QuestionType.YES_NO:
            options = [(True, "Có"), (False, "Không")]
        elif q.choices:
            options = [(c.value, c.label) for c in q.choices]
        else:
            answered = [e for e in self.submitted
                        if not _is_empty(self.values[e.agency.id].get(q.id))]
            self.blocks.append(Text(f"- {label}: {len(answered)}/{len(self.submitted)} "
                                    "cơ quan, đơn vị."))
            return
        answered = [e for e in self.submitted if not _is_empty(self.values[e.agency.id].get(q.id))]
        rows = []
        for value, option in options:
            chose = []
            for e in answered:
                answer = self.values[e.agency.id].get(q.id)
                picked = answer if isinstance(answer, list) else [answer]
                if value in picked:
                    chose.append(e)
            share = len(chose) / len(answered) * 100 if answered else None
            rows.append([option, len(chose), share,
                         ", ".join(e.agency.abbreviation for e in chose)])
        columns = [TableCol("Nội dung", "text"), TableCol("Số cơ quan, đơn vị", "number"),
                   TableCol("Tỷ lệ", "percent"), TableCol(AGENCY_HEADER, "text")]
        total = ["Số cơ quan, đơn vị trả lời", len(answered), None, None]
        self.blocks.append(RollupTable(key=q.id, title=label + ":", columns=columns,
                                       rows=rows, total=total))

    def compile_lines(self, q: Question, *, with_label: bool) -> None:
        """Narratives and short answers: "- <Agency>: <text>" under the label."""
        lines: list[str] = []
        for e in self.submitted:
            value = self.values[e.agency.id].get(q.id)
            if _is_empty(value):
                continue
            text = format_value(value, q.type, choices=q.choices, unit=q.unit)
            parts = [p.strip() for p in clean_text(text).splitlines() if p.strip()]
            if not parts:
                continue
            if len(parts) == 1:
                lines.append(f"- {e.agency.name}: {parts[0].lstrip('-+ ').strip()}")
            else:
                lines.append(f"- {e.agency.name}:")
                lines.extend(f"+ {p.lstrip('-+* ').strip()}" for p in parts)
        if not lines:
            return
        if with_label:
            self.blocks.append(Text(f"{self.fill(q.short_label)}:"))
        self.blocks.extend(Text(line) for line in lines)


def build_rollup(template: Template, entries: Sequence[AgencyEntry], info: RollupInfo) -> Rollup:
    """Aggregate the agencies' submitted answers as the template says."""
    with percent_rounding(template.percent):
        return _Builder(template, entries, info).build()


# ----------------------------------------------------------------------------- formatting


def _format(value: Any, kind: Kind) -> str:
    if type(value) in (int, float):  # the same figures recur thousands of times
        return _format_figure(value, kind, percent_rounding_mode(), type(value))
    return _format_any(value, kind)


@lru_cache(maxsize=65536)
def _format_figure(value: float, kind: Kind, rounding: str, _type: type) -> str:
    """:func:`_format_any` of a figure, kept by value, type (1 and 1.0 are one key
    otherwise) and share rounding (what :func:`format_percent` reads)."""
    return _format_any(value, kind)


def _format_any(value: Any, kind: Kind) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    if kind == "percent" and _number(value) is not None:
        return format_percent(value)
    if kind == "number" and _number(value) is not None:
        if isinstance(value, float) and not value.is_integer():
            return format_number(round(value, 2))
        return format_number(int(value))
    if isinstance(value, bool):
        return "Có" if value else "Không"
    return clean_text(value)


def _roman(n: int) -> str:
    out = []
    for value, symbol in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"),
                          (90, "XC"), (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"),
                          (4, "IV"), (1, "I")):
        while n >= value:
            out.append(symbol)
            n -= value
    return "".join(out)


def _placeholders(info: RollupInfo) -> dict[str, str]:
    rnd = info.round
    province = rnd.province
    return {
        "agency": f"các cơ quan, đơn vị trên địa bàn tỉnh {province}",
        "agency_upper": f"CÁC CƠ QUAN, ĐƠN VỊ TRÊN ĐỊA BÀN TỈNH {province}".upper(),
        "period": rnd.period_label,
        "period_start": format_date(rnd.period_start),
        "period_end": format_date(rnd.period_end),
        "year": str(rnd.period_end.year),
        "province": province,
        "collector": rnd.collector,
        "rest_of_year": rest_of_year(rnd.period_end),
        "next_year": str(rnd.period_end.year + 1),
        "next_year_2": str(rnd.period_end.year + 2),
    }


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text else text


def rollup_filename(template: Template, info: RollupInfo) -> str:
    """``"BC-tong-hop-annual_it-nam-2026.docx"`` (ASCII)."""
    import re
    import unicodedata

    raw = f"BC-tong-hop-{template.id}-{info.round.period_label}"
    raw = raw.replace("đ", "d").replace("Đ", "D")
    raw = "".join(c for c in unicodedata.normalize("NFD", raw) if not unicodedata.combining(c))
    slug = re.sub(r"[^A-Za-z0-9_]+", "-", raw).strip("-")[:120]
    return f"{slug or 'tong-hop'}.docx"


# ----------------------------------------------------------------------------- DOCX


def _table_columns(columns: Sequence[TableCol]) -> list[TableColumn]:
    out = [TableColumn("STT", align="center", width=600)]
    for i, c in enumerate(columns):
        label = f"{c.label} ({c.unit})" if c.unit else c.label
        if i == 0:
            out.append(TableColumn(label, group=c.group, align="left", weight=3.0))
        elif c.kind == "text":
            out.append(TableColumn(label, group=c.group, align="left", weight=2.5))
        else:
            out.append(TableColumn(label, group=c.group, align="right", weight=1.2))
    return out


def _cells(values: Sequence[Any], columns: Sequence[TableCol], *, total: bool) -> list[str]:
    out = []
    for value, col in zip(values, columns, strict=False):
        text = _format(value, col.kind)
        if not text and col.kind == "percent" and not total:
            text = NOT_COMPUTABLE
        out.append(text)
    return out


#: Blocks (or appendix agencies) between two spills of the finished part of the
#: document to serialized XML (:meth:`Nd30Document.spill`): memory stays flat.
_SPILL_EVERY = 1000


class _DocxWriter:
    def __init__(self, rollup: Rollup,
                 made_appendix: Callable[[], bytes | None] | None = None) -> None:
        self.r = rollup
        self.made_appendix = made_appendix
        self.doc = Nd30Document()
        #: each table's formatted (rows, total), made before writing so that the
        #: document's number of share decimals is known for its charts
        self.cells: dict[int, tuple[list[list[str]], list[str] | None]] = {}
        self.charts: dict[int, bytes] = {}

    def write(self) -> bytes:
        r = self.r
        for t in r.tables:
            rows = [[str(i), *_cells(row, t.columns, total=False)]
                    for i, row in enumerate(t.rows, start=1)]
            total = None
            if t.total is not None:
                total = [t.total[0], "", *_cells(t.total[1:], t.columns[1:], total=True)]
            self.cells[id(t)] = rows, total
        # The charts print their shares with the document's decimals (every share the
        # document prints is padded to the most any of them has). Drawn one after the
        # other: matplotlib is not thread-safe.
        places = self.document_places()
        for t in r.tables:
            if t.chart is not None:
                self.charts[id(t.chart)] = bar_chart_png(replace(t.chart, places=places))
        return self._write()

    def document_places(self) -> int:
        """The most decimals any share the document prints has (the body's lines and
        tables: the header, closing and appendix print none of the renderer's)."""
        texts: list[str] = []
        for block in self.r.blocks:
            if isinstance(block, Text):
                texts.append(block.text)
            elif isinstance(block, RollupTable):
                rows, total = self.cells[id(block)]
                texts.extend(block.summary)
                texts.extend(cell for row in rows for cell in row)
                texts.extend(total or [])
        return max((p for text in texts if "%" in text for p in _places_in(text)), default=0)

    def _write(self) -> bytes:
        r, info = self.r, self.r.info
        collector = info.collector
        self.doc.header(
            governing_body=collector.governing_body,
            agency_name=collector.name,
            number_line=format_doc_number(info.number, r.template.type_code or "BC",
                                          collector.abbreviation),
            place_date=format_place_date(collector.place, info.issued_on),
        )
        subject_lc = _lower_first(r.subject)
        self.doc.title("Báo cáo", f"Tổng hợp {subject_lc}")
        addressee = info.addressee or f"Ủy ban nhân dân tỉnh {info.round.province}"
        self.doc.addressee([addressee])
        if info.references is not None:
            self.doc.grounds(info.references.grounds_lines([]))
        count = len(r.entries)
        self.doc.text(
            f"Trên cơ sở báo cáo của các cơ quan, đơn vị ({len(r.submitted)}/{count} cơ quan, "
            f"đơn vị đã nộp), {collector.name} tổng hợp {subject_lc} như sau:"
        )
        narrative: list[str] = []  # consecutive lines, written at once (Nd30Document.texts)
        for n, block in enumerate(r.blocks, start=1):
            if isinstance(block, Text):
                narrative.append(block.text)
            else:
                self.doc.texts(narrative)
                narrative = []
                self.block(block)
            if n % _SPILL_EVERY == 0:
                self.doc.texts(narrative)
                narrative = []
                self.doc.spill()
        self.doc.texts(narrative)
        self.doc.text(
            f"Trên đây là báo cáo tổng hợp {subject_lc}, {collector.name} kính báo cáo "
            f"{addressee}./."
        )
        self.doc.signature_block(
            recipients=["- Như trên;", "- Ban Giám đốc Sở;",
                        f"- Lưu: VT, {collector.drafting_unit}."],
            authority=collector.signer_authority,
            position=collector.signer_position,
            signer_name=collector.signer_name,
        )
        self.appendix()
        self.doc.properties(title=f"Tổng hợp {subject_lc}", author=collector.name,
                            when=info.as_of)
        return self.doc.to_bytes()

    def block(self, block: Block) -> None:
        if isinstance(block, Heading):
            self.doc.heading(block.level, block.text)
        elif isinstance(block, Text):  # (the body's lines go by Nd30Document.texts)
            self.doc.text(block.text)
        else:
            self.table(block)

    def table(self, t: RollupTable) -> None:
        intro = [*t.summary]
        if not t.summary:
            intro.append(t.title)
        rows, total = self.cells.pop(id(t))
        self.doc.table(_table_columns(t.columns), rows, total=total, total_span=2, intro=intro)
        if t.chart is not None:
            self.picture(self.charts[id(t.chart)], f"Biểu đồ: {t.chart.title}")

    def picture(self, png: bytes, caption: str) -> None:
        p = self.doc.paragraph("", STYLE.TABLE_CENTER)
        keep_with_next(p._p)
        p.add_run().add_picture(io.BytesIO(png), width=Twips(min(self.doc.page.text_width, 9000)))
        caption_p = self.doc.paragraph(caption, STYLE.TABLE_CENTER)
        for run in caption_p.runs:
            run.italic = True
        self.doc.paragraph("", STYLE.TABLE_TEXT)

    def appendix(self) -> None:
        r, info = self.r, self.r.info
        symbol = f"BC-{info.collector.abbreviation}"
        number = f"{info.number:02d}" if info.number else "…"
        date = format_date(info.issued_on) if info.issued_on else "…"
        self.doc.appendix_heading(
            "Phụ lục",
            "Số liệu chi tiết của các cơ quan, đơn vị",
            f"(Kèm theo Báo cáo số {number}/{symbol} ngày {date} của {info.collector.name})",
        )
        if not r.submitted:
            self.doc.body("Chưa có cơ quan, đơn vị nào nộp báo cáo.")
            return
        made = self.made_appendix() if self.made_appendix is not None else None
        if made is not None:
            self.doc.hold_xml(made)
        else:
            _write_agencies(self.doc, r)


def _write_agencies(doc: Nd30Document, r: Rollup) -> None:
    """The appendix's part for each submitted agency: when and which version it
    submitted, and its short answers."""
    tz = ZoneInfo(r.info.timezone)
    for index, entry in enumerate(r.submitted, start=1):
        if index % _SPILL_EVERY == 0:
            doc.spill()
        doc.heading(2, f"{index}. {entry.agency.name} ({entry.agency.abbreviation})")
        when = entry.submitted_at.astimezone(tz) if entry.submitted_at else None
        state = STATE_LABELS.get(entry.state, entry.state).lower()
        line = f"Nộp {state}"
        if when is not None:
            line += f" lúc {when:%H:%M} ngày {format_date(when.date())}"
        if entry.version:
            line += f" (phiên bản {entry.version})"
        doc.text(line + ".")
        rows = [[label, value] for label, value in agency_details(r, entry)]
        doc.table(
            [TableColumn("Nội dung", align="left", weight=3.0),
             TableColumn("Số liệu", align="left", weight=2.0)],
            rows,
        )


def appendix_agencies(rollup: Rollup) -> bytes:
    """The appendix's part for the submitted agencies, as WordprocessingML text: made
    apart (by the workbook's worker, :mod:`renderers.rollup_files`) for
    :func:`render_rollup_docx` to put in place, the same markup it would write."""
    with percent_rounding(rollup.template.percent):
        doc = Nd30Document()
        _write_agencies(doc, rollup)
        return doc.body_xml()


def agency_details(rollup: Rollup, entry: AgencyEntry) -> list[tuple[str, str]]:
    """(label, formatted value) of the short answers of one agency that the body does
    not already show agency by agency, in template order: short texts, choices, dates,
    yes/no. Figures, tables and lists are in the body's tables by agency and narratives
    are compiled there, so repeating them here would only lengthen the report."""
    values = rollup.values.get(entry.agency.id, {})
    out: list[tuple[str, str]] = []
    names = _placeholders(rollup.info)
    in_body = {QuestionType.NOTE, QuestionType.TABLE, QuestionType.REPEAT,
               QuestionType.COMPUTED, QuestionType.INTEGER, QuestionType.DECIMAL,
               QuestionType.PERCENT}
    for q in rollup.template.iter_questions():
        label = clean_text(fill(q.short_label, names))
        value = values.get(q.id)
        if q.type in in_body or (q.type is QuestionType.TEXT and q.long):
            continue
        if q.type is QuestionType.TABLE:
            for row in q.rows:
                cells = (value or {}).get(row.id) or {}
                for c in q.columns:
                    if c.type is QuestionType.TEXT:
                        continue
                    name = f"{label} - {row.label}" if len(q.rows) > 1 else label
                    text = format_value(cells.get(c.id), c.type, choices=c.choices, unit=c.unit)
                    group = f"{c.group} - " if c.group else ""
                    out.append((f"{name}: {group}{c.label}", text or NOT_COMPUTABLE))
            continue
        if q.type is QuestionType.REPEAT:
            out.append((label, f"{len(value or [])} mục"))
            continue
        text = format_value(value, q.type, choices=q.choices, unit=q.unit)
        if text and q.unit and q.unit != "%" and q.type is not QuestionType.TEXT:
            text = f"{text} {q.unit}"
        if not text and q.type is QuestionType.COMPUTED:
            text = NOT_COMPUTABLE
        if text:
            out.append((label, text))
    return out


def render_rollup(template: Template, entries: Sequence[AgencyEntry], info: RollupInfo) -> bytes:
    """The roll-up DOCX."""
    return render_rollup_docx(build_rollup(template, entries, info))


def render_rollup_docx(rollup: Rollup,
                       appendix: Callable[[], bytes | None] | None = None) -> bytes:
    """The roll-up DOCX; ``appendix``, when given, is asked for the appendix's agencies
    made apart (:func:`appendix_agencies`) when the document gets there, and None
    means they are written here."""
    with percent_rounding(rollup.template.percent):
        return _DocxWriter(rollup, appendix).write()
