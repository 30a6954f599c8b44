"""The audit log (``uow.audit``), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import select

from storage import admin
from storage.models import AuditRow
from storage.uow import SqlUnitOfWork

UowFactory = Callable[[], SqlUnitOfWork]
DAY = dt.timedelta(days=1)



async def test_audit_log_rows_are_written_with_the_actor(
    uow_factory: UowFactory, new_agency, make_round, now: dt.datetime
) -> None:
    async with uow_factory() as uow:
        agency = await new_agency(uow, "SCT")
        round_, _ = await make_round(uow, [agency.id])
        await admin.set_deadline(
            uow, round_.id, dt.date(2027, 1, 5), now=now, actor_officer_id=None
        )
        await uow.commit()
    async with uow_factory() as uow:
        rows = (await uow.session.scalars(select(AuditRow).order_by(AuditRow.id))).all()
        deadline = [r for r in rows if r.action == "round.deadline"]
        assert [(r.entity, r.entity_id, r.detail) for r in deadline] == [
            ("round", str(round_.id), {"old": "2026-12-20", "new": "2027-01-05"})
        ]
        assert (await uow.rounds.get(round_.id)).deadline == dt.date(2027, 1,
                                                                     5)  # type: ignore[union-attr]
