"""The text of reminders and of the "new round" notice."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from dialogs import texts
from dialogs.commands import Command, cmd
from dialogs.cursor import Outline
from dialogs.domain import Agency, Round
from dialogs.messages import Button, Outbound
from dialogs.schema import Template
from dialogs.titles import report_phrase, report_title
from dialogs.vn import format_date


def left_text(deadline: dt.date, today: dt.date) -> str:
    days = (deadline - today).days
    when = format_date(deadline)
    if days > 0:
        return texts.LEFT_DAYS.format(deadline=when, days=days)
    if days == 0:
        return texts.LEFT_TODAY.format(deadline=when)
    return texts.LEFT_OVERDUE.format(deadline=when, days=-days)


def answered_count(template: Template, answered: Iterable[str],
                   outline: Outline | None = None) -> tuple[int, int]:
    """(asked questions with a stored answer, asked questions); pass the template's
    ``outline`` when counting for many assignments (it is built once then)."""
    outline = outline or Outline.of(template)
    ids = set(answered)
    return sum(1 for qid in outline.numbers if qid in ids), outline.total


def reminder_message(
    *,
    kind: str,
    template: Template,
    round_: Round,
    agency: Agency,
    assignment_id: int,
    answered: int,
    total: int,
    today: dt.date,
    collector: str,
) -> Outbound:
    text = texts.NUDGE if kind == "nudge" else texts.REMINDER
    label = texts.BUTTONS["continue"] if answered else texts.START_BUTTON
    return Outbound(
        text.format(report=report_phrase(template.name, round_.period_label),
                    agency=agency.name,
                    answered=answered, total=total, left=left_text(round_.deadline, today),
                    collector=collector),
        [[Button(label, cmd(Command.CONTINUE, str(assignment_id)))]],
    )


def round_opened_text(template: Template, round_: Round) -> str:
    """The "new round" notice: the report's title composed without doubled words."""
    return texts.ROUND_OPENED.format(
        title=report_title(template.name, round_.period_label),
        start=format_date(round_.period_start), end=format_date(round_.period_end),
        deadline=format_date(round_.deadline), total=Outline.of(template).total,
    )
