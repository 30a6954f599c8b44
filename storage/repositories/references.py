"""Storage of round references (request documents, grounds, recipients) and of an
agency's own grounds and recipients for a round; see :mod:`dialogs.references`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from dialogs.references import DocumentReferences, merge_references, parse_references
from storage.models import AssignmentReferencesRow, RoundReferencesRow
from storage.uow import SqlUnitOfWork

__all__ = [
    "document_references",
    "get_own_references",
    "get_round_references",
    "set_own_references",
    "set_round_references",
]


async def get_round_references(uow: SqlUnitOfWork, round_id: int) -> DocumentReferences:
    row = await uow.session.get(RoundReferencesRow, round_id)
    return parse_references(row.value if row is not None else None)


async def set_round_references(uow: SqlUnitOfWork, round_id: int, refs: DocumentReferences,
                               *, now: dt.datetime) -> None:
    row = await uow.session.get(RoundReferencesRow, round_id)
    if row is None:
        uow.session.add(RoundReferencesRow(round_id=round_id, value=refs.to_json(),
                                           updated_at=now))
    else:
        row.value, row.updated_at = refs.to_json(), now
    await uow.session.flush()


async def get_own_references(uow: SqlUnitOfWork, assignment_id: int) -> dict[str, list[str]]:
    """The agency's own ``grounds`` and ``recipients`` (empty lists when none)."""
    value = await uow.session.scalar(
        select(AssignmentReferencesRow.value)
        .where(AssignmentReferencesRow.assignment_id == assignment_id))
    value = value or {}
    return {"grounds": list(value.get("grounds") or []),
            "recipients": list(value.get("recipients") or [])}


async def set_own_references(uow: SqlUnitOfWork, assignment_id: int, *,
                             grounds: list[str] | None = None,
                             recipients: list[str] | None = None,
                             now: dt.datetime) -> dict[str, Any]:
    """Replace the agency's own grounds and/or recipients (``None`` keeps them)."""
    current = await get_own_references(uow, assignment_id)
    if grounds is not None:
        current["grounds"] = list(grounds)
    if recipients is not None:
        current["recipients"] = list(recipients)
    # validated the same way the documents read it
    merged = merge_references(DocumentReferences(), current)
    value = {"grounds": list(merged.own_grounds), "recipients": list(merged.own_recipients)}
    row = await uow.session.get(AssignmentReferencesRow, assignment_id)
    if row is None:
        uow.session.add(AssignmentReferencesRow(assignment_id=assignment_id, value=value,
                                                updated_at=now))
    else:
        row.value, row.updated_at = value, now
    await uow.session.flush()
    return value


async def document_references(uow: SqlUnitOfWork, round_id: int,
                              assignment_id: int | None) -> DocumentReferences:
    """The references one agency's document prints: the round's and its own."""
    refs = await get_round_references(uow, round_id)
    if assignment_id is None:
        return refs
    return merge_references(refs, await get_own_references(uow, assignment_id))
