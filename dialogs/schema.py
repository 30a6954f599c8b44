"""The template schema: a questionnaire plus how its answers become a document.

Templates are YAML files (see ``dialogs/templates/``) loaded into these models by
``dialogs.loader``. The models hold plain data only; no channel, database or
document library is imported here.

Answer values by question type (what the engine stores as JSON and what the
renderers receive):

========================  =====================================================
type                      stored value
========================  =====================================================
text                      ``str``
integer                   ``int``
decimal, percent          ``float`` (percent is 0-100, e.g. ``93.75``)
date                      ``str`` in ISO form ``"2020-04-08"``
yes_no                    ``bool``
select_one                ``str`` (a choice ``value``)
select_multiple           ``list[str]`` (choice values, in choice order)
repeat                    ``list[dict[field_id, value]]``
table                     ``dict[row_id, dict[column_id, value]]`` (input
                          columns only; computed columns/total rows are derived)
computed                  never stored; evaluated from ``expression``
note                      never stored
========================  =====================================================
"""

from __future__ import annotations

from enum import StrEnum
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class QuestionType(StrEnum):
    TEXT = "text"
    INTEGER = "integer"
    DECIMAL = "decimal"
    PERCENT = "percent"
    DATE = "date"
    YES_NO = "yes_no"
    SELECT_ONE = "select_one"
    SELECT_MULTIPLE = "select_multiple"
    REPEAT = "repeat"
    TABLE = "table"
    COMPUTED = "computed"
    NOTE = "note"


#: Types whose answer is a single scalar typed in one message.
SCALAR_TYPES = frozenset(
    {
        QuestionType.TEXT,
        QuestionType.INTEGER,
        QuestionType.DECIMAL,
        QuestionType.PERCENT,
        QuestionType.DATE,
        QuestionType.YES_NO,
        QuestionType.SELECT_ONE,
        QuestionType.SELECT_MULTIPLE,
    }
)
#: Types that are numbers (formatted Vietnamese-style, summed in roll-ups).
NUMERIC_TYPES = frozenset({QuestionType.INTEGER, QuestionType.DECIMAL, QuestionType.PERCENT})

RollupRule = Literal[
    "sum",  # add the figures of every agency
    "ratio_of_sums",  # computed ratio: re-evaluate the expression on the totals
    "list_by_agency",  # repeat rows / text merged, each row naming its agency
    "compile",  # narrative: "- <Agency>: <text>" under the heading
    "count",  # how many agencies answered yes / chose each option
    "none",
]

RenderStyle = Literal[
    "sentence",  # one paragraph built from ``pattern`` (default for scalars)
    "paragraphs",  # long text: one body paragraph per line; "-"/"+" lines as bullets
    "bullets",  # one "- " paragraph per item (select_multiple, repeat)
    "table",  # a real Word table (table, repeat)
    "hidden",  # collected but not printed
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Choice(_Model):
    value: str
    label: str


class Render(_Model):
    """How an answer appears in the document.

    ``pattern`` is a ``str.format`` pattern. Available names: ``{value}`` (the
    answer formatted in Vietnamese style: ``25.430``, ``93,75%``, ``08/4/2020``,
    ``Có``/``Không``, choice labels joined by ", "), ``{label}`` (the question's
    ``label`` or prompt), and for repeat items (``item``) each field id and
    ``{index}`` (1, 2, 3… for numbered lists).
    Leading ``"- "`` or ``"+ "`` in a pattern makes the paragraph a bullet.
    """

    style: RenderStyle | None = None  # None: the default for the question type
    pattern: str | None = None  # sentence pattern, e.g. "- Tổng số máy tính: {value}"
    item: str | None = None  # repeat item pattern for "bullets"
    empty: str | None = None  # printed when the answer is missing/empty; None prints nothing
    bullet: Literal["-", "+"] = "-"  # bullet for "bullets" style
    total_row: bool = False  # table/repeat table: add a bold "Tổng" row of numeric columns
    total_label: str = "Tổng số"
    row_header: str | None = None  # table: header of the row-label column (default "Nội dung")


class Column(_Model):
    """A column of a ``table`` question, or a field of a ``repeat`` item."""

    id: str
    label: str
    type: QuestionType = QuestionType.INTEGER  # scalar types or computed
    expression: str | None = None  # for computed columns: over the row's column ids
    required: bool = True
    min: float | None = None
    max: float | None = None
    unit: str | None = None
    example: str | None = None
    pattern: str | None = None  # regular expression a text field must match
    pattern_message: str | None = None
    max_length: int | None = None
    choices: list[Choice] = Field(default_factory=list)
    group: str | None = None  # header group label spanning adjacent columns ("Số văn bản")
    rollup: RollupRule | None = None


class Row(_Model):
    id: str
    label: str


class Question(_Model):
    id: str
    type: QuestionType
    prompt: str  # the question as asked in chat, Vietnamese
    label: str | None = None  # short name for review/roll-up; defaults to prompt
    help: str | None = None
    example: str | None = None
    unit: str | None = None
    long: bool = False  # text: multi-line narrative

    # rules
    required: bool = False
    min: float | None = None
    max: float | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    pattern_message: str | None = None
    constraint: str | None = None  # expression; ``value`` is this answer
    constraint_message: str | None = None
    relevant: str | None = None  # expression; the question is asked only when true
    default: Any = None
    prefill: Literal["previous"] | None = None

    # type-specific
    choices: list[Choice] = Field(default_factory=list)  # select_one / select_multiple
    fields: list[Column] = Field(default_factory=list)  # repeat: the item's fields
    min_items: int | None = None  # repeat
    max_items: int | None = None  # repeat
    rows: list[Row] = Field(default_factory=list)  # table
    columns: list[Column] = Field(default_factory=list)  # table
    expression: str | None = None  # computed

    render: Render = Field(default_factory=Render)
    rollup: RollupRule | None = None  # None: the default for the type

    kind: Literal["question"] = "question"

    @property
    def short_label(self) -> str:
        return self.label or self.prompt


Numbering = Literal["roman", "arabic", "decimal", "dash", "plus", "none"]


class Section(_Model):
    """A numbered part of the report. Numbering defaults by depth: I., 1., 1.1."""

    id: str
    title: str
    numbering: Numbering | None = None
    intro: str | None = None  # a fixed paragraph printed under the heading
    show_title: bool = True  # False: the title guides the chat only (a công văn's letter body)
    relevant: str | None = None
    items: list[Annotated[Question | Section, Field(discriminator="kind")]] = Field(
        default_factory=list
    )
    kind: Literal["section"] = "section"


class Appendix(_Model):
    title: str  # e.g. "BIỂU MẪU BÁO CÁO CÁC NHIỆM VỤ/DỰ ÁN ..."
    label: str = "Phụ lục"
    items: list[Annotated[Question | Section, Field(discriminator="kind")]] = Field(
        default_factory=list
    )
    #: Ids of questions answered in the body whose figures the appendix repeats as one
    #: table ("Phụ biểu" of seed 002: STT | Nội dung | Số liệu), before ``items``.
    summary: list[str] = Field(default_factory=list)


class Template(_Model):
    """A versioned report template.

    Text fields may use placeholders filled from the round and the agency:
    ``{agency}`` (agency name, "Sở Công Thương"), ``{agency_upper}``,
    ``{period}`` ("năm 2026"), ``{period_start}``/``{period_end}`` ("15/12/2025"),
    ``{year}``, ``{province}`` ("Đồng Nai"), ``{collector}`` (the collecting
    department, "Sở Khoa học và Công nghệ"), ``{rest_of_year}`` (what is left of
    the year after the period: "3 tháng cuối năm 2021"; "năm 2022" after an
    annual period), ``{next_year}``/``{next_year_2}`` (the two years after the
    period's end: "giai đoạn {next_year}-{next_year_2}" → "giai đoạn 2022-2023").
    """

    id: str
    version: int = 1
    name: str  # shown in lists: "Báo cáo ứng dụng CNTT hằng năm"
    description: str | None = None
    kind: Literal["bao_cao", "cong_van"] = "bao_cao"
    type_code: str = "BC"
    period_kind: Literal["annual", "half_year", "nine_months", "quarter", "ad_hoc"] = "annual"
    subject: str  # trích yếu: "Kết quả ứng dụng ... của {agency} {period}"
    addressee: list[str] = Field(default_factory=list)  # Kính gửi (công văn)
    grounds: list[str] = Field(default_factory=list)  # Căn cứ lines (italic)
    opening: str | None = None  # "{agency} báo cáo kết quả thực hiện như sau:"
    closing: str | None = None  # "Trên đây là báo cáo ... ./."
    recipients: list[str] = Field(default_factory=list)  # Nơi nhận, without "- " and ";"
    sections: list[Section]
    appendix: Appendix | None = None
    #: How percentages lose the digits beyond the two printed: "cut" as the seeds do
    #: (98,887…% → "98,88%"), or "round" (→ "98,89%"). Every share of a document is
    #: then printed with one number of decimals.
    percent: Literal["cut", "round"] = "cut"

    def iter_questions(self) -> list[Question]:
        """Every question in document order, appendix included."""
        return list(self._questions)

    @cached_property
    def _questions(self) -> tuple[Question, ...]:
        out: list[Question] = []

        def walk(items: list[Question | Section]) -> None:
            for item in items:
                if isinstance(item, Section):
                    walk(item.items)
                else:
                    out.append(item)

        walk(list(self.sections))
        if self.appendix is not None:
            walk(list(self.appendix.items))
        return tuple(out)

    @cached_property
    def _by_id(self) -> dict[str, Question]:
        return {q.id: q for q in self._questions}

    def question(self, question_id: str) -> Question:
        return self._by_id[question_id]

    @cached_property
    def derived(self) -> dict[str, Any]:
        """Values other modules derive from this template, each computed once (a
        template does not change once loaded): ``derived.setdefault(name, …)``."""
        return {}


Section.model_rebuild()
Appendix.model_rebuild()
Template.model_rebuild()
