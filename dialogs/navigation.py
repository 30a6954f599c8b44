"""Moving through the questionnaire: resuming where the officer is (``tiếp tục``,
an empty message), going back (``quay lại``), on to the next step after an answer,
and jumping to question N from the review (``sửa N``)."""

from __future__ import annotations

from dialogs import review, texts
from dialogs.assignments import choose_assignment
from dialogs.cursor import Step, field_step
from dialogs.domain import AssignmentStatus
from dialogs.prompts import ask_current
from dialogs.schema import QuestionType
from dialogs.states import State, fire
from dialogs.submission import already_submitted, confirm_prompt
from dialogs.turn import Turn
from dialogs.vn import format_date


async def resume(turn: Turn, *, attach: bool = True) -> None:
    """Show where the officer is: the current question, review or status."""
    if turn.assignment is None or turn.template is None:
        await choose_assignment(turn)
        return
    if turn.assignment.status == AssignmentStatus.SUBMITTED:
        await already_submitted(turn, attach=attach)
        return
    state = turn.lifecycle.state
    if state == State.SUBMITTED and turn.assignment.status == AssignmentStatus.RETURNED:
        # the DIC returned it: review, fix, submit again
        assert turn.round is not None
        turn.say(texts.RETURNED_FOR_CORRECTION.format(
            title=turn.title(), collector=turn.setup.collector))
        fire(turn.lifecycle, "review")
        review.show(turn)
        return
    if state == State.REVIEWING:
        review.show(turn)
        return
    if state == State.CONFIRMING:
        confirm_prompt(turn)
        return
    if state != State.ANSWERING:
        fire(turn.lifecycle, "answer")
    if turn.conv.step is None:
        outline = turn.outline()
        round_ = turn.round
        assert round_ is not None
        turn.say(texts.ROUND_INTRO.format(
            title=turn.title(), deadline=format_date(round_.deadline), total=outline.total,
        ))
        step = turn.first_open_step()
        if step is None:
            fire(turn.lifecycle, "review")
            review.show(turn)
            return
        turn.conv.step = step.key
    await ask_current(turn)


async def continue_answering(turn: Turn) -> None:
    """``tiếp tục`` on an open report: back to the questions (from the review: the
    first open question, else where the officer was)."""
    state = turn.lifecycle.state
    if state == State.SUBMITTED:  # e.g. returned for correction: resume knows
        await resume(turn)
        return
    if state == State.REVIEWING:
        first_open = turn.first_open_step()
        if first_open is not None:
            turn.conv.step = first_open.key
        turn.conv.data.pop("return", None)
    if state != State.ANSWERING:
        fire(turn.lifecycle, "answer")
    await resume(turn)


def back(turn: Turn, step: Step) -> None:
    """``quay lại``: the step before ``step`` (the caller asks it)."""
    if step.kind == "f":
        assert step.index is not None
        fields = step.question.fields
        pos = [f.id for f in fields].index(step.column.id) if step.column else 0
        if pos > 0:
            turn.conv.step = field_step(step.question, step.index, fields[pos - 1]).key
        else:
            turn.conv.step = f"r:{step.question.id}"
        return
    steps = turn.steps()
    keys = [s.key for s in steps]
    if step.key in keys and keys.index(step.key) > 0:
        turn.conv.step = keys[keys.index(step.key) - 1]
    elif step.key not in keys and steps:
        order = _order(turn)
        earlier = [s for s in steps if order[s.question.id] < order[step.question.id]]
        if earlier:
            turn.conv.step = earlier[-1].key
        else:
            turn.say(texts.FIRST_QUESTION)
    else:
        turn.say(texts.FIRST_QUESTION)


def _order(turn: Turn) -> dict[str, int]:
    assert turn.template is not None
    return {q.id: i for i, q in enumerate(turn.template.iter_questions())}


async def advance(turn: Turn, after: Step) -> None:
    """Move past ``after`` (a main step) to the next step, or to the review."""
    steps = turn.steps()
    keys = [s.key for s in steps]
    nxt: Step | None = None
    if after.key in keys:
        idx = keys.index(after.key)
        nxt = steps[idx + 1] if idx + 1 < len(steps) else None
    else:
        order = _order(turn)
        later = [s for s in steps if order[s.question.id] > order[after.question.id]]
        nxt = later[0] if later else None
    editing = turn.conv.data.get("return") == "review"
    leaving_question = nxt is None or nxt.question.id != after.question.id
    if editing and leaving_question:
        turn.conv.data.pop("return", None)
        fire(turn.lifecycle, "review")
        review.show(turn)
        return
    if nxt is None:
        fire(turn.lifecycle, "review")
        review.show(turn)
        return
    turn.conv.step = nxt.key
    await ask_current(turn)


async def next_field(turn: Turn, step: Step) -> None:
    """Move past a repeat item's field: its next field, or back to the repeat's gate."""
    q = step.question
    assert step.index is not None and step.column is not None
    ids = [f.id for f in q.fields]
    pos = ids.index(step.column.id)
    if pos + 1 < len(q.fields):
        turn.conv.step = field_step(q, step.index, q.fields[pos + 1]).key
    else:
        turn.conv.step = f"r:{q.id}"
    await ask_current(turn)


async def edit(turn: Turn, argument: str) -> None:
    """``sửa N``: question N, from where the officer is (from the review: and back)."""
    assert turn.template is not None
    outline = turn.outline()
    plain = argument.isascii() and argument.isdigit() and len(argument) < 7
    number = int(argument) if plain else -1
    qid = next((k for k, v in outline.numbers.items() if v == number), None)
    if qid is None:
        turn.say(texts.NO_SUCH_QUESTION.format(n=argument, total=outline.total))
        return
    q = turn.template.question(qid)
    steps = [s for s in turn.steps() if s.question.id == qid]
    if not steps:
        turn.say(texts.NOT_APPLICABLE.format(n=number))
        return
    state = turn.lifecycle.state
    if state in (State.REVIEWING, State.CONFIRMING):
        turn.conv.data["return"] = "review"
    fire(turn.lifecycle, "answer")
    turn.conv.step = steps[0].key if q.type != QuestionType.REPEAT else f"r:{qid}"
    await ask_current(turn)
