"""One turn of a conversation: what the handlers of ``dialogs/`` work on.

:class:`Turn` holds what one inbound message needs — the unit of work, the
conversation, the officer, the report being answered — loaded lazily and
released when the turn ends. :class:`Setup` is what the handlers use of the
engine running the turn (its clock, templates, renderer, …); the handlers are
plain functions taking a turn (``dialogs.binding``, ``dialogs.navigation``,
``dialogs.answering``, ``dialogs.submission``, …), and ``dialogs.engine``
picks the one a message asks for.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from dialogs.answers import is_answered, with_computed
from dialogs.cursor import Outline, Step, main_steps, parse_step
from dialogs.domain import Agency, Assignment, Conversation, DocumentInfo, Officer, Round
from dialogs.messages import Button, DocumentRef, Outbound
from dialogs.phone import PhoneBook
from dialogs.ports import BindGate, Clock, TurnContext, UnitOfWork
from dialogs.schema import Question, Template
from dialogs.titles import report_phrase, report_title

Renderer = Callable[[Template, Mapping[str, Any], DocumentInfo], bytes]
#: Issues a single-use dashboard login link for a DIC officer, in the turn's unit of
#: work; returns (url, minutes valid).
DashboardLink = Callable[[UnitOfWork, Officer, Any], Awaitable[tuple[str, int]]]
FilenameFor = Callable[[Template, DocumentInfo], str]


class Setup(Protocol):
    """What the handlers use of the engine running the turn (``dialogs.engine.Engine``)."""

    templates: Mapping[str, Template]
    clock: Clock
    render: Renderer
    filename: FilenameFor
    tz: ZoneInfo
    collector: str
    dashboard_link: DashboardLink | None
    bind_gate: BindGate | None
    #: set (ZNS configured): ask a newly bound officer's phone number once
    phones: PhoneBook | None

    def outline(self, template: Template) -> Outline:
        """The template's numbers and sections (built once per template version)."""
        ...


class Reply(Exception):
    """Raised inside a turn to answer at once (e.g. a validation message)."""

    def __init__(self, *messages: Outbound) -> None:
        super().__init__()
        self.messages = list(messages)


@dataclass
class Turn:
    """Everything one turn needs; loaded lazily from the unit of work."""

    setup: Setup
    uow: UnitOfWork
    conv: Conversation
    officer: Officer | None
    lifecycle: Any
    context: TurnContext | None = None  # what the turn's first read returned
    out: list[Outbound] = field(default_factory=list)
    agency: Agency | None = None
    assignment: Assignment | None = None
    round: Round | None = None
    template: Template | None = None
    answers: dict[str, Any] = field(default_factory=dict)
    _previous: dict[str, Any] | None = None

    _env: dict[str, Any] | None = None
    _steps: list[Step] | None = None

    def env(self) -> dict[str, Any]:
        """The answers with computed values (cached until an answer changes)."""
        if self._env is None:
            assert self.template is not None
            self._env = with_computed(self.template, self.answers)
        return self._env

    def steps(self) -> list[Step]:
        """The steps that apply now, in order (cached until an answer changes)."""
        if self._steps is None:
            assert self.template is not None
            self._steps = main_steps(self.template, self.env())
        return self._steps

    def answers_changed(self) -> None:
        self._env = None
        self._steps = None

    def say(self, text: str, buttons: list[list[Button]] | None = None,
            document: DocumentRef | None = None) -> None:
        self.out.append(Outbound(text, buttons or [], document))

    async def previous(self) -> dict[str, Any]:
        if self._previous is None:
            assert self.assignment is not None
            self._previous = await self.uow.answers.previous(self.assignment.id)
        return self._previous

    # ------------------------------------------------------------ where they are
    def current_step(self) -> Step:
        """The step the conversation is at (the first open one when it has none)."""
        assert self.template is not None
        step = parse_step(self.template, self.conv.step) if self.conv.step else None
        if step is None:
            step = self.first_open_step()
            if step is None:
                step = self.steps()[-1]
            self.conv.step = step.key
        return step

    def first_open_step(self) -> Step | None:
        assert self.template is not None
        for step in self.steps():
            q = step.question
            value = self.answers.get(q.id)
            if step.kind == "t":
                assert step.row is not None and step.column is not None
                if ((value or {}).get(step.row.id) or {}).get(step.column.id) is None:
                    return step
            elif step.kind == "r":
                if value is None:
                    return step
            elif not is_answered(q, value):
                return step
        return None

    def item_value(self, step: Step) -> Any:
        """A repeat item's field as stored (None: the item or field is not there yet)."""
        items = self.answers.get(step.question.id) or []
        if step.index is None or step.index >= len(items) or step.column is None:
            return None
        return items[step.index].get(step.column.id)

    def existing(self, step: Step) -> Any:
        """The stored value this step would change (None at a repeat gate)."""
        if step.kind == "f":
            return self.item_value(step)
        if step.kind == "r":
            return None
        return cell_value(step, self.answers.get(step.question.id))

    async def candidate(self, q: Question) -> Any:
        """Last period's answer (prefill: previous) or the template default."""
        if q.prefill == "previous":
            previous = (await self.previous()).get(q.id)
            if previous is not None:
                return previous
        return q.default

    # ------------------------------------------------------------- how it reads
    def outline(self) -> Outline:
        assert self.template is not None
        return self.setup.outline(self.template)

    def placeholders(self) -> dict[str, str]:
        return {"period": self.round.period_label if self.round else "",
                "agency": self.agency.name if self.agency else "",
                "collector": self.setup.collector}

    def title(self) -> str:
        assert self.template is not None and self.round is not None
        return report_title(self.template.name, self.round.period_label)

    def phrase(self) -> str:
        assert self.template is not None and self.round is not None
        return report_phrase(self.template.name, self.round.period_label)

    def local_time(self, moment: dt.datetime) -> str:
        local = moment.astimezone(self.setup.tz)
        return f"{local:%H:%M} ngày {local.day:02d}/{local.month:02d}/{local.year}"


def cell_value(step: Step, value: Any) -> Any:
    """A table step's cell of the question's ``value``; other steps: ``value`` itself."""
    if step.kind != "t" or step.row is None or step.column is None:
        return value
    return ((value or {}).get(step.row.id) or {}).get(step.column.id)


def step_required(step: Step) -> bool:
    """One rule for the prompt's "Bỏ qua" and the skip itself: a table cell is
    required when its question and its column are; a repeat field when its field is."""
    if step.kind == "f":
        return bool(step.column and step.column.required)
    if step.kind == "t" and step.column is not None:
        return step.question.required and step.column.required
    return step.question.required
