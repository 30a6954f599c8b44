"""The audit log (``uow.audit``): who did what to which entity, when. Rows are only
added; adding one is one of the transaction's batched writes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from storage.models import AuditRow
from storage.records import AuditEntry
from storage.transaction import Repository

__all__ = ["AuditRepository"]


class AuditRepository(Repository):
    __slots__ = ()

    async def add(
        self,
        action: str,
        entity: str,
        entity_id: object,
        *,
        actor_officer_id: int | None,
        now: dt.datetime,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Append one row to the audit log."""
        await self._tx.write_audit(action, entity, entity_id, actor_officer_id=actor_officer_id,
                                   now=now, detail=detail)

    async def entries(self, *, entity: str | None = None) -> list[AuditEntry]:
        """The audit log, oldest first (optionally for one kind of entity)."""
        stmt = select(AuditRow).order_by(AuditRow.at, AuditRow.id)
        if entity is not None:
            stmt = stmt.where(AuditRow.entity == entity)
        rows = (await self._tx.session.scalars(stmt)).all()
        return [
            AuditEntry(
                at=r.at,
                actor_officer_id=r.actor_officer_id,
                action=r.action,
                entity=r.entity,
                entity_id=r.entity_id,
                detail=dict(r.detail),
            )
            for r in rows
        ]
