"""Officers' phone numbers (``officer_phones``), stored normalised."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from storage.models import AgencyPhoneRow, OfficerPhoneRow


async def set_phone(uow: Any, officer_id: int, phone: str, source: str,
                    now: dt.datetime) -> None:
    row = await uow.session.get(OfficerPhoneRow, officer_id)
    if row is None:
        uow.session.add(OfficerPhoneRow(officer_id=officer_id, phone=phone, source=source,
                                        updated_at=now))
    else:
        row.phone, row.source, row.updated_at = phone, source, now
    await uow.session.flush()


async def get_phone(uow: Any, officer_id: int) -> str | None:
    return await uow.session.scalar(
        select(OfficerPhoneRow.phone).where(OfficerPhoneRow.officer_id == officer_id))


async def set_agency_phone(uow: Any, agency_id: int, phone: str, now: dt.datetime) -> None:
    row = await uow.session.get(AgencyPhoneRow, agency_id)
    if row is None:
        uow.session.add(AgencyPhoneRow(agency_id=agency_id, phone=phone, updated_at=now))
    else:
        row.phone, row.updated_at = phone, now
    await uow.session.flush()


async def get_agency_phone(uow: Any, agency_id: int) -> str | None:
    return await uow.session.scalar(
        select(AgencyPhoneRow.phone).where(AgencyPhoneRow.agency_id == agency_id))
