"""The review an officer reads before submitting: one compact message.

The summary fits one message on every channel (Zalo OA's 2,000 characters, with
room for its typed-command line): counts (answered, skipped, not applicable),
what must still be done first, then each section with its counts. Details come on
demand — a section's answers (``cmd:review:s<k>``) — and one paged keyboard jumps
to any question (``cmd:edit:<n>``; pages ``cmd:review:p<k>``).

:func:`show` is the review command of a turn (``xem lại``, ``cmd:review:…``);
:func:`problems` is what still stands in the way of submitting.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dialogs import texts
from dialogs.answers import find_problems, is_answered
from dialogs.commands import Command, cmd
from dialogs.messages import Button, Outbound
from dialogs.schema import Column, Question, QuestionType, Template
from dialogs.titles import fill
from dialogs.turn import Turn
from dialogs.values import display_value

#: Characters of one review message: under Zalo OA's 2,000 with its "Gõ: …" line.
REVIEW_LIMIT = 1800
VALUE_CHARS = 160  # one answer's characters in a section's details
PROBLEMS_SHOWN = 8  # problems listed by name in the summary
JUMP_ROW = 5  # question numbers per keyboard row
JUMP_PAGE = 15  # question numbers per keyboard page
SECTIONS_ROW = 4


@dataclass
class SectionFacts:
    title: str
    numbers: list[int] = field(default_factory=list)  # applicable questions
    answered: int = 0
    skipped: int = 0
    not_applicable: int = 0
    problems: int = 0
    lines: list[str] = field(default_factory=list)  # the answers, for details


@dataclass
class ReviewFacts:
    """Everything the review shows, computed once per review."""

    sections: list[SectionFacts]
    problems: list[tuple[int, str, str]]  # (number, label, reason text)
    answered: int = 0
    skipped: int = 0
    not_applicable: int = 0

    @property
    def applicable(self) -> int:
        return sum(len(s.numbers) for s in self.sections)

    @property
    def numbers(self) -> list[int]:
        return [n for s in self.sections for n in s.numbers]


def gather(
    template: Template,
    numbers: Mapping[str, int],
    section_of: Mapping[str, str],
    env: Mapping[str, Any],
    relevant: set[str],
    problems: list[tuple[Question, str]],
    reasons: Mapping[str, str],
) -> ReviewFacts:
    """Sort every question into its section with its state and its review line."""
    problem_ids = {q.id for q, _ in problems}
    sections: dict[str, SectionFacts] = {}
    current = ""
    for q in template.iter_questions():
        if q.type == QuestionType.NOTE:
            continue
        current = section_of.get(q.id, current)
        facts = sections.setdefault(current, SectionFacts(current))
        value = env.get(q.id)
        if q.type == QuestionType.COMPUTED:
            if value is not None:
                facts.lines.append(f"   ↳ {q.short_label}: {display_value(q, value)}")
            continue
        n = numbers[q.id]
        if q.id not in relevant:
            facts.not_applicable += 1
            facts.lines.append(f"{n}. {q.short_label}: {texts.REVIEW_NOT_APPLICABLE}")
            continue
        facts.numbers.append(n)
        answered = is_answered(q, value) or (q.type == QuestionType.REPEAT and value is not None)
        if q.id in problem_ids:
            facts.problems += 1
        if answered:
            facts.answered += 1
        elif not q.required:
            facts.skipped += 1
        facts.lines.append(f"{n}. {q.short_label}: {answer_text(q, value)}")
    listed = [(numbers.get(q.id, 0), q.short_label, reasons[q.id]) for q, _ in problems]
    out = ReviewFacts(sections=[s for s in sections.values() if s.lines], problems=listed)
    out.answered = sum(s.answered for s in out.sections)
    out.skipped = sum(s.skipped for s in out.sections)
    out.not_applicable = sum(s.not_applicable for s in out.sections)
    return out


def summary(facts: ReviewFacts, heading: str, page: int = 1) -> Outbound:
    """The one review message: counts, problems first, sections; the jump keyboard."""
    lines = [texts.REVIEW_HEADING, heading, counts_line(facts)]
    if facts.problems:
        lines.append(texts.REVIEW_PROBLEMS.format(count=len(facts.problems)))
        for n, label, reason in facts.problems[:PROBLEMS_SHOWN]:
            lines.append(f"- Câu {n} · {_short(label, 70)}: {reason}")
        if len(facts.problems) > PROBLEMS_SHOWN:
            lines.append(texts.REVIEW_MORE_PROBLEMS.format(
                count=len(facts.problems) - PROBLEMS_SHOWN))
    else:
        lines.append(texts.REVIEW_READY)
    whole = [*lines]
    for k, section in enumerate(facts.sections, start=1):
        whole.append(_section_line(k, section))
        whole.extend(section.lines)
    whole.append(texts.REVIEW_HOW_SHORT)
    buttons = _footer(facts)
    if len("\n".join(whole)) <= REVIEW_LIMIT:  # small enough: every answer at once
        text = "\n".join(whole)
    else:
        lines.append(texts.REVIEW_SECTIONS)
        for k, section in enumerate(facts.sections, start=1):
            lines.append(_section_line(k, section))
        lines.append(texts.REVIEW_HOW)
        text = fit(lines)
        buttons.extend(_section_buttons(facts))
    buttons.extend(jump_keyboard(facts.numbers, page, lambda p: cmd(Command.REVIEW, f"p{p}")))
    return Outbound(text, buttons)


def details(facts: ReviewFacts, k: int, page: int = 1) -> Outbound:
    """One section's answers (as much as fits one message) with its jump keyboard."""
    section = facts.sections[k - 1]
    lines = [texts.REVIEW_SECTION_HEADING.format(section=section.title), *section.lines]
    text = fit(lines, more=texts.REVIEW_CUT)
    buttons = jump_keyboard(section.numbers, page,
                            lambda p: cmd(Command.REVIEW, f"s{k}p{p}"))
    buttons.append([Button(texts.BUTTONS["review_all"], cmd(Command.REVIEW))])
    buttons.extend(_footer(facts))
    return Outbound(text, buttons)


def counts_line(facts: ReviewFacts) -> str:
    parts = [texts.REVIEW_ANSWERED.format(answered=facts.answered, total=facts.applicable)]
    if facts.skipped:
        parts.append(texts.REVIEW_SKIPPED.format(count=facts.skipped))
    if facts.not_applicable:
        parts.append(texts.REVIEW_NA.format(count=facts.not_applicable))
    return "; ".join(parts) + "."


def _section_line(k: int, section: SectionFacts) -> str:
    total = len(section.numbers)
    parts = [texts.REVIEW_SECTION_COUNT.format(answered=section.answered, total=total)]
    if section.skipped:
        parts.append(texts.REVIEW_SKIPPED.format(count=section.skipped))
    if section.problems:
        parts.append(texts.REVIEW_SECTION_PROBLEMS.format(count=section.problems))
    if section.not_applicable:
        parts.append(texts.REVIEW_NA.format(count=section.not_applicable))
    mark = "⚠" if section.problems else "✓"
    return f"{mark} {_short(section.title, 90)}: " + ", ".join(parts)


def _footer(facts: ReviewFacts) -> list[list[Button]]:
    if facts.problems:
        first = facts.problems[0][0]
        return [[Button(texts.BUTTONS["edit"].format(n=first), cmd(Command.EDIT, str(first)))]]
    return [[Button(texts.BUTTONS["submit"], cmd(Command.SUBMIT))]]


def _section_buttons(facts: ReviewFacts) -> list[list[Button]]:
    buttons = [Button(texts.BUTTONS["section"].format(k=_numeral(s.title, k)),
                      cmd(Command.REVIEW, f"s{k}"))
               for k, s in enumerate(facts.sections, start=1)]
    return [buttons[i:i + SECTIONS_ROW] for i in range(0, len(buttons), SECTIONS_ROW)]


def _numeral(title: str, k: int) -> str:
    """The section's own numeral ("II" of "II. Hạ tầng …"), else its position."""
    head, dot, _ = title.partition(". ")
    return head if dot and head and len(head) <= 6 else str(k)


def jump_keyboard(numbers: list[int], page: int, page_data: Any) -> list[list[Button]]:
    """Question numbers, ``JUMP_PAGE`` a page, with ◀/▶ to the other pages."""
    pages = max(1, -(-len(numbers) // JUMP_PAGE))
    page = min(max(page, 1), pages)
    shown = numbers[(page - 1) * JUMP_PAGE: page * JUMP_PAGE]
    rows = [[Button(str(n), cmd(Command.EDIT, str(n))) for n in shown[i:i + JUMP_ROW]]
            for i in range(0, len(shown), JUMP_ROW)]
    nav = []
    if page > 1:
        nav.append(Button(texts.BUTTONS["page_back"].format(page=page - 1), page_data(page - 1)))
    if page < pages:
        nav.append(Button(texts.BUTTONS["page_next"].format(page=page + 1), page_data(page + 1)))
    if nav:
        rows.append(nav)
    return rows


def fit(lines: list[str], more: str = "…", limit: int = REVIEW_LIMIT) -> str:
    """The lines joined, as many as fit ``limit`` characters; ``more`` marks a cut."""
    out: list[str] = []
    size = 0
    for line in lines:
        if size + len(line) + 1 > limit - len(more) - 1:
            out.append(more)
            break
        out.append(line)
        size += len(line) + 1
    return "\n".join(out)


def _short(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[: chars - 1].rstrip() + "…"


# ---------------------------------------------------------------------- one answer


def column_label(column: Column) -> str:
    """'Văn bản giấy – Tổng' (the group names what repeats, e.g. paper vs electronic)."""
    label = column.label
    if column.group:
        label = f"{column.group} – {label}"
    return label


_PERCENT_LABEL = re.compile(r"\s*\(?%\)?$")


def cell_text(column: Column, value: Any) -> str:
    """'Tỷ lệ: 96,55%' — the unit is not said twice."""
    shown = display_value(column, value)
    label = column_label(column)
    if shown.endswith("%"):
        label = _PERCENT_LABEL.sub("", label)
    return f"{label}: {shown}"


def answer_text(q: Question, value: Any) -> str:
    if value is None or value == "":
        return texts.NOT_ANSWERED if q.required else texts.REVIEW_SKIPPED_ONE
    if q.type == QuestionType.TABLE:
        rows = []
        for row in q.rows:
            cells = value.get(row.id) or {}
            shown = "; ".join(cell_text(c, cells.get(c.id)) for c in q.columns
                              if cells.get(c.id) is not None)
            rows.append(f"\n   • {row.label}: {shown or texts.NOT_ANSWERED}")
        return "".join(rows)
    if q.type == QuestionType.REPEAT:
        if not value:
            return texts.REVIEW_NONE
        shown = [
            "\n   • " + _short("; ".join(display_value(f, item.get(f.id)) for f in q.fields
                                         if item.get(f.id) is not None), VALUE_CHARS)
            for item in value
        ]
        return texts.REVIEW_ITEMS.format(count=len(value)) + "".join(shown)
    return _short(display_value(q, value), VALUE_CHARS)


# ------------------------------------------------------------------ a turn's review
def problems(turn: Turn) -> list[tuple[Question, str]]:
    """What must change before the report can be submitted: (question, reason)."""
    assert turn.template is not None
    out = [(p.question, p.reason) for p in find_problems(turn.template, turn.answers)]
    for q in turn.template.iter_questions():
        if q.type == QuestionType.REPEAT:
            items = turn.answers.get(q.id) or []
            if any(item.get(f.id) is None for item in items for f in q.fields
                   if f.required):
                out.append((q, "incomplete"))
    return out


def show(turn: Turn, argument: str | None = None) -> None:
    """The compact review (``argument`` None or ``p<page>``) or one section's
    answers (``s<k>`` or ``s<k>p<page>``)."""
    assert turn.template is not None and turn.round is not None
    assert turn.agency is not None
    facts = turn_facts(turn)
    match = re.fullmatch(r"(?:s(\d{1,3}))?(?:p(\d{1,3}))?", argument or "")
    section = int(match.group(1)) if match and match.group(1) else 0
    page = int(match.group(2)) if match and match.group(2) else 1
    if 1 <= section <= len(facts.sections):
        turn.out.append(details(facts, section, page))
        return
    heading = f"{turn.agency.name} · {turn.title()}"
    turn.out.append(summary(facts, heading, page))


def turn_facts(turn: Turn) -> ReviewFacts:
    assert turn.template is not None
    outline = turn.outline()
    listed: list[tuple[Question, str]] = []
    reasons: dict[str, str] = {}
    for q, reason in problems(turn):
        if q.id in reasons:
            continue
        listed.append((q, reason))
        reasons[q.id] = texts.PROBLEM_REASONS[reason].format(
            min=q.min_items, message=q.constraint_message or texts.CONSTRAINT_DEFAULT)
    return gather(
        turn.template, outline.numbers, section_labels(turn), turn.env(),
        {s.question.id for s in turn.steps()}, listed, reasons)


def section_labels(turn: Turn) -> dict[str, str]:
    """Question id -> its section's title, placeholders filled ("{period}")."""
    values = turn.placeholders()
    return {qid: fill(label, **values) for qid, label in turn.outline().sections.items()}
