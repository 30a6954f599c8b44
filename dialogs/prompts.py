"""The question prompt: where the officer is, what is asked, how to answer.

``Câu 12/48 · II. Hạ tầng kỹ thuật``, the question, its help, the table cell or
repeat field asked, a hint (the type, the range, the unit, an example), the answer
already given or last period's, and the buttons (choices, keep, back, skip, review).
"""

from __future__ import annotations

from typing import Any

from dialogs import texts
from dialogs.commands import Command, ans, cmd
from dialogs.cursor import Step, question_steps
from dialogs.messages import Button, Outbound
from dialogs.schema import Column, Question, QuestionType
from dialogs.titles import fill
from dialogs.turn import Turn, cell_value, step_required
from dialogs.values import display_value, shown_example
from dialogs.vn import format_number

MAX_MESSAGE = 3500  # characters per outbound message (under every channel's limit)


async def ask_current(turn: Turn) -> None:
    """Ask the conversation's current step (remembering what it showed: see
    ``answering.changed_meanwhile``)."""
    step = turn.current_step()
    prefill = None
    asks_whole = step.kind in ("q", "r") or (step.kind == "t" and is_first_cell(step))
    if asks_whole and turn.answers.get(step.question.id) is None:
        prefill = await turn.candidate(step.question)
    turn.conv.data["seen"] = {"step": step.key, "value": turn.existing(step)}
    turn.out.extend(prompt_messages(turn, step, prefill))


def is_first_cell(step: Step) -> bool:
    return question_steps(step.question)[0].key == step.key


def prompt_messages(turn: Turn, step: Step, prefill: Any = None) -> list[Outbound]:
    assert turn.template is not None
    outline = turn.outline()
    q = step.question
    applicable = list(dict.fromkeys(s.question.id for s in turn.steps()))
    position = applicable.index(q.id) + 1 if q.id in applicable else 0
    section = fill(outline.sections.get(q.id, ""), **turn.placeholders())
    number = outline.numbers.get(q.id, 0)
    progress = texts.PROGRESS if number == position else texts.PROGRESS_NUMBERED
    lines = [progress.format(number=number, position=position, total=len(applicable),
                             section=section)]
    lines.append(q.prompt)
    if q.help and (step.kind in ("q", "r") or is_first_cell(step)):
        lines.append(q.help)
    current = turn.answers.get(q.id)
    buttons: list[list[Button]] = []
    if step.kind == "r":
        items = list(current or [])
        lines.append(texts.REPEAT_GATE.format(count=len(items)))
        for i, item in enumerate(items, start=1):
            parts = [display_value(f, item.get(f.id)) for f in q.fields
                     if item.get(f.id) is not None]
            lines.append(f"{i}. " + "; ".join(parts))
        lines.append(texts.REPEAT_ADD_OR_DONE)
        row = [Button(texts.BUTTONS["add"], cmd(Command.ADD)),
               Button(texts.BUTTONS["done"], cmd(Command.DONE))]
        buttons.append(row)
        if items:
            buttons.append([Button(texts.BUTTONS["remove_last"], cmd(Command.REMOVE_LAST))])
        if prefill:
            lines.append(f"Kỳ trước: {len(prefill)} mục.")
            buttons.append([Button(texts.BUTTONS["keep_previous"], cmd(Command.KEEP))])
    else:
        spec = step.spec
        if step.kind == "t":
            assert step.row is not None and step.column is not None
            column = step.column.label
            if step.column.group:
                column = f"{step.column.group} – {column}"
            cell = texts.TABLE_CELL.format(row=step.row.label, column=column)
            if not step_required(step):
                cell = f"{cell} {texts.OPTIONAL_CELL}"
            lines.append(cell)
        elif step.kind == "f":
            assert step.index is not None and step.column is not None
            lines.append(texts.REPEAT_ITEM.format(index=step.index + 1,
                                                  field=step.column.label))
        lines.append(hint(spec))
        existing = cell_value(step, current) if step.kind != "f" else turn.item_value(step)
        if existing is not None:
            lines.append(f"Đã trả lời: {display_value(spec, existing)}")
        buttons.extend(choice_buttons(step, spec))
        if prefill is not None:
            shown = display_value(q, prefill)
            source = "Kỳ trước" if q.prefill == "previous" else "Giá trị mặc định"
            lines.append(f"{source}: {shown}")
            key = "keep_previous" if q.prefill == "previous" else "keep_default"
            buttons.append([Button(texts.BUTTONS[key], cmd(Command.KEEP))])
        elif existing is not None:
            buttons.append([Button(texts.BUTTONS["keep_current"], cmd(Command.KEEP))])
    nav = [Button(texts.BUTTONS["back"], cmd(Command.BACK))]
    if not step_required(step) and step.kind != "r":
        nav.append(Button(texts.BUTTONS["skip"], cmd(Command.SKIP)))
    nav.append(Button(texts.BUTTONS["review"], cmd(Command.REVIEW)))
    buttons.append(nav)
    return [Outbound(clip("\n".join(line for line in lines if line)), buttons)]


def choice_buttons(step: Step, spec: Question | Column) -> list[list[Button]]:
    if spec.type == QuestionType.YES_NO:
        return [[Button(texts.BUTTONS["yes"], ans(step.key, "1")),
                 Button(texts.BUTTONS["no"], ans(step.key, "0"))]]
    if spec.type == QuestionType.SELECT_ONE:
        return [[Button(c.label, ans(step.key, c.value))] for c in spec.choices]
    return []


def hint(spec: Question | Column) -> str:
    t = spec.type
    parts: list[str] = []
    if t == QuestionType.INTEGER:
        parts.append("Nhập một số nguyên")
    elif t == QuestionType.DECIMAL:
        parts.append("Nhập một số (dấu phẩy cho phần thập phân)")
    elif t == QuestionType.PERCENT:
        parts.append("Nhập tỷ lệ phần trăm")
    elif t == QuestionType.DATE:
        parts.append("Nhập ngày dạng ngày/tháng/năm")
    elif t == QuestionType.YES_NO:
        parts.append("Trả lời Có hoặc Không")
    elif t == QuestionType.SELECT_ONE:
        options = "; ".join(f"{i}. {c.label}" for i, c in enumerate(spec.choices, 1))
        parts.append(f"Chọn một: {options}")
    elif t == QuestionType.SELECT_MULTIPLE:
        options = "; ".join(f"{i}. {c.label}" for i, c in enumerate(spec.choices, 1))
        parts.append(f"Chọn một hoặc nhiều (gõ các số, cách nhau bởi dấu phẩy): {options}")
    elif t == QuestionType.TEXT and getattr(spec, "long", False):
        parts.append("Trả lời bằng một đoạn văn; mỗi ý một dòng, có thể bắt đầu bằng \"-\"")
    lo, hi = spec.min, spec.max
    if t in (QuestionType.INTEGER, QuestionType.DECIMAL, QuestionType.PERCENT):
        if lo is not None and hi is not None:
            parts.append(f"từ {format_number(lo)} đến {format_number(hi)}")
        elif lo is not None:
            parts.append(f"từ {format_number(lo)} trở lên")
    unit = getattr(spec, "unit", None)
    example = shown_example(spec)
    if unit and unit != "%" and example and example.replace(".", "").isdigit():
        parts.append(f"ví dụ: {example} {unit}")  # "ví dụ: 25.430 văn bản"
    else:
        if unit and unit != "%":
            parts.append(f"đơn vị tính: {unit}")
        if example:
            parts.append(f"ví dụ: {example}")
    return ("(" + ", ".join(parts) + ")") if parts else ""


def clip(text: str) -> str:
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"
