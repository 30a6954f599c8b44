"""SQLite units of work without a thread hop per statement.

aiosqlite runs each call on its own worker thread and wakes the event loop for
every result: a conversation turn made about 25 such hops, and on a small VM
each costs 100-150 µs of thread wake-ups, most of the turn. A statement on the
bot's indexed SQLite file takes tens of microseconds, and once a transaction
holds the write lock (WAL mode) no statement of it ever waits for another
connection. So a unit of work on SQLite runs a synchronous SQLAlchemy
``Session`` (pysqlite) on the event-loop thread and sends only the two steps
that can wait to a worker thread:

* ``BEGIN IMMEDIATE``, which takes the write lock and may wait (up to the busy
  timeout) while another process writes;
* ``COMMIT``, which waits for the disk (the fsync of a durable commit, or a WAL
  checkpoint now and then).

Every unit of work therefore runs in a write transaction from its first
statement: it reads a consistent snapshot and can never fail to upgrade a read
lock. The process lets one unit of work at a time into SQLite anyway (the gate
in :mod:`storage.uow`). :class:`InlineSession` offers the part of
``AsyncSession`` the unit of work uses, so its code is the same on both backends.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from sqlalchemy import Engine, event
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

T = TypeVar("T")

_twins: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()


def sync_twin(engine: AsyncEngine, connect: Callable[[Any, Any], None]) -> Engine:
    """The synchronous (pysqlite) engine on the same SQLite database as ``engine``
    (made once, disposed with it). ``connect`` sets up each new connection (the
    pragmas); transactions are begun explicitly with ``BEGIN IMMEDIATE``."""
    twin = _twins.get(engine.sync_engine)
    if twin is not None:
        return twin
    url = engine.url.set(drivername="sqlite+pysqlite")
    in_memory = url.database in (None, "", ":memory:")
    twin = create_sync_engine(url, poolclass=StaticPool) if in_memory \
        else create_sync_engine(url, pool_size=2, max_overflow=8)

    @event.listens_for(twin, "connect")
    def on_connect(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.isolation_level = None  # pysqlite must not issue BEGIN itself
        connect(dbapi_connection, record)

    @event.listens_for(twin, "begin")
    def on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    event.listen(engine.sync_engine, "engine_disposed", lambda _engine: twin.dispose())
    _twins[engine.sync_engine] = twin
    return twin


async def _off_loop(func: Callable[[], T]) -> T:
    """Run ``func`` on a worker thread. If the caller is cancelled meanwhile, wait
    for the thread to finish before re-raising: it is using the session."""
    future = asyncio.ensure_future(asyncio.to_thread(func))
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        while not future.done():
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait([future])
        raise


class InlineSession:
    """``AsyncSession``'s interface (the part the unit of work uses) over a
    synchronous ``Session`` on SQLite; see the module docstring."""

    def __init__(self, session: Session) -> None:
        self.sync_session = session

    @property
    def bind(self) -> Any:
        return self.sync_session.bind

    @property
    def new(self) -> Any:
        return self.sync_session.new

    @property
    def dirty(self) -> Any:
        return self.sync_session.dirty

    @property
    def deleted(self) -> Any:
        return self.sync_session.deleted

    async def _begin(self) -> None:
        if not self.sync_session.in_transaction():
            await _off_loop(self.sync_session.connection)  # BEGIN IMMEDIATE may wait

    async def connection(self) -> InlineConnection:
        await self._begin()
        return InlineConnection(self.sync_session.connection())

    async def execute(self, statement: Any, params: Any = None, **kwargs: Any) -> Any:
        await self._begin()
        return self.sync_session.execute(statement, params, **kwargs)

    async def scalar(self, statement: Any, params: Any = None, **kwargs: Any) -> Any:
        await self._begin()
        return self.sync_session.scalar(statement, params, **kwargs)

    async def scalars(self, statement: Any, params: Any = None, **kwargs: Any) -> Any:
        await self._begin()
        return self.sync_session.scalars(statement, params, **kwargs)

    async def get(self, entity: Any, ident: Any, **kwargs: Any) -> Any:
        await self._begin()
        return self.sync_session.get(entity, ident, **kwargs)

    def add(self, instance: object) -> None:
        self.sync_session.add(instance)

    def add_all(self, instances: Iterable[object]) -> None:
        self.sync_session.add_all(instances)

    def expire(self, instance: object, attribute_names: Iterable[str] | None = None) -> None:
        self.sync_session.expire(instance, attribute_names)

    async def flush(self) -> None:
        await self._begin()
        self.sync_session.flush()

    async def commit(self) -> None:
        session = self.sync_session
        if session.in_transaction() or session.new or session.dirty or session.deleted:
            await _off_loop(session.commit)  # the fsync

    async def rollback(self) -> None:
        self.sync_session.rollback()

    async def close(self) -> None:
        self.sync_session.close()


class InlineConnection:
    """``AsyncConnection.execute`` over the session's synchronous connection."""

    def __init__(self, connection: Any) -> None:
        self.sync_connection = connection

    async def execute(self, statement: Any, parameters: Any = None) -> Any:
        return self.sync_connection.execute(statement, parameters)


def inline_sessions(twin: Engine) -> Callable[[], InlineSession]:
    """A session maker like ``async_sessionmaker(..., expire_on_commit=False)``."""
    sessions = sessionmaker(twin, expire_on_commit=False)
    return lambda: InlineSession(sessions())
