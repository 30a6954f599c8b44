"""Database URLs, engines and schema migrations.

Nothing is created at import time: callers build an engine with
:func:`create_engine` and bring the schema up to date with :func:`upgrade`
(from synchronous code such as the CLI) or :func:`upgrade_async` (from inside a
running event loop).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from storage.sqlite_session import sync_twin

DEFAULT_SQLITE_URL = "sqlite+aiosqlite:///./var/baocao.sqlite3"

#: How long SQLite waits for another writer before giving up (milliseconds).
SQLITE_BUSY_TIMEOUT_MS = 10_000


def normalize_url(url: str) -> str:
    """Give a database URL its async driver.

    ``postgres://`` and ``postgresql://`` (any sync driver) become
    ``postgresql+asyncpg://``; ``sqlite://`` becomes ``sqlite+aiosqlite://``.
    URLs that already name an async driver are returned unchanged.
    """
    url = url.strip()
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ValueError(f"not a database URL: {url!r}")
    backend = scheme.split("+", 1)[0].lower()
    if backend in {"postgres", "postgresql"}:
        return f"postgresql+asyncpg://{rest}"
    if backend == "sqlite":
        return f"sqlite+aiosqlite://{rest}"
    return url


def _sqlite_file(url: str) -> Path | None:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def _sqlite_pragmas(durable: bool) -> Callable[[Any, Any], None]:
    def set_pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        finally:
            cursor.close()

    return set_pragmas


def create_engine(url: str, *, durable: bool = True, **kwargs: Any) -> AsyncEngine:
    """An async engine for ``url`` (normalised first).

    ``durable`` (the default): every commit waits until it is on disk, so an
    acknowledged answer survives a power cut. ``durable=False`` lets commits return
    before the disk flush (SQLite ``synchronous=NORMAL`` in WAL mode, PostgreSQL
    ``synchronous_commit=off``): still safe when the bot process is killed, and
    never corrupt, but the last moments of answers can be lost if the machine
    itself loses power; in exchange a turn no longer waits for an fsync.

    SQLite: the file's folder is created; every connection gets WAL, foreign
    keys and a busy timeout; units of work use a synchronous twin of the engine
    (:func:`sqlite_session_engine`). PostgreSQL: a pooled connection the server
    closed is replaced at checkout.
    Extra keyword arguments go to :func:`sqlalchemy.ext.asyncio.create_async_engine`.
    """
    url = normalize_url(url)
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        path = _sqlite_file(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas(durable))
        sync_twin(engine, _sqlite_pragmas(durable))
        return engine
    if not durable:
        connect_args = kwargs.setdefault("connect_args", {})
        connect_args.setdefault("server_settings", {})["synchronous_commit"] = "off"
    engine = create_async_engine(url, **kwargs)
    event.listen(engine.sync_engine, "checkout", _replace_closed)
    return engine


def _replace_closed(_dbapi_connection: Any, _record: Any, proxy: Any) -> None:
    """Replace, at checkout, a pooled connection the server has closed (PostgreSQL
    restarted, backend terminated): the pool connects afresh instead of failing
    the unit of work's first statement. The check is local (asyncpg saw the
    socket close); ``pool_pre_ping`` would cost three round trips per unit of
    work (BEGIN, ping, ROLLBACK)."""
    if proxy.driver_connection.is_closed():
        raise DisconnectionError("the server closed this pooled connection")


def sqlite_session_engine(engine: AsyncEngine) -> Engine:
    """The synchronous engine units of work use on SQLite (:mod:`storage.sqlite_session`):
    the one :func:`create_engine` made, or a durable one for an engine made elsewhere."""
    return sync_twin(engine, _sqlite_pragmas(durable=True))


def alembic_config(url: str | None = None) -> Config:
    """The Alembic configuration shipped inside the package (works from any cwd)."""
    package = resources.files("storage")
    config = Config(str(package / "alembic.ini"))
    config.set_main_option("script_location", str(package / "migrations"))
    if url is not None:
        # ConfigParser treats "%" specially; URLs may contain escaped characters.
        config.set_main_option("sqlalchemy.url", normalize_url(url).replace("%", "%%"))
    return config


def _migrate_on(connection: Connection, config: Config, direction: str, revision: str) -> None:
    config.attributes["connection"] = connection
    getattr(command, direction)(config, revision)


async def _migrate(url: str, direction: str, revision: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_migrate_on, alembic_config(url), direction, revision)
    finally:
        await engine.dispose()


async def upgrade_async(url: str, revision: str = "head") -> None:
    """Run the migrations up to ``revision`` from inside a running event loop."""
    await _migrate(url, "upgrade", revision)


async def downgrade_async(url: str, revision: str) -> None:
    """Undo migrations down to ``revision`` (``"base"``: drop every table)."""
    await _migrate(url, "downgrade", revision)


def upgrade(url: str, revision: str = "head") -> None:
    """Run the migrations up to ``revision`` (blocking).

    Usable whether or not an event loop is running in this thread: the
    migration runs on its own loop in a worker thread, so the caller's loop
    (or the absence of one) is left untouched.
    """
    errors: list[BaseException] = []

    def work() -> None:
        try:
            asyncio.run(upgrade_async(url, revision))
        except BaseException as exc:  # re-raised in the calling thread
            errors.append(exc)

    thread = threading.Thread(target=work, name="baocao-migrate")
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
