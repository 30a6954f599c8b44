"""Answering the current step: a typed or tapped answer is parsed, checked
(type, range, the question's constraint) and stored before the next step is
asked; ``bỏ qua`` skips an optional step, ``giữ`` keeps the current, last
period's or default value. Table questions are answered cell by cell; a repeat
question's gate takes ``thêm`` / ``xong`` / ``xóa mục cuối`` and its items are
answered field by field.
"""

from __future__ import annotations

import json
from typing import Any

from dialogs import texts
from dialogs.answers import constraint_holds, is_answered, with_computed
from dialogs.commands import Command
from dialogs.cursor import Step, field_step, question_steps
from dialogs.expressions import ExpressionError
from dialogs.messages import Outbound
from dialogs.navigation import advance, next_field, resume
from dialogs.prompts import ask_current, prompt_messages
from dialogs.schema import Column, Question, QuestionType
from dialogs.states import State
from dialogs.turn import Reply, Turn, cell_value, step_required
from dialogs.values import InvalidAnswer, display_value, parse_answer
from dialogs.vn import parse_yes_no


async def button_answer(turn: Turn, value: str, step_key: str) -> None:
    """A tapped choice (``ans:<step>:<value>``), only for the step being asked."""
    if turn.lifecycle.state != State.ANSWERING or step_key != turn.conv.step:
        turn.say(texts.STALE_BUTTON)
        await resume(turn)
        return
    step = turn.current_step()
    await answer(turn, step, button=value)


async def answer(turn: Turn, step: Step, *, text: str | None = None,
                 button: str | None = None) -> None:
    """The answer to ``step``: stored and the next step asked, or why not and the
    same step again."""
    if step.kind == "r":
        await repeat_text(turn, step, text if text is not None else button or "")
        return
    if changed_meanwhile(turn, step):
        current = display_value(step.spec, turn.existing(step)) or texts.NOT_ANSWERED
        turn.say(texts.CHANGED_MEANWHILE.format(value=current))
        await ask_current(turn)
        return
    spec = step.spec
    try:
        value = parse(spec, text, button)
    except InvalidAnswer as exc:
        turn.say(exc.message)
        await ask_current(turn)
        return
    q = step.question
    if step.kind == "q":
        check_constraint(turn, q, value)
        await store(turn, q.id, value)
        await advance(turn, step)
    elif step.kind == "t":
        assert step.row is not None and step.column is not None
        table = {r: dict(c) for r, c in (turn.answers.get(q.id) or {}).items()}
        table.setdefault(step.row.id, {})[step.column.id] = value
        if is_answered(q, table):
            check_constraint(turn, q, table)
        await store(turn, q.id, table)
        await advance(turn, step)
    else:  # a repeat item's field
        assert step.index is not None and step.column is not None
        items = [dict(i) for i in (turn.answers.get(q.id) or [])]
        if step.index >= len(items):
            items.append({})
        items[min(step.index, len(items) - 1)][step.column.id] = value
        await store(turn, q.id, items)
        await next_field(turn, step)


def parse(spec: Question | Column, text: str | None, button: str | None) -> Any:
    if button is None:
        return parse_answer(spec, text or "")
    if spec.type == QuestionType.YES_NO and button in ("1", "0"):
        return button == "1"
    if spec.type == QuestionType.SELECT_ONE and any(c.value == button for c in spec.choices):
        return button
    return parse_answer(spec, button)


def check_constraint(turn: Turn, q: Question, value: Any) -> None:
    """Raise :class:`Reply` (the message and the same question) unless ``value``
    meets the question's constraint together with the other answers."""
    assert turn.template is not None
    try:
        env = with_computed(turn.template, {**turn.answers, q.id: value})
        holds = constraint_holds(q, env.get(q.id, value), env)
    except ExpressionError:  # e.g. a figure so large a computed value overflows
        raise Reply(
            Outbound(texts.CANNOT_COMPUTE),
            *prompt_messages(turn, turn.current_step()),
        ) from None
    if not holds:
        message = q.constraint_message or texts.CONSTRAINT_DEFAULT
        raise Reply(
            Outbound(texts.CONSTRAINT_FAILED.format(message=message)),
            *prompt_messages(turn, turn.current_step()),
        )


async def store(turn: Turn, question_id: str, value: Any) -> None:
    """Write an accepted answer (with its history), expecting the value this turn
    read: another officer's change in between fails the turn (and it is retried)."""
    assert turn.assignment is not None and turn.officer is not None
    await turn.uow.answers.set(
        turn.assignment.id, question_id, value, turn.officer.id, turn.setup.clock.now(),
        expected=turn.answers.get(question_id),
    )
    turn.answers[question_id] = value
    turn.answers_changed()


def changed_meanwhile(turn: Turn, step: Step) -> bool:
    """Did someone else change this answer after it was shown to this officer?"""
    seen = turn.conv.data.get("seen")
    if not isinstance(seen, dict) or seen.get("step") != step.key:
        return False
    return _canonical(seen.get("value")) != _canonical(turn.existing(step))


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


# ------------------------------------------------------------------ skip and keep
async def skip(turn: Turn, step: Step) -> None:
    """``bỏ qua``: past an optional step (at a repeat's gate: done)."""
    if step.kind == "r":
        await repeat_gate(turn, step, Command.DONE)
        return
    if step_required(step):
        turn.say(texts.REQUIRED_NO_SKIP)
        await ask_current(turn)
        return
    if step.kind == "f":
        await next_field(turn, step)
        return
    await advance(turn, step)


async def keep(turn: Turn, step: Step) -> None:
    """``giữ``: the value already there, else last period's or the default."""
    q = step.question
    current = turn.answers.get(q.id)
    if step.kind == "f":
        item_value = turn.item_value(step)
        if item_value is None:
            turn.say(texts.NOTHING_TO_KEEP)
            await ask_current(turn)
            return
        await next_field(turn, step)
        return
    if current is not None and step.kind != "r":
        cell = cell_value(step, current)
        if step.kind != "t" or cell is not None:
            await advance(turn, step)
            return
    if step.kind == "r" and current is not None:
        await repeat_gate(turn, step, Command.DONE)
        return
    candidate = await turn.candidate(q)
    if candidate is None:
        turn.say(texts.NOTHING_TO_KEEP)
        await ask_current(turn)
        return
    await store(turn, q.id, candidate)
    # the whole question takes the kept value: continue after its last step
    last = question_steps(q)[-1]
    await advance(turn, last)


# ------------------------------------------------------------------------ repeats
async def repeat_text(turn: Turn, step: Step, text: str) -> None:
    """A typed yes/no at a repeat's gate: another item, or done."""
    try:
        more = parse_yes_no(text)
    except ValueError:
        turn.say(texts.REPEAT_ADD_OR_DONE)
        await ask_current(turn)
        return
    await repeat_gate(turn, step, Command.ADD if more else Command.DONE)


async def repeat_gate(turn: Turn, step: Step, command: Command) -> None:
    """``thêm`` (a new item's first field), ``xóa mục cuối``, ``xong`` at a repeat's gate."""
    q = step.question
    items = list(turn.answers.get(q.id) or [])
    if command == Command.ADD:
        if q.max_items is not None and len(items) >= q.max_items:
            turn.say(texts.REPEAT_MAX.format(max=q.max_items))
            await ask_current(turn)
            return
        turn.conv.step = field_step(q, len(items), q.fields[0]).key
        await ask_current(turn)
    elif command == Command.REMOVE_LAST:
        if items:
            await store(turn, q.id, items[:-1])
            turn.say(texts.REPEAT_REMOVED)
        else:
            turn.say(texts.REPEAT_EMPTY)
        await ask_current(turn)
    else:  # DONE
        if q.min_items and len(items) < q.min_items:
            turn.say(texts.REPEAT_TOO_FEW.format(min=q.min_items))
            await ask_current(turn)
            return
        if q.id not in turn.answers:
            await store(turn, q.id, [])  # "none" is an answer too
        await advance(turn, step)
