"""Phone numbers (``uow.phones``) of officers (``officer_phones``) and agencies
(``agency_phones``), stored normalised."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from storage.models import AgencyPhoneRow, OfficerPhoneRow
from storage.transaction import Repository


class PhoneRepository(Repository):
    __slots__ = ()

    async def set(self, officer_id: int, phone: str, source: str,
                        now: dt.datetime) -> None:
        row = await self._tx.session.get(OfficerPhoneRow, officer_id)
        if row is None:
            self._tx.session.add(OfficerPhoneRow(officer_id=officer_id, phone=phone, source=source,
                                            updated_at=now))
        else:
            row.phone, row.source, row.updated_at = phone, source, now
        await self._tx.session.flush()

    async def get(self, officer_id: int) -> str | None:
        return await self._tx.session.scalar(
            select(OfficerPhoneRow.phone).where(OfficerPhoneRow.officer_id == officer_id))

    async def get_many(self, officer_ids: list[int]) -> dict[int, str]:
        """officer id -> phone, for those of ``officer_ids`` that have one (one query)."""
        if not officer_ids:
            return {}
        rows = await self._tx.session.execute(
            select(OfficerPhoneRow.officer_id, OfficerPhoneRow.phone)
            .where(OfficerPhoneRow.officer_id.in_(officer_ids)))
        return {officer_id: phone for officer_id, phone in rows.all()}

    async def set_for_agency(self, agency_id: int, phone: str, now: dt.datetime) -> None:
        row = await self._tx.session.get(AgencyPhoneRow, agency_id)
        if row is None:
            self._tx.session.add(AgencyPhoneRow(agency_id=agency_id, phone=phone, updated_at=now))
        else:
            row.phone, row.updated_at = phone, now
        await self._tx.session.flush()

    async def get_for_agency(self, agency_id: int) -> str | None:
        return await self._tx.session.scalar(
            select(AgencyPhoneRow.phone).where(AgencyPhoneRow.agency_id == agency_id))
