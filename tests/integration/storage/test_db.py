"""Database URLs and engine settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import DEFAULT_SQLITE_URL, create_engine, normalize_url


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
    try:
        async with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                setting = (await connection.execute(text("PRAGMA synchronous"))).scalar()
                assert str(setting) == expected[0]
            else:
                setting = (await connection.execute(text("SHOW synchronous_commit"))).scalar()
                assert setting == expected[1]
    finally:
        await engine.dispose()
