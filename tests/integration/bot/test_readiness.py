"""``/readyz`` answers 503 when the database takes no writes or is not at this code's
migration head — cases where ``/healthz`` still says "ok"."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import httpx
from sqlalchemy import text as sql_text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.bootstrap import Bootstrapped
from bot.clock import FixedClock
from bot.readiness import expected_heads
from bot.settings import Settings
from bot.webapp import create_web_app
from storage.db import create_engine

NOW = dt.datetime(2026, 12, 7, 3, 0, tzinfo=dt.UTC)


def _app(db: AsyncEngine, tmp_path: Path):
    settings = Settings(secret_key="k", data_dir=tmp_path, database_url="sqlite+aiosqlite://")
    boot = Bootstrapped(settings=settings, db=db, uow_factory=None, templates={},  # type: ignore[arg-type]
                        engine=None, clock=FixedClock(NOW))  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=create_web_app(boot)),
                             base_url="http://testserver")


async def test_ready_when_writable_and_at_the_head(engine: AsyncEngine, tmp_path: Path) -> None:
    async with _app(engine, tmp_path) as http:
        first = await http.get("/readyz")
        second = await http.get("/readyz")
    assert first.status_code == 200 and second.status_code == 200
    assert first.json() == {"status": "ok", "checks": {"write": "ok", "migrations": "ok"}}
    async with engine.connect() as conn:
        rows = (await conn.execute(sql_text(
            "SELECT version FROM channel_state WHERE key = 'health:readyz'"))).all()
    assert [r[0] for r in rows] == [1]  # one row, written twice


async def test_not_ready_when_the_schema_is_behind(engine: AsyncEngine, tmp_path: Path) -> None:
    (head,) = expected_heads()
    async with engine.begin() as conn:
        await conn.execute(sql_text("UPDATE alembic_version SET version_num = '0003'"))
    try:
        async with _app(engine, tmp_path) as http:
            health = await http.get("/healthz")
            ready = await http.get("/readyz")
    finally:  # the PostgreSQL database is shared by the session's tests
        async with engine.begin() as conn:
            await conn.execute(sql_text("UPDATE alembic_version SET version_num = :head"),
                               {"head": head})
    assert health.status_code == 200
    assert ready.status_code == 503
    assert ready.json()["checks"]["migrations"] == (
        f"database at 0003, code expects {','.join(sorted(expected_heads()))}")


async def test_not_ready_when_writes_fail(tmp_path: Path, database_url: str) -> None:
    """SQLite: the database file cannot be written; PostgreSQL: a read-only session
    (as on a hot standby)."""
    if database_url.startswith("postgresql"):
        db = create_engine(database_url, connect_args={
            "server_settings": {"default_transaction_read_only": "on"}})
    else:
        path = Path(database_url.split("///", 1)[1])
        db = create_engine(f"sqlite+aiosqlite:///file:{path}?mode=ro&uri=true")
    try:
        async with _app(db, tmp_path) as http:
            health = await http.get("/healthz")
            ready = await http.get("/readyz")
    finally:
        await db.dispose()
    assert health.status_code == 200 and health.json() == {"status": "ok"}
    assert ready.status_code == 503
    assert ready.json()["checks"]["write"].startswith("failed")
    assert ready.json()["checks"]["migrations"] == "ok"
