"""Chat identities (``uow.identities``): a (channel, user id) bound to an officer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select

from dialogs.domain import Officer
from storage.models import IdentityRow, OfficerRow
from storage.records import Identity
from storage.rows import to_identity, to_officer
from storage.transaction import Repository

__all__ = ["IdentityRepository"]


#: Agencies per identity query (bound parameters stay well under SQLite's limit).
_CHUNK = 500

class IdentityRepository(Repository):
    __slots__ = ()

    async def officer_for(self, channel: str, user_id: str) -> Officer | None:
        row = await self._tx.session.scalar(
            select(OfficerRow)
            .join(IdentityRow, IdentityRow.officer_id == OfficerRow.id)
            .where(IdentityRow.channel == channel, IdentityRow.user_id == user_id)
        )
        return None if row is None else to_officer(row)

    async def touch(self, channel: str, user_id: str, now: dt.datetime) -> None:
        """Remember when this identity last wrote to us (Zalo's messaging window)."""
        tx = self._tx
        await tx.execute(tx.hot.touch_identity,
                         {"w_channel": channel, "w_user_id": user_id, "last_seen_at": now})

    async def list(
        self, *, agency_id: int | None = None, role: str | None = None
    ) -> list[Identity]:
        """Bound chat identities, optionally of one agency and/or officer role."""
        stmt = select(IdentityRow).join(OfficerRow, IdentityRow.officer_id == OfficerRow.id)
        if agency_id is not None:
            stmt = stmt.where(OfficerRow.agency_id == agency_id)
        if role is not None:
            stmt = stmt.where(OfficerRow.role == role)
        rows = (await self._tx.session.scalars(stmt.order_by(IdentityRow.id))).all()
        return [to_identity(r) for r in rows]

    async def by_agency(self, agency_ids: Iterable[int]) -> dict[int, list[Identity]]:
        """agency id -> the chat identities bound to its officers (every role), ordered by
        id; one query per 500 agencies (a round for 4,080 agencies tells 12,000 officers,
        a reminder batch a few dozen agencies)."""
        wanted = sorted(set(agency_ids))
        out: dict[int, list[Identity]] = {a: [] for a in wanted}
        for start in range(0, len(wanted), _CHUNK):
            rows = await self._tx.session.execute(
                select(IdentityRow, OfficerRow.agency_id)
                .join(OfficerRow, IdentityRow.officer_id == OfficerRow.id)
                .where(OfficerRow.agency_id.in_(wanted[start:start + _CHUNK]))
                .order_by(IdentityRow.id))
            for identity, agency_id in rows.all():
                out[agency_id].append(to_identity(identity))
        return out
        rows = await self._tx.session.execute(
            select(IdentityRow, OfficerRow.agency_id)
            .join(OfficerRow, IdentityRow.officer_id == OfficerRow.id)
            .order_by(IdentityRow.id))
        for identity, agency_id in rows.all():
            if agency_id in wanted:
                out[agency_id].append(to_identity(identity))
        return out
