"""PostgreSQL's direct path (storage.asyncpg_direct): a turn's prebuilt queries run on
asyncpg itself, with SQLAlchemy's transaction, results and errors."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, insert, literal, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from dialogs.domain import Conversation
from storage import admin
from storage.asyncpg_direct import DirectQueries
from storage.models import OfficerRow
from storage.uow import _bind_query, _hot, _turn_query, uow_factory

OFFICERS = OfficerRow.__table__


@pytest.fixture
def direct(engine: AsyncEngine) -> DirectQueries:
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite units of work run SQLAlchemy's sync session")
    return DirectQueries(engine.dialect)


async def test_queries_return_exactly_what_sqlalchemy_returns(
    engine: AsyncEngine, direct: DirectQueries, new_agency, make_round, now: dt.datetime
) -> None:
    factory = uow_factory(engine)
    async with factory() as uow:
        agency = await new_agency(uow, "SCT")
        _, [assignment] = await make_round(uow, [agency.id], now=now)
        code = await admin.create_invite(uow, agency.id, now=now)
        officer = await uow.bind_invite(code, "telegram", "7", "Lê Thị Hoa", now)
        await uow.set_answer(assignment.id, "q1", {"r1": {"c1": 3, "ghi chú": "Đã triển khai"}},
                             officer.id, now)
        await uow.set_answer(assignment.id, "q2", 12.5, officer.id, now)
        await uow.save_conversation(Conversation(
            "telegram", "7", state="answering", officer_id=officer.id,
            assignment_id=assignment.id, step="q:q2", data={"trang": [1, "hai"]}))
        await uow.commit()
    queries = [
        (_turn_query("postgresql"), {"channel": "telegram", "user_id": "7"}),
        (_hot("postgresql").open_assignments, {"w_agency_id": agency.id}),
        (_bind_query("postgresql"), {"w_code_hash": "none", "channel": "telegram",
                                     "user_id": "7", "w_now": now}),
    ]
    async with engine.connect() as connection:
        for statement, parameters in queries:
            want = (await connection.execute(statement, parameters)).mappings().all()
            got = (await direct.execute(connection, statement, parameters)).mappings().all()
            assert got == want and want
        [turn] = (await direct.execute(connection, *queries[0])).mappings().all()
    # processed like SQLAlchemy's: aware UTC datetimes, JSON decoded
    assert turn["i_last_seen_at"] == now and turn["i_last_seen_at"].tzinfo is dt.UTC
    assert turn["c_data"] == {"trang": [1, "hai"]}
    assert sorted(a[1] for a in turn["answers"]) == ["q1", "q2"]


async def test_the_first_query_begins_the_transaction_and_rollback_undoes_it(
    engine: AsyncEngine, direct: DirectQueries, new_agency, now: dt.datetime
) -> None:
    async with uow_factory(engine)() as uow:
        agency = await new_agency(uow, "SCT")
        await uow.commit()
    add = insert(OFFICERS).values(agency_id=agency.id, full_name="Tạm", role="officer",
                                  created_at=now).returning(OFFICERS.c.id).cte("add")
    added = select(func.count().label("n")).select_from(add)
    async with engine.connect() as connection:
        assert (await direct.execute(connection, added, {})).scalar_one() == 1
        await connection.rollback()
        count = select(func.count().label("n")).select_from(OFFICERS)
        assert (await direct.execute(connection, count, {})).scalar_one() == 0


async def test_a_violated_constraint_is_sqlalchemy_s_integrity_error(
    engine: AsyncEngine, direct: DirectQueries, new_agency, now: dt.datetime
) -> None:
    async with uow_factory(engine)() as uow:
        agency = await new_agency(uow, "SCT")
        await uow.commit()
    twice = insert(OFFICERS).values(id=1, agency_id=agency.id, full_name="A", role="officer",
                                    created_at=now).returning(OFFICERS.c.id)
    async with engine.connect() as connection:
        once = twice.cte("once")
        await direct.execute(connection, select(func.count().label("n")).select_from(once), {})
        again = twice.cte("again")
        with pytest.raises(IntegrityError):
            await direct.execute(
                connection, select(func.count().label("n")).select_from(again), {})
        await connection.rollback()
        one = select(literal(1).label("one"))
        assert (await direct.execute(connection, one, {})).scalar_one() == 1
