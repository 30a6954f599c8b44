"""Which report a conversation is on: loading it, listing the agency's open
reports, and choosing one (a button ``cmd:continue:<id>`` or its typed number)."""

from __future__ import annotations

import logging
import re

from dialogs import texts
from dialogs.commands import Command, cmd
from dialogs.domain import Assignment, AssignmentStatus
from dialogs.messages import Button
from dialogs.pinned import round_template
from dialogs.ports import TurnContext
from dialogs.titles import report_title
from dialogs.turn import Turn

log = logging.getLogger(__name__)

_NO_CONTEXT = TurnContext(None, None, None, None, None, None)
_TYPED_CHOICE = re.compile(r"^\[?\s*(\d{1,3})\s*\]?\.?$")


async def load_assignment(turn: Turn) -> None:
    """Load the conversation's assignment, or pick the only open one."""
    assert turn.officer is not None
    uow, context = turn.uow, turn.context or _NO_CONTEXT
    if turn.agency is not None and turn.agency.id == turn.officer.agency_id:
        pass  # just read (binding)
    elif context.agency is not None and context.agency.id == turn.officer.agency_id:
        turn.agency = context.agency
    else:
        turn.agency = await uow.agencies.get(turn.officer.agency_id)
    assignment = None
    if turn.conv.assignment_id is not None:
        prefetched = context.assignment is not None \
            and context.assignment.id == turn.conv.assignment_id
        assignment = context.assignment if prefetched \
            else await uow.assignments.get(turn.conv.assignment_id)
        if assignment is not None and assignment.agency_id != turn.officer.agency_id:
            assignment = None
        if assignment is not None:
            round_ = context.round if prefetched \
                else await uow.rounds.get(assignment.round_id)
            if round_ is None or round_.status != "open":
                assignment, turn.conv.assignment_id, turn.conv.step = None, None, None
            else:
                turn.round = round_
    if assignment is None:
        open_ = await uow.assignments.list_open(turn.officer.agency_id)
        if len(open_) == 1:
            assignment = open_[0]
            turn.conv.assignment_id = assignment.id
            turn.conv.step = None
    if assignment is None:
        return
    round_ = turn.round if turn.round is not None and turn.round.id == assignment.round_id \
        else await uow.rounds.get(assignment.round_id)
    template = await round_template(turn.setup.templates, round_, uow)
    if round_ is None or template is None:
        log.error("assignment %s: round or template missing", assignment.id)
        return
    turn.assignment, turn.round, turn.template = assignment, round_, template
    turn.answers = await uow.answers.get(assignment.id)
    turn.answers_changed()


async def open_reports(turn: Turn, *, exclude: int | None = None,
                       unsubmitted: bool = False) -> list[tuple[Assignment, str]]:
    """The agency's open reports with their titles, those still to do first."""
    assert turn.officer is not None
    found: list[tuple[Assignment, str]] = []
    for assignment in await turn.uow.assignments.list_open(turn.officer.agency_id):
        if assignment.id == exclude:
            continue
        if unsubmitted and assignment.status == AssignmentStatus.SUBMITTED:
            continue
        round_ = await turn.uow.rounds.get(assignment.round_id)
        template = await round_template(turn.setup.templates, round_, turn.uow)
        if round_ is None or template is None:
            continue
        title = report_title(template.name, round_.period_label)
        found.append((assignment, title))
    found.sort(key=lambda item: item[0].status == AssignmentStatus.SUBMITTED)
    return found


def offer(turn: Turn, heading: str, reports: list[tuple[Assignment, str]], *,
          buttons: bool) -> None:
    """A numbered list of reports; the officer taps one or types its number."""
    lines = [heading]
    rows: list[list[Button]] = []
    for i, (assignment, title) in enumerate(reports, start=1):
        mark = f" {texts.SUBMITTED_MARK}" if assignment.status == AssignmentStatus.SUBMITTED \
            else ""
        lines.append(f"{i}. {title}{mark}")
        rows.append([Button(f"{i}. {title}"[:120], cmd(Command.CONTINUE, str(assignment.id)))])
    lines.append(texts.CHOOSE_BY_NUMBER)
    turn.conv.data["choices"] = [a.id for a, _ in reports]
    turn.say("\n".join(lines), rows if buttons else None)


async def choose_assignment(turn: Turn) -> None:
    """No report chosen yet: the agency's open reports to pick from (or none open)."""
    assert turn.officer is not None and turn.agency is not None
    reports = await open_reports(turn)
    if not reports:
        turn.say(texts.NO_OPEN_ROUND.format(agency=turn.agency.name))
        return
    offer(turn, texts.CHOOSE_ROUND.format(agency=turn.agency.name, count=len(reports)),
          reports, buttons=True)


async def offer_others(turn: Turn) -> bool:
    """After a submission: the agency's other reports still to do (typed numbers,
    no keyboard: nothing of the submitted report stays tappable). True if any."""
    assert turn.agency is not None and turn.assignment is not None
    others = await open_reports(turn, exclude=turn.assignment.id, unsubmitted=True)
    if others:
        offer(turn, texts.OTHER_OPEN.format(agency=turn.agency.name, count=len(others)),
              others, buttons=False)
    return bool(others)


def typed_choice(turn: Turn, text: str) -> int | None:
    """The report picked by typing its number ("2", "[2]") from the last list."""
    choices = turn.conv.data.get("choices")
    match = _TYPED_CHOICE.match(text)
    if not isinstance(choices, list) or match is None:
        return None
    index = int(match.group(1))
    return choices[index - 1] if 1 <= index <= len(choices) else None


async def select_assignment(turn: Turn, argument: str) -> None:
    """Switch the conversation to the report ``argument`` names (one of the agency's
    open reports; anything else is refused and the list shown again)."""
    assert turn.officer is not None
    open_ = await turn.uow.assignments.list_open(turn.officer.agency_id)
    chosen = next((a for a in open_ if str(a.id) == argument), None)
    if chosen is None:
        log.warning("assignment %r refused: not open for officer %s of agency %s", argument,
                    turn.officer.id, turn.officer.agency_id)
        turn.say(texts.UNKNOWN_BUTTON)
        await choose_assignment(turn)
        return
    turn.conv.assignment_id, turn.conv.step, turn.conv.data = chosen.id, None, {}
    await load_assignment(turn)
