"""Assignments (``uow.assignments``): one agency's report in one round, with its status."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, case, func, select

from dialogs.domain import Agency, Assignment, AssignmentStatus
from storage.models import AgencyRow, AssignmentRow
from storage.rows import to_agency, to_assignment
from storage.transaction import Repository

__all__ = ["AssignmentRepository", "RoundFilter"]


@dataclass(frozen=True, slots=True)
class RoundFilter:
    """Which assignments of a round the dashboard's round page shows.

    ``status`` and ``late`` (submitted at or after ``late_from``) pick one state;
    ``unsubmitted`` only those not submitted; ``search`` a folded needle
    (:func:`storage.models.agency_search_key`) in the agency's name or abbreviation.
    Empty fields do not filter."""

    late_from: dt.datetime
    status: str | None = None
    late: bool | None = None
    unsubmitted: bool = False
    search: str = ""


def _late(late_from: dt.datetime) -> Any:
    """1 for an assignment submitted at or after ``late_from``, else 0 (portable SQL)."""
    return case((and_(AssignmentRow.status == AssignmentStatus.SUBMITTED.value,
                      AssignmentRow.submitted_at >= late_from), 1), else_=0)


def _filtered(query: Select[Any], round_id: int, where: RoundFilter) -> Select[Any]:
    query = query.where(AssignmentRow.round_id == round_id)
    if where.status is not None:
        query = query.where(AssignmentRow.status == where.status)
    if where.late is not None:
        query = query.where(_late(where.late_from) == int(where.late))
    if where.unsubmitted:
        query = query.where(AssignmentRow.status != AssignmentStatus.SUBMITTED.value)
    if where.search:
        query = query.join(AgencyRow, AgencyRow.id == AssignmentRow.agency_id) \
            .where(AgencyRow.search_key.contains(where.search, autoescape=True))
    return query


class AssignmentRepository(Repository):
    __slots__ = ()

    async def get(self, assignment_id: int) -> Assignment | None:
        tx = self._tx
        row = (await tx.execute(tx.hot.assignment, {"w_id": assignment_id})).one_or_none()
        return None if row is None else to_assignment(row)

    async def list(self, round_id: int) -> list[Assignment]:
        rows = await self._tx.session.scalars(
            select(AssignmentRow)
            .where(AssignmentRow.round_id == round_id)
            .order_by(AssignmentRow.agency_id)
        )
        return [to_assignment(r) for r in rows.all()]

    async def list_open(self, agency_id: int) -> list[Assignment]:
        """Assignments of open rounds for the agency, newest round first. Their
        rounds and answers come along (then ``uow.rounds.get`` and ``uow.answers.get``
        need no query)."""
        tx = self._tx
        rows = await tx.execute(tx.hot.open_assignments, {"w_agency_id": agency_id})
        return [tx.keep_assignment(row._mapping)[0] for row in rows]

    async def set_status(self, assignment_id: int, status: str, now: dt.datetime) -> None:
        new = AssignmentStatus(status)
        row = await self._tx.session.get(AssignmentRow, assignment_id)
        if row is None:
            raise LookupError(f"no assignment {assignment_id}")
        old = row.status
        row.status = new.value
        self._tx.known_statuses.pop(assignment_id, None)
        row.updated_at = now
        if new is AssignmentStatus.SUBMITTED:
            row.submitted_at = now
        await self._tx.write_audit(
            "assignment.status",
            "assignment",
            assignment_id,
            actor_officer_id=None,
            now=now,
            detail={"old": old, "new": new.value},
        )

    async def state_counts(self, round_id: int,
                           late_from: dt.datetime) -> dict[tuple[str, bool], int]:
        """How many assignments of the round there are per ``(status, late)``: ``late``
        is true for a submission made at or after ``late_from`` (one GROUP BY)."""
        inner = select(AssignmentRow.status, _late(late_from).label("late")) \
            .where(AssignmentRow.round_id == round_id).subquery()
        # grouped outside: PostgreSQL would not see ``late``'s parameter in the GROUP BY
        # as the same expression as the one selected
        rows = await self._tx.session.execute(
            select(inner.c.status, inner.c.late, func.count())
            .group_by(inner.c.status, inner.c.late))
        return {(status, bool(late)): n for status, late, n in rows.all()}

    async def count_matching(self, round_id: int, where: RoundFilter) -> int:
        """How many assignments of the round pass ``where``."""
        count = await self._tx.session.scalar(
            _filtered(select(func.count(AssignmentRow.id)), round_id, where))
        return int(count or 0)

    async def page_matching(self, round_id: int, where: RoundFilter, *, offset: int,
                            limit: int) -> list[int]:
        """The ids of the assignments of the round that pass ``where``, ordered by
        agency, ``limit`` of them from ``offset`` (the dashboard's page)."""
        ids = await self._tx.session.scalars(
            _filtered(select(AssignmentRow.id), round_id, where)
            .order_by(AssignmentRow.agency_id).offset(offset).limit(limit))
        return list(ids.all())

    async def with_agencies(
        self, round_id: int, ids: Iterable[int]
    ) -> list[tuple[Assignment, Agency]]:
        """The assignments ``ids`` of the round, ordered by agency, with their agencies."""
        wanted = list(ids)
        if not wanted:
            return []
        rows = await self._tx.session.execute(
            select(AssignmentRow, AgencyRow)
            .join(AgencyRow, AgencyRow.id == AssignmentRow.agency_id)
            .where(AssignmentRow.round_id == round_id, AssignmentRow.id.in_(wanted))
            .order_by(AssignmentRow.agency_id))
        return [(to_assignment(a), to_agency(g)) for a, g in rows.all()]
