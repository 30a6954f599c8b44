"""Agencies (``uow.agencies``): read by id or abbreviation, saved from the CSV
import, edited and (de)activated from the dashboard."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select, update

from dialogs.domain import Agency
from storage.models import AgencyRow, IdentityRow, OfficerRow, agency_search_key
from storage.rows import AGENCY_FIELDS, to_agency
from storage.transaction import Repository

__all__ = ["AgencyRepository"]


class AgencyRepository(Repository):
    __slots__ = ()

    async def get(self, agency_id: int) -> Agency | None:
        tx = self._tx
        if agency_id in tx.known_agencies:  # read by this transaction's turn query
            return tx.known_agencies[agency_id]
        row = (await tx.execute(tx.hot.agency, {"w_id": agency_id})).one_or_none()
        return None if row is None else to_agency(row)

    async def by_abbreviation(self, abbreviation: str) -> Agency | None:
        row = await self._tx.session.scalar(
            select(AgencyRow).where(func.upper(AgencyRow.abbreviation) == abbreviation.upper())
        )
        return None if row is None else to_agency(row)

    async def list(self) -> list[Agency]:
        rows = await self._tx.session.scalars(select(AgencyRow).order_by(AgencyRow.id))
        return [to_agency(r) for r in rows.all()]

    async def save(self, values: dict[str, Any]) -> Agency:
        """Insert an agency, or update the one with the same abbreviation."""
        unknown = set(values) - set(AGENCY_FIELDS)
        if unknown:
            raise ValueError(f"unknown agency fields: {sorted(unknown)}")
        session = self._tx.session
        row = await session.scalar(
            select(AgencyRow).where(
                func.upper(AgencyRow.abbreviation) == values["abbreviation"].upper()
            )
        )
        if row is None:
            row = AgencyRow(**values)
            session.add(row)
        else:
            for name, value in values.items():
                setattr(row, name, value)
        row.search_key = agency_search_key(row.name, row.abbreviation)
        await session.flush()
        self._tx.known_agencies.pop(row.id, None)
        return to_agency(row)

    async def inactive_ids(self) -> set[int]:
        """The ids of deactivated agencies."""
        rows = await self._tx.session.scalars(
            select(AgencyRow.id).where(AgencyRow.active.is_(False)))
        return set(rows.all())

    async def set_active(self, agency_id: int, active: bool) -> bool:
        """Activate or deactivate an agency; False when there is no such agency."""
        result = await self._tx.session.execute(
            update(AgencyRow).where(AgencyRow.id == agency_id).values(active=active)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))

    async def update(self, agency_id: int, values: dict[str, Any]) -> str | None:
        """Change an agency's fields (the dashboard's edit); returns a Vietnamese
        reason when it cannot."""
        unknown = set(values) - set(AGENCY_FIELDS)
        if unknown:
            raise ValueError(f"unknown agency fields: {sorted(unknown)}")
        session = self._tx.session
        row = await session.get(AgencyRow, agency_id)
        if row is None:
            return "Không có cơ quan này."
        abbreviation = values.get("abbreviation")
        if abbreviation is not None:
            taken = await session.scalar(
                select(AgencyRow.id).where(
                    func.upper(AgencyRow.abbreviation) == abbreviation.upper(),
                    AgencyRow.id != agency_id)
            )
            if taken is not None:
                return f"Đã có cơ quan khác với tên viết tắt {abbreviation}."
        for name, value in values.items():
            setattr(row, name, value)
        row.search_key = agency_search_key(row.name, row.abbreviation)
        await session.flush()
        return None

    async def bound_among(self, agency_ids: Iterable[int]) -> set[int]:
        """Which of ``agency_ids`` have a chat identity bound to one of their officers."""
        wanted = list(agency_ids)
        if not wanted:
            return set()
        rows = await self._tx.session.scalars(
            select(OfficerRow.agency_id).join(IdentityRow, IdentityRow.officer_id == OfficerRow.id)
            .where(OfficerRow.agency_id.in_(wanted)).distinct())
        return set(rows.all())
