"""Shared database fixtures.

Every test that touches the database should use these, so that it runs on both
backends the product supports:

``database_url`` (function scope, parametrised ``sqlite`` / ``postgresql``)
    The URL of a migrated (``alembic upgrade head``), **empty** database for this
    test. SQLite: a file in ``tmp_path`` (copied from a migrated file built once
    per session). PostgreSQL: one database ``baocao_t_<hex>`` created and migrated
    once per session and emptied (TRUNCATE … RESTART IDENTITY) before each test,
    so ids start at 1 again. The server is ``BAOCAO_TEST_PG_URL`` if set, else
    ``postgres@127.0.0.1:5432`` then ``root@127.0.0.1:5432`` (trust auth); if
    none answers the PostgreSQL variant is skipped with the reason.
    Usable from sync tests too (e.g. to hand the URL to a subprocess).

``empty_database_url`` (same parameters)
    A database with no tables at all (to test migrations or a CLI's ``db
    upgrade``). PostgreSQL: a fresh database dropped after the test.

``engine``
    An ``AsyncEngine`` on ``database_url`` (``storage.db.create_engine``),
    disposed after the test.

``uow_factory``
    ``storage.uow.uow_factory(engine)``: ``async with uow_factory() as uow: …``.

To run only one backend: ``pytest -k sqlite`` or ``pytest -k postgresql``.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import threading
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import create_engine, upgrade
from storage.models import Base
from storage.uow import SqlUnitOfWork
from storage.uow import uow_factory as make_uow_factory

T = TypeVar("T")

BACKENDS = ("sqlite", "postgresql")
PG_CANDIDATES = (
    "postgresql+asyncpg://postgres@127.0.0.1:5432/test",
    "postgresql+asyncpg://root@127.0.0.1:5432/test",
)
TABLES = [table.name for table in Base.metadata.sorted_tables]


def run_in_thread(func: Callable[..., Coroutine[Any, Any, T]], *args: Any) -> T:
    """Run a coroutine on its own event loop in a worker thread.

    Keeps the test's event loop (and the absence of one in sync fixtures) intact.
    """
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["value"] = asyncio.run(func(*args))
        except BaseException as exc:  # re-raised in the calling thread
            outcome["error"] = exc

    thread = threading.Thread(target=work, name="test-db-helper")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def _asyncpg_dsn(url: str) -> str:
    """asyncpg wants ``postgresql://``, without SQLAlchemy's ``+driver``."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _with_database(url: str, database: str) -> str:
    return make_url(url).set(database=database).render_as_string(hide_password=False)


async def _pg_execute(url: str, *statements: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(_asyncpg_dsn(url), timeout=5)
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    """A URL of the local PostgreSQL server's ``test`` database, or skip."""
    configured = os.environ.get("BAOCAO_TEST_PG_URL")
    candidates = (configured,) if configured else PG_CANDIDATES
    error: BaseException | None = None
    for candidate in candidates:
        try:
            run_in_thread(_pg_execute, candidate, "SELECT 1")
        except Exception as exc:
            error = exc
            continue
        return candidate
    where = make_url(candidates[-1])
    pytest.skip(f"PostgreSQL not reachable at {where.host}:{where.port or 5432}: {error}")


def _new_pg_database(admin_url: str) -> str:
    name = f"baocao_t_{secrets.token_hex(6)}"
    run_in_thread(_pg_execute, admin_url, f'CREATE DATABASE "{name}" TEMPLATE template0')
    return _with_database(admin_url, name)


def _drop_pg_database(admin_url: str, url: str) -> None:
    name = make_url(url).database
    run_in_thread(_pg_execute, admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def _pg_session_database(pg_admin_url: str) -> Iterator[str]:
    url = _new_pg_database(pg_admin_url)
    try:
        upgrade(url)
        yield url
    finally:
        _drop_pg_database(pg_admin_url, url)


@pytest.fixture(scope="session")
def _sqlite_migrated_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "migrated.sqlite3"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


def _copy_sqlite(source: Path, target: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        extra = source.with_name(source.name + suffix)
        if extra.exists():
            shutil.copyfile(extra, target.with_name(target.name + suffix))


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database for this test (see the module docstring)."""
    if request.param == "sqlite":
        target = tmp_path / "baocao.sqlite3"
        _copy_sqlite(request.getfixturevalue("_sqlite_migrated_file"), target)
        return f"sqlite+aiosqlite:///{target}"
    url: str = request.getfixturevalue("_pg_session_database")
    tables = ", ".join(f'"{name}"' for name in TABLES)
    # A connection left open by an earlier test would block TRUNCATE: fail, don't hang.
    run_in_thread(
        _pg_execute,
        url,
        "SET lock_timeout = '10s'",
        f"TRUNCATE {tables} RESTART IDENTITY CASCADE",
    )
    return url


@pytest.fixture(params=BACKENDS)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database without any table (nothing migrated yet)."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'empty' / 'baocao.sqlite3'}"
        return
    admin_url: str = request.getfixturevalue("pg_admin_url")
    url = _new_pg_database(admin_url)
    try:
        yield url
    finally:
        _drop_pg_database(admin_url, url)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An async engine on ``database_url``."""
    engine = create_engine(database_url)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
def uow_factory(engine: AsyncEngine) -> Callable[[], SqlUnitOfWork]:
    """Makes units of work on ``engine``."""
    return make_uow_factory(engine)


@pytest.fixture
def run_cli(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """``run_cli("round", "list")``: invoke ``baocao`` on this test's database, in an
    empty working directory (no stray ``.env``) with no channel tokens set."""
    from click.testing import CliRunner, Result

    from bot.cli import cli

    monkeypatch.chdir(tmp_path)
    for name in ("BAOCAO_DATABASE_URL", "BAOCAO_SECRET_KEY", "BAOCAO_DATA_DIR",
                 "TELEGRAM_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BAOCAO_DATA_DIR", str(tmp_path / "var"))
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(cli, [*args, "--database-url", database_url])

    return invoke
