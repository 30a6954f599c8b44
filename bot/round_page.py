"""The dashboard's round page for thousands of agencies: filtered and paged.

A national round has 4,080 agencies; the page lists ``PAGE_SIZE`` of them at a time,
filtered by state (``?state=in_progress``), by a search in the agency's name or
abbreviation (``?q=sở y tế``, accents and case ignored) and by "overdue only"
(``?overdue=1``). The counts per state are of the whole round. The counting, the
filters and the paging are SQL (``uow.assignments``): a request reads the counts per
state, the number of agencies matching and the ids of one page; only the rows shown
load their progress and officers.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from bot.reminders import status
from bot.reminders.workdays import Calendar
from dialogs.domain import AssignmentStatus, Round
from dialogs.vn import fold
from storage.repositories.assignments import RoundFilter
from storage.uow import SqlUnitOfWork

PAGE_SIZE = 100


@dataclass(frozen=True, slots=True)
class RoundView:
    """What the request asks for: ``state``, ``q``, ``overdue`` and ``page`` (from 1)."""

    state: str = ""
    q: str = ""
    overdue: bool = False
    page: int = 1

    @classmethod
    def from_query(cls, query: Mapping[str, str], states: Sequence[str]) -> RoundView:
        state = query.get("state", "")
        try:
            page = max(1, int(query.get("page", "1")))
        except ValueError:
            page = 1
        return cls(state=state if state in states else "", q=query.get("q", "")[:100].strip(),
                   overdue=query.get("overdue") in ("1", "on", "true"), page=page)

    def link(self, **changes: Any) -> str:
        """The query string of this view with ``changes`` (empty values left out)."""
        values = {"state": self.state, "q": self.q, "overdue": "1" if self.overdue else "",
                  "page": self.page, **changes}
        if values["page"] == 1:
            values["page"] = ""
        return "?" + urlencode({k: v for k, v in values.items() if v not in ("", None)})


@dataclass(slots=True)
class Paged:
    items: list[Any]  # the page's assignment ids, then (dashboard) their AgencyProgress
    page: int
    pages: int
    matching: int  # agencies that pass the filters
    total: int  # agencies in the round
    counts: dict[str, int] = field(default_factory=dict)  # per state, whole round

    @property
    def done(self) -> int:
        """Agencies of the round that have submitted, on time or late."""
        return (self.counts.get(status.SUBMITTED_ON_TIME, 0)
                + self.counts.get(status.SUBMITTED_LATE, 0))


async def read_page(uow: SqlUnitOfWork, round_: Round, view: RoundView, *,
                    calendar: Calendar, now: dt.datetime,
                    page_size: int | None = None) -> Paged:
    """The ids of the assignments on the view's page, with the counts the page shows,
    from SQL (``uow.assignments``): the counts per state, the number matching the
    filters and one page of ids ordered by agency. States as
    :func:`bot.reminders.status.agency_state` gives them; overdue: not submitted
    once the deadline's local day is past."""
    size = page_size or PAGE_SIZE
    late_from = status.late_from(round_.deadline, calendar)
    counts: dict[str, int] = {}
    for (stored, late), n in (await uow.assignments.state_counts(round_.id, late_from)).items():
        state = status.STATE_OF[AssignmentStatus(stored), late]
        counts[state] = counts.get(state, 0) + n
    total = sum(counts.values())
    stored_status, late = status.STATES.get(view.state, (None, None))
    where = RoundFilter(
        late_from, status=stored_status,
        late=late if stored_status is AssignmentStatus.SUBMITTED else None,
        unsubmitted=view.overdue, search=fold(view.q))
    past_deadline = calendar.local_date(now) > round_.deadline
    if view.overdue and not past_deadline:
        matching = 0  # nothing is overdue before the deadline's day is over
    elif not where.search:  # the counts per state have the answer
        matching = sum(n for state, n in counts.items()
                       if (not view.state or state == view.state)
                       and (not view.overdue
                            or status.STATES[state][0] is not AssignmentStatus.SUBMITTED))
    else:
        matching = await uow.assignments.count_matching(round_.id, where)
    pages = max(1, math.ceil(matching / size))
    page = min(view.page, pages)
    ids = (await uow.assignments.page_matching(round_.id, where, offset=(page - 1) * size,
                                               limit=size) if matching else [])
    return Paged(ids, page, pages, matching, total, counts)
