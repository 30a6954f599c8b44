"""Agencies as the dashboard manages them: the active flag and edits by id.

(Adding and importing go through :mod:`storage.admin`, shared with the CLI.)
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update

from storage.models import AgencyRow
from storage.uow import AGENCY_FIELDS, SqlUnitOfWork

__all__ = ["inactive_ids", "set_active", "update_agency"]


async def inactive_ids(uow: SqlUnitOfWork) -> set[int]:
    """The ids of deactivated agencies."""
    rows = await uow.session.scalars(select(AgencyRow.id).where(AgencyRow.active.is_(False)))
    return set(rows.all())


async def set_active(uow: SqlUnitOfWork, agency_id: int, active: bool) -> bool:
    """Activate or deactivate an agency; False when there is no such agency."""
    result = await uow.session.execute(
        update(AgencyRow).where(AgencyRow.id == agency_id).values(active=active)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def update_agency(uow: SqlUnitOfWork, agency_id: int, values: dict[str, Any]) -> str | None:
    """Change an agency's fields; returns a Vietnamese reason when it cannot."""
    unknown = set(values) - set(AGENCY_FIELDS)
    if unknown:
        raise ValueError(f"unknown agency fields: {sorted(unknown)}")
    row = await uow.session.get(AgencyRow, agency_id)
    if row is None:
        return "Không có cơ quan này."
    abbreviation = values.get("abbreviation")
    if abbreviation is not None:
        taken = await uow.session.scalar(
            select(AgencyRow.id).where(func.upper(AgencyRow.abbreviation) == abbreviation.upper(),
                                       AgencyRow.id != agency_id)
        )
        if taken is not None:
            return f"Đã có cơ quan khác với tên viết tắt {abbreviation}."
    for name, value in values.items():
        setattr(row, name, value)
    await uow.session.flush()
    return None
