"""Rows to records: the unit of work's repositories return plain records
(:mod:`dialogs.domain`, :mod:`dialogs.ports`, :mod:`storage.records`), never ORM
objects. Also the stored fields of agencies and rounds, and :func:`same_json`."""

from __future__ import annotations

from typing import Any

from dialogs.domain import Agency, Assignment, AssignmentStatus, Officer, Round
from dialogs.ports import SubmissionRecord
from storage.models import IdentityRow, OfficerRow, SubmissionRow
from storage.records import Identity

#: An agency's fields as stored (also the columns of the agencies CSV import).
AGENCY_FIELDS = (
    "name",
    "abbreviation",
    "governing_body",
    "place",
    "signer_name",
    "signer_position",
    "signer_authority",
    "drafting_unit",
    "level",
    "is_collector",
)
ROUND_FIELDS = (
    "template_id",
    "template_version",
    "period_label",
    "period_start",
    "period_end",
    "deadline",
    "status",
    "province",
    "collector",
)
ROLES = frozenset({"officer", "dic"})


def to_agency(row: Any) -> Agency:
    return Agency(id=row.id, **{name: getattr(row, name) for name in AGENCY_FIELDS})


def to_officer(row: OfficerRow) -> Officer:
    return Officer(id=row.id, agency_id=row.agency_id, full_name=row.full_name, role=row.role)


def to_round(row: Any) -> Round:
    return Round(id=row.id, **{name: getattr(row, name) for name in ROUND_FIELDS})


def to_assignment(row: Any) -> Assignment:
    return Assignment(
        id=row.id,
        round_id=row.round_id,
        agency_id=row.agency_id,
        status=AssignmentStatus(row.status),
        submitted_at=row.submitted_at,
    )


def to_submission(row: SubmissionRow) -> SubmissionRecord:
    return SubmissionRecord(
        id=row.id,
        assignment_id=row.assignment_id,
        version=row.version,
        submitted_at=row.submitted_at,
        officer_id=row.officer_id,
        filename=row.filename,
        answers=dict(row.answers),
    )


def to_identity(row: IdentityRow) -> Identity:
    return Identity(
        channel=row.channel,
        user_id=row.user_id,
        officer_id=row.officer_id,
        display_name=row.display_name,
        last_seen_at=row.last_seen_at,
    )


def same_json(a: Any, b: Any) -> bool:
    """Whether two answer values are the same JSON document (``1``, ``1.0`` and
    ``True`` differ, a list and a tuple with the same items do not), compared
    in place: a table's answer is re-checked at every cell, and encoding it twice
    each time was a tenth of a turn."""
    if a is b:
        return True
    if isinstance(a, dict):
        return (isinstance(b, dict) and a.keys() == b.keys()
                and all(same_json(value, b[key]) for key, value in a.items()))
    if isinstance(a, list | tuple):
        return (isinstance(b, list | tuple) and len(a) == len(b)
                and all(map(same_json, a, b)))
    return type(a) is type(b) and a == b
