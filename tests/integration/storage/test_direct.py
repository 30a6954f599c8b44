"""The direct path (storage.direct): a turn's prebuilt statements run on the driver
itself, with SQLAlchemy's transaction, results and errors. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, insert, literal, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from dialogs.domain import Conversation
from storage import admin
from storage.db import sqlite_session_engine
from storage.direct import DirectStatements, RowCount, direct_statements
from storage.hot_path import bind_query, hot, turn_query
from storage.models import OfficerRow
from storage.uow import uow_factory

OFFICERS = OfficerRow.__table__


@pytest.fixture
def direct(engine: AsyncEngine) -> DirectStatements:
    dialect = sqlite_session_engine(engine).dialect if engine.dialect.name == "sqlite" \
        else engine.dialect
    statements = direct_statements(dialect)
    assert statements is not None
    return statements


async def _committed_agency(engine: AsyncEngine, new_agency: Any) -> Any:
    async with uow_factory(engine)() as uow:
        agency = await new_agency(uow, "SCT")
        await uow.commit()
    return agency


def _count(table: Any, name: str) -> Any:
    return select(func.count().label("n")).select_from(table.cte(name))


async def test_queries_return_exactly_what_sqlalchemy_returns(
    engine: AsyncEngine, direct: DirectStatements, new_agency, make_round, now: dt.datetime
) -> None:
    dialect = engine.dialect.name
    factory = uow_factory(engine)
    async with factory() as uow:
        agency = await new_agency(uow, "SCT", is_collector=True)
        _, [assignment] = await make_round(uow, [agency.id], now=now)
        code = await admin.create_invite(uow, agency.id, now=now)
        officer = await uow.invites.bind(code, "telegram", "7", "Lê Thị Hoa", now)
        await uow.answers.set(assignment.id, "q1", {"r1": {"c1": 3, "ghi chú": "Đã triển khai"}},
                             officer.id, now)
        await uow.answers.set(assignment.id, "q2", 12.5, officer.id, now)
        await uow.conversations.save(Conversation(
            "telegram", "7", state="answering", officer_id=officer.id,
            assignment_id=assignment.id, step="q:q2", data={"trang": [1, "hai"]}))
        await uow.commit()
    queries = [
        (turn_query(dialect), {"channel": "telegram", "user_id": "7"}),
        (hot(dialect).open_assignments, {"w_agency_id": agency.id}),
        (bind_query(dialect), {"w_code_hash": "none", "channel": "telegram", "user_id": "7",
                                "w_now": now, "claimed_id": None, "claimed_agency_id": None,
                                "claimed_role": None}),
    ]
    async with factory() as uow:
        connection = await uow.session.connection()
        for statement, parameters in queries:
            if dialect == "postgresql":
                parameters = {k: v for k, v in parameters.items() if not k.startswith("claimed")}
            want = (await connection.execute(statement, parameters)).mappings().all()
            got = (await direct.execute(connection, statement, parameters)).mappings().all()
            assert got == want and want
        [turn] = (await direct.execute(connection, *queries[0])).mappings().all()
    # processed as SQLAlchemy does: aware UTC datetimes, JSON decoded, booleans
    assert turn["i_last_seen_at"] == now and turn["i_last_seen_at"].tzinfo is dt.UTC
    assert turn["c_data"] == {"trang": [1, "hai"]}
    assert turn["ag_is_collector"] is True
    assert sorted((a[1], a[2]) for a in turn["answers"]) == [
        ("q1", {"r1": {"c1": 3, "ghi chú": "Đã triển khai"}}), ("q2", 12.5)]


async def test_rollback_undoes_what_the_direct_path_wrote(
    engine: AsyncEngine, direct: DirectStatements, new_agency, now: dt.datetime
) -> None:
    agency = await _committed_agency(engine, new_agency)
    add = insert(OFFICERS).values(agency_id=agency.id, full_name="Tạm", role="officer",
                                  created_at=now)
    async with uow_factory(engine)() as uow:
        connection = await uow.session.connection()
        if engine.dialect.name == "sqlite":
            assert (await direct.execute(connection, add, {})).rowcount == 1
        else:  # PostgreSQL runs only statements that return rows directly
            added = _count(add.returning(OFFICERS.c.id), "add")
            assert (await direct.execute(connection, added, {})).scalar_one() == 1
        await uow.rollback()
        connection = await uow.session.connection()
        count = select(func.count().label("n")).select_from(OFFICERS)
        assert (await direct.execute(connection, count, {})).scalar_one() == 0


async def test_a_violated_constraint_is_sqlalchemy_s_integrity_error(
    engine: AsyncEngine, direct: DirectStatements, new_agency, now: dt.datetime
) -> None:
    agency = await _committed_agency(engine, new_agency)
    twice = insert(OFFICERS).values(id=1, agency_id=agency.id, full_name="A", role="officer",
                                    created_at=now)
    if engine.dialect.name == "sqlite":
        once = again = twice
    else:  # PostgreSQL runs only statements that return rows directly
        returning = twice.returning(OFFICERS.c.id)
        once, again = _count(returning, "once"), _count(returning, "again")
    async with uow_factory(engine)() as uow:
        connection = await uow.session.connection()
        await direct.execute(connection, once, {})
        with pytest.raises(IntegrityError):
            await direct.execute(connection, again, {})
        await uow.rollback()
        connection = await uow.session.connection()
        one = select(literal(1).label("one"))
        assert (await direct.execute(connection, one, {})).scalar_one() == 1


async def test_an_update_sets_the_columns_it_is_given(
    engine: AsyncEngine, direct: DirectStatements, new_agency, now: dt.datetime
) -> None:
    """A statement without values() (touch_identity) is compiled per set of names."""
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite only: PostgreSQL sends UPDATEs through SQLAlchemy")
    async with uow_factory(engine)() as uow:
        agency = await new_agency(uow, "SCT")
        code = await admin.create_invite(uow, agency.id, now=now)
        await uow.invites.bind(code, "zalo_oa", "9", None, now)
        connection = await uow.session.connection()
        touch = hot("sqlite").touch_identity
        later = now + dt.timedelta(hours=1)
        result = await direct.execute(connection, touch, {
            "w_channel": "zalo_oa", "w_user_id": "9", "last_seen_at": later})
        assert isinstance(result, RowCount) and result.rowcount == 1
        renamed = await direct.execute(connection, touch, {
            "w_channel": "zalo_oa", "w_user_id": "9", "display_name": "Hoa"})
        assert renamed.rowcount == 1
        [identity] = await uow.identities.list(agency_id=agency.id)
        assert (identity.display_name, identity.last_seen_at) == ("Hoa", later)


async def test_a_bare_connection_gets_a_transaction(
    engine: AsyncEngine, direct: DirectStatements, new_agency, now: dt.datetime
) -> None:
    """PostgreSQL: the first statement on a connection outside a unit of work begins
    a transaction that rollback() undoes."""
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: on SQLite the direct path runs inside sessions")
    agency = await _committed_agency(engine, new_agency)
    add = insert(OFFICERS).values(agency_id=agency.id, full_name="Tạm", role="officer",
                                  created_at=now).returning(OFFICERS.c.id)
    async with engine.connect() as connection:
        assert (await direct.execute(connection, _count(add, "add"), {})).scalar_one() == 1
        await connection.rollback()
        count = select(func.count().label("n")).select_from(OFFICERS)
        assert (await direct.execute(connection, count, {})).scalar_one() == 0
