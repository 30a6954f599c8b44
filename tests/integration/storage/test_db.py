"""Database URLs and engine settings."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import DEFAULT_SQLITE_URL, create_engine, normalize_url
from storage.uow import uow_factory


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@db:5432/baocao", "postgresql+asyncpg://u:p@db:5432/baocao"),
        ("postgresql://u@db/baocao", "postgresql+asyncpg://u@db/baocao"),
        ("postgresql+psycopg2://u@db/baocao", "postgresql+asyncpg://u@db/baocao"),
        ("postgresql+asyncpg://u@db/baocao", "postgresql+asyncpg://u@db/baocao"),
        ("sqlite:///var/x.sqlite3", "sqlite+aiosqlite:///var/x.sqlite3"),
        ("sqlite:////abs/x.sqlite3", "sqlite+aiosqlite:////abs/x.sqlite3"),
        (DEFAULT_SQLITE_URL, DEFAULT_SQLITE_URL),
    ],
)
def test_normalize_url_picks_the_async_driver(given: str, expected: str) -> None:
    assert normalize_url(given) == expected


def test_normalize_url_rejects_garbage() -> None:
    with pytest.raises(ValueError, match="not a database URL"):
        normalize_url("baocao.sqlite3")


async def test_sqlite_engine_creates_its_folder_and_sets_pragmas(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "db.sqlite3"
    engine = create_engine(f"sqlite:///{path}")
    try:
        async with engine.connect() as connection:
            journal = (await connection.execute(text("PRAGMA journal_mode"))).scalar()
            foreign_keys = (await connection.execute(text("PRAGMA foreign_keys"))).scalar()
            busy = (await connection.execute(text("PRAGMA busy_timeout"))).scalar()
    finally:
        await engine.dispose()
    assert path.exists()
    assert (journal, foreign_keys) == ("wal", 1)
    assert busy is not None and busy >= 1000


async def test_foreign_keys_are_enforced(engine: AsyncEngine) -> None:
    with pytest.raises(IntegrityError):
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO officers (agency_id, full_name, role, created_at) "
                    "VALUES (12345, 'X', 'officer', CURRENT_TIMESTAMP)"
                )
            )


@pytest.mark.parametrize(("durable", "expected"), [(True, ("2", "on")), (False, ("1", "off"))])
async def test_durable_commit_waits_for_the_disk_and_can_be_relaxed(
    database_url: str, durable: bool, expected: tuple[str, str]
) -> None:
    """durable: SQLite synchronous=FULL (2) / PostgreSQL synchronous_commit=on;
    relaxed: synchronous=NORMAL (1) / synchronous_commit=off."""
    engine = create_engine(database_url, durable=durable)
    query = "PRAGMA synchronous" if engine.dialect.name == "sqlite" else "SHOW synchronous_commit"
    want = expected[0] if engine.dialect.name == "sqlite" else expected[1]
    try:
        async with engine.connect() as connection:  # migrations, the CLI's checks
            assert str((await connection.execute(text(query))).scalar()) == want
        async with uow_factory(engine)() as uow:  # every turn
            assert str((await uow.session.execute(text(query))).scalar()) == want
    finally:
        await engine.dispose()


async def test_a_connection_the_server_closed_is_replaced_at_checkout(
    database_url: str,
) -> None:
    """PostgreSQL restarted or the backend was terminated while the connection sat in
    the pool: the next unit of work gets a fresh connection instead of an error."""
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only: SQLite has no server to close connections")
    engine = create_engine(database_url)
    try:
        async with uow_factory(engine)() as uow:
            first = await uow.session.scalar(text("SELECT pg_backend_pid()"))
        killer = create_engine(database_url)
        try:
            async with killer.connect() as connection:
                await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        finally:
            await killer.dispose()
        await asyncio.sleep(0.2)  # the bot's loop notices the closed socket
        async with uow_factory(engine)() as uow:
            second = await uow.session.scalar(text("SELECT pg_backend_pid()"))
        assert second != first
    finally:
        await engine.dispose()


async def test_sqlite_waits_for_another_writer_off_the_event_loop(database_url: str) -> None:
    """Another process holds SQLite's write lock: a unit of work waits for it on a
    worker thread (the bot keeps answering others meanwhile), then goes on."""
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite only: its single writer lock")
    engine = create_engine(database_url)
    other = sqlite3.connect(make_url(database_url).database, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        async def write() -> int:
            async with uow_factory(engine)() as uow:
                await uow.inbound.claim("web", "m-1", dt.datetime(2026, 11, 23, tzinfo=dt.UTC))
                await uow.commit()
            return ticks

        ticking = asyncio.create_task(ticker())
        writing = asyncio.create_task(write())
        await asyncio.sleep(0.3)
        assert not writing.done() and ticks >= 10  # waiting, and the loop runs
        other.execute("COMMIT")
        await asyncio.wait_for(writing, 5)
        ticking.cancel()
        async with uow_factory(engine)() as uow:
            assert not await uow.inbound.claim(
                "web", "m-1", dt.datetime(2026, 11, 23, tzinfo=dt.UTC))
    finally:
        other.close()
        await engine.dispose()
