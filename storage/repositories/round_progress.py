"""What a round's status needs from the outbox, for every assignment in one query.

The "new round" notice and the reminders of assignment ``N`` are queued under dedupe
keys ``open:aN:…`` and ``rem:aN:…`` (bot/notify.py, bot/reminders.py). Asking the
outbox once per assignment cost a scan each: 4,080 scans for a national round.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, or_, select

from storage.models import AgencyRow, AssignmentRow, IdentityRow, OfficerRow, OutboxRow
from storage.reminders import Deliveries

_KEY = re.compile(r"^(?:open|rem):a(\d+):")
FEW = 500  # up to this many assignments, the outbox is filtered by SQL


async def deliveries_by_assignment(
    uow: Any, assignment_ids: Iterable[int]
) -> dict[int, Deliveries]:
    """assignment id -> outcome counts of its notices and reminders (queued, delivered,
    failed): what :func:`storage.reminders.deliveries` gives for the prefixes
    ``open:aN:`` and ``rem:aN:``, for every assignment at once."""
    wanted = set(assignment_ids)
    counts: dict[int, list[int]] = {}
    if not wanted:
        return {}
    query = (
        select(OutboxRow.dedupe_key, OutboxRow.delivered_at.is_not(None),
               OutboxRow.failed_at.is_not(None))
        .where(or_(OutboxRow.dedupe_key.like("open:a%"), OutboxRow.dedupe_key.like("rem:a%"))))
    if len(wanted) <= FEW and uow.session.bind.dialect.name == "postgresql":
        # a page of the dashboard: PostgreSQL keeps only those assignments' rows
        # ("open:aN:…" → "aN"; split_part is ~8x cheaper than a regular expression)
        query = query.where(func.split_part(OutboxRow.dedupe_key, ":", 2)
                            .in_([f"a{a}" for a in wanted]))
    rows = await uow.session.execute(query)
    for key, delivered, failed in rows.all():
        match = _KEY.match(key or "")
        if match is None or (assignment := int(match.group(1))) not in wanted:
            continue
        slot = counts.setdefault(assignment, [0, 0, 0])
        slot[1 if delivered else 2 if failed else 0] += 1
    return {a: Deliveries(*c) for a, c in counts.items()}


async def round_overview(uow: Any, round_id: int) -> list[Any]:
    """Every assignment of the round with its agency, as plain rows (``assignment_id``,
    ``agency_id``, ``status``, ``submitted_at``, ``name``, ``abbreviation``) ordered by
    agency: what the dashboard's round page filters, counts and pages, in one query."""
    # through the session's connection: Core rows, without the ORM's per-row result
    # processing (a third of the page's time for 4,080 rows)
    connection = await uow.session.connection()
    rows = await connection.execute(
        select(AssignmentRow.id.label("assignment_id"), AssignmentRow.agency_id,
               AssignmentRow.status, AssignmentRow.submitted_at,
               AgencyRow.name, AgencyRow.abbreviation)
        .join(AgencyRow, AgencyRow.id == AssignmentRow.agency_id)
        .where(AssignmentRow.round_id == round_id)
        .order_by(AssignmentRow.agency_id))
    return list(rows.all())


async def assignments_by_id(uow: Any, round_id: int, ids: Iterable[int]) -> list[Any]:
    """The assignments ``ids`` of the round, ordered by agency, with their agencies."""
    from storage.uow import _agency, _assignment

    wanted = list(ids)
    if not wanted:
        return []
    rows = await uow.session.execute(
        select(AssignmentRow, AgencyRow).join(AgencyRow, AgencyRow.id == AssignmentRow.agency_id)
        .where(AssignmentRow.round_id == round_id, AssignmentRow.id.in_(wanted))
        .order_by(AssignmentRow.agency_id))
    return [(_assignment(a), _agency(g)) for a, g in rows.all()]


async def bound_among(uow: Any, agency_ids: Iterable[int]) -> set[int]:
    """Which of ``agency_ids`` have a chat identity bound to one of their officers."""
    wanted = list(agency_ids)
    if not wanted:
        return set()
    rows = await uow.session.scalars(
        select(OfficerRow.agency_id).join(IdentityRow, IdentityRow.officer_id == OfficerRow.id)
        .where(OfficerRow.agency_id.in_(wanted)).distinct())
    return set(rows.all())


async def officer_names(uow: Any, agency_ids: Iterable[int]) -> dict[int, list[str]]:
    """agency id -> its officers' full names, in the order of ``uow.list_officers``."""
    wanted = list(agency_ids)
    out: dict[int, list[str]] = {a: [] for a in wanted}
    if not wanted:
        return out
    rows = await uow.session.execute(
        select(OfficerRow.agency_id, OfficerRow.full_name)
        .where(OfficerRow.agency_id.in_(wanted)).order_by(OfficerRow.id))
    for agency_id, name in rows.all():
        out[agency_id].append(name)
    return out


async def signed_among(uow: Any, round_id: int, assignment_ids: Iterable[int]) -> dict[int, Any]:
    """agency id -> the signed copy of its latest submission in the round, for the
    assignments ``assignment_ids`` only (a page of the dashboard):
    ``storage.repositories.signatures.latest_signed_by_agency`` for those, without
    reading every submission and assignment of a national round."""
    from storage.models import SignedDocumentRow, SubmissionRow
    from storage.repositories.signatures import _COLUMNS, SignedDocument

    wanted = list(assignment_ids)
    if not wanted:
        return {}
    newest: dict[int, tuple[int, int]] = {}  # assignment -> (version, submission)
    rows = await uow.session.execute(
        select(SubmissionRow.assignment_id, SubmissionRow.version, SubmissionRow.id,
               AssignmentRow.agency_id)
        .join(AssignmentRow, AssignmentRow.id == SubmissionRow.assignment_id)
        .where(AssignmentRow.round_id == round_id, SubmissionRow.assignment_id.in_(wanted))
        .order_by(SubmissionRow.assignment_id, SubmissionRow.version))
    agency_of: dict[int, int] = {}
    for assignment_id, version, sub_id, agency_id in rows.all():
        newest[assignment_id] = (version, sub_id)
        agency_of[sub_id] = agency_id
    latest = {sub_id for _, sub_id in newest.values()}
    if not latest:
        return {}
    out: dict[int, Any] = {}
    signed = await uow.session.execute(
        select(*_COLUMNS).where(SignedDocumentRow.round_id == round_id,
                                SignedDocumentRow.submission_id.in_(latest))
        .order_by(SignedDocumentRow.id))
    for row in signed.all():
        out[agency_of[row.submission_id]] = SignedDocument(*row)
    return out
