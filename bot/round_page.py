"""The dashboard's round page for thousands of agencies: filtered and paged.

A national round has 4,080 agencies; the page lists ``PAGE_SIZE`` of them at a time,
filtered by state (``?state=in_progress``), by a search in the agency's name or
abbreviation (``?q=sở y tế``, accents and case ignored) and by "overdue only"
(``?overdue=1``). The counts per state are of the whole round. Only the rows shown
load their officers.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

PAGE_SIZE = 100


def fold(text: str) -> str:
    """Lower case without Vietnamese diacritics (đ → d), for searching."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


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
    items: list[Any]
    page: int
    pages: int
    matching: int  # agencies that pass the filters
    total: int  # agencies in the round
    counts: dict[str, int] = field(default_factory=dict)  # per state, whole round


def select(progress: Sequence[Any], view: RoundView, page_size: int | None = None) -> Paged:
    """The agencies of one page after the view's filters (``progress``: round_status rows)."""
    size = page_size or PAGE_SIZE
    counts: dict[str, int] = {}
    for p in progress:
        counts[p.state] = counts.get(p.state, 0) + 1
    needle = fold(view.q)
    chosen = [p for p in progress
              if (not view.state or p.state == view.state)
              and (not view.overdue or p.overdue)
              and (not needle or needle in fold(f"{p.name} {p.abbreviation}"))]
    pages = max(1, math.ceil(len(chosen) / size))
    page = min(view.page, pages)
    return Paged(chosen[(page - 1) * size: page * size], page, pages, len(chosen),
                 len(progress), counts)


@dataclass(frozen=True, slots=True)
class Light:
    """What filtering and counting need of an agency's row (no answers, reminders or
    outbox): its state follows from the assignment alone."""

    assignment_id: int
    name: str
    abbreviation: str
    state: str
    overdue: bool


def light_rows(rows: Sequence[Any], deadline: Any, today: Any, calendar: Any) -> list[Light]:
    """``rows`` from ``uow.assignments.overview``, with the
    same state and overdue as ``bot.reminders.round_status`` gives them."""
    from bot.reminders.status import SUBMITTED_LATE, SUBMITTED_ON_TIME, agency_state

    late = today > deadline
    # ``agency_state`` per distinct status (its enum look-up cost more than the rest of the
    # page for 4,080 rows); a submitted one by its local submission date, as there
    by_status: dict[str, str] = {}
    out = []
    for row in rows:
        status = row.status
        if status == "submitted":
            state = agency_state(row, deadline, calendar)
        else:
            state = by_status.get(status) or by_status.setdefault(
                status, agency_state(row, deadline, calendar))
        out.append(Light(row.assignment_id, row.name, row.abbreviation, state,
                         late and state not in (SUBMITTED_ON_TIME, SUBMITTED_LATE)))
    return out
