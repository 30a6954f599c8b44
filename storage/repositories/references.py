"""References (``uow.references``): a round's references (request documents, grounds,
recipients) and an agency's own grounds and recipients for a round; see
:mod:`dialogs.references`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from dialogs.references import DocumentReferences, merge_references, parse_references
from storage.models import AssignmentReferencesRow, RoundReferencesRow
from storage.transaction import Repository

__all__ = ["ReferenceRepository"]


class ReferenceRepository(Repository):
    __slots__ = ()

    async def get_round(self, round_id: int) -> DocumentReferences:
        row = await self._tx.session.get(RoundReferencesRow, round_id)
        return parse_references(row.value if row is not None else None)

    async def set_round(self, round_id: int, refs: DocumentReferences,
                                   *, now: dt.datetime) -> None:
        row = await self._tx.session.get(RoundReferencesRow, round_id)
        if row is None:
            self._tx.session.add(RoundReferencesRow(round_id=round_id, value=refs.to_json(),
                                               updated_at=now))
        else:
            row.value, row.updated_at = refs.to_json(), now
        await self._tx.session.flush()

    async def own(self, assignment_id: int) -> dict[str, list[str]]:
        """The agency's own ``grounds`` and ``recipients`` (empty lists when none)."""
        value = await self._tx.session.scalar(
            select(AssignmentReferencesRow.value)
            .where(AssignmentReferencesRow.assignment_id == assignment_id))
        value = value or {}
        return {"grounds": list(value.get("grounds") or []),
                "recipients": list(value.get("recipients") or [])}

    async def set_own(self, assignment_id: int, *,
                                 grounds: list[str] | None = None,
                                 recipients: list[str] | None = None,
                                 now: dt.datetime) -> dict[str, Any]:
        """Replace the agency's own grounds and/or recipients (``None`` keeps them)."""
        current = await self.own(assignment_id)
        if grounds is not None:
            current["grounds"] = list(grounds)
        if recipients is not None:
            current["recipients"] = list(recipients)
        # validated the same way the documents read it
        merged = merge_references(DocumentReferences(), current)
        value = {"grounds": list(merged.own_grounds), "recipients": list(merged.own_recipients)}
        row = await self._tx.session.get(AssignmentReferencesRow, assignment_id)
        if row is None:
            self._tx.session.add(AssignmentReferencesRow(assignment_id=assignment_id, value=value,
                                                    updated_at=now))
        else:
            row.value, row.updated_at = value, now
        await self._tx.session.flush()
        return value

    async def for_document(self, round_id: int,
                                  assignment_id: int | None) -> DocumentReferences:
        """The references one agency's document prints: the round's and its own."""
        refs = await self.get_round(round_id)
        if assignment_id is None:
            return refs
        return merge_references(refs, await self.own(assignment_id))
