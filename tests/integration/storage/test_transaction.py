"""The unit of work's transaction (``storage.transaction``): one transaction for ORM
and fast-path writes, rollback when leaving without commit, datetimes in UTC; on
SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy import select

from dialogs.domain import AssignmentStatus, Conversation
from storage import admin
from storage.models import InviteRow
from storage.uow import SqlUnitOfWork

UowFactory = Callable[[], SqlUnitOfWork]
DAY = dt.timedelta(days=1)



async def _invite(uow: SqlUnitOfWork, agency_id: int, now: dt.datetime, **kw: object) -> str:
    return await admin.create_invite(uow, agency_id, now=now, **kw)  # type: ignore[arg-type]


async def test_orm_and_turn_writes_share_the_unit_of_works_transactions(
    uow_factory: UowFactory, new_agency, now: dt.datetime
) -> None:
    """A turn's statements and the ORM's writes (on PostgreSQL a session made on
    first use, on the unit of work's connection) commit and roll back together,
    transaction after transaction, whichever comes first."""
    async with uow_factory() as uow:
        agency = await new_agency(uow, "SCT")
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.inbound.claim("web", "m1", now)  # turn statement first
        await _invite(uow, agency.id, now)  # then the ORM
        await uow.rollback()
        await _invite(uow, agency.id, now)  # ORM first
        assert await uow.inbound.claim("web", "m2", now)
        await uow.commit()
        assert await uow.inbound.claim("web", "m3", now)  # a third transaction, left open
    async with uow_factory() as uow:
        assert await uow.inbound.claim("web", "m1", now)  # rolled back
        assert not await uow.inbound.claim("web", "m2", now)  # committed
        assert await uow.inbound.claim("web", "m3", now)  # never committed
        assert len((await uow.session.scalars(select(InviteRow))).all()) == 1


async def test_leaving_without_commit_rolls_everything_back(
    uow_factory: UowFactory, new_agency, make_round, now: dt.datetime
) -> None:
    async with uow_factory() as uow:
        agency = await new_agency(uow, "SCT")
        _, [assignment] = await make_round(uow, [agency.id])
        await uow.commit()

    async with uow_factory() as uow:
        await uow.answers.set(assignment.id, "staff_total", 35, None, now)
        await uow.conversations.save(Conversation("telegram", "1", state="answering"))
        await uow.inbound.claim("telegram", "m1", now)
    with pytest.raises(RuntimeError):
        async with uow_factory() as uow:
            await uow.answers.set(assignment.id, "staff_total", 40, None, now)
            raise RuntimeError("boom")
    async with uow_factory() as uow:
        await uow.answers.set(assignment.id, "staff_total", 50, None, now)
        await uow.rollback()
        assert await uow.answers.get(assignment.id) == {}
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.answers.get(assignment.id) == {}
        assert await uow.answers.history(assignment.id) == []
        assert await uow.conversations.get("telegram", "1") is None
        assert await uow.inbound.claim("telegram", "m1", now) is True
        stored = await uow.assignments.get(assignment.id)
        assert stored is not None and stored.status is AssignmentStatus.NOT_STARTED


async def test_datetimes_come_back_timezone_aware_in_utc(
    uow_factory: UowFactory, new_agency, make_round
) -> None:
    hanoi = dt.timezone(dt.timedelta(hours=7))
    local = dt.datetime(2026, 12, 31, 23, 30, tzinfo=hanoi)
    async with uow_factory() as uow:
        agency = await new_agency(uow, "SCT")
        _, [assignment] = await make_round(uow, [agency.id])
        await uow.submissions.add(assignment.id, {}, b"x", "x.docx", None, local)
        await uow.commit()
    async with uow_factory() as uow:
        submission = await uow.submissions.latest(assignment.id)
        assert submission is not None
        assert submission.submitted_at == local
        assert submission.submitted_at.utcoffset() == dt.timedelta(0)
        assert submission.submitted_at.date() == dt.date(2026, 12, 31) - dt.timedelta(0)
        assert submission.submitted_at.hour == 16


async def test_naive_datetimes_are_refused(uow_factory: UowFactory) -> None:
    async with uow_factory() as uow:
        with pytest.raises(Exception, match="naive datetime"):
            await uow.inbound.claim("telegram", "1", dt.datetime(2026, 1, 1, 8, 0))
