"""The instant from which a submission is late (what the round page's SQL compares
``submitted_at`` with) agrees with ``agency_state``'s local-date rule."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.reminders.status import (
    STATE_OF,
    STATES,
    SUBMITTED_LATE,
    SUBMITTED_ON_TIME,
    agency_state,
    late_from,
)
from bot.reminders.workdays import Calendar
from dialogs.domain import Assignment, AssignmentStatus


def test_every_state_is_one_stored_status_and_lateness() -> None:
    assert {STATE_OF[stored] for stored in STATES.values()} == set(STATES)
    assert {status for status, _ in STATES.values()} == set(AssignmentStatus)


@pytest.mark.parametrize(("zone", "deadline"), [
    ("Asia/Ho_Chi_Minh", dt.date(2026, 12, 18)),
    ("Europe/Paris", dt.date(2026, 10, 24)),  # the clocks go back in the night after
    ("Europe/Paris", dt.date(2026, 3, 28)),  # the clocks go forward in the night after
])
def test_late_from_is_where_the_local_date_passes_the_deadline(zone: str,
                                                              deadline: dt.date) -> None:
    calendar = Calendar(timezone=ZoneInfo(zone))
    boundary = late_from(deadline, calendar)
    assert boundary.astimezone(calendar.timezone).replace(tzinfo=None) == dt.datetime.combine(
        deadline + dt.timedelta(days=1), dt.time(0))
    for minutes in range(-26 * 60, 26 * 60, 30):
        at = boundary + dt.timedelta(minutes=minutes)
        submitted = Assignment(id=1, round_id=1, agency_id=1,
                               status=AssignmentStatus.SUBMITTED, submitted_at=at)
        expected = SUBMITTED_LATE if at >= boundary else SUBMITTED_ON_TIME
        assert agency_state(submitted, deadline, calendar) == expected, at
