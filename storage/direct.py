"""A turn's prebuilt statements, run on the database driver directly.

SQLAlchemy's execution costs more CPU than the statement itself: on the turn
query ~0.23 ms per statement over asyncpg's own ~0.1 ms (greenlet switch,
execution context, parameter and result processing), and on SQLite about three
times what sqlite3 spends. A turn's statements are built once
(:mod:`storage.uow`), so they are also compiled once here (:class:`_Compiled`)
and run on the driver connection of the unit of work's transaction, with the
same parameter and result processing SQLAlchemy applies (the column types'
processors: aware UTC datetimes, JSON, dates, booleans). A statement that
returns rows gives an ordinary SQLAlchemy :class:`~sqlalchemy.engine.Result`;
one that returns none gives its :class:`RowCount`. Errors are raised as
SQLAlchemy raises them (``sqlalchemy.exc.IntegrityError`` and so on).

* PostgreSQL (:class:`AsyncpgStatements`): only statements that return rows
  (``SELECT``, data-modifying CTEs included). The transaction is begun, and
  driver errors translated, through SQLAlchemy 2.1's asyncpg adapter
  (``_transaction``, ``_start_transaction``, ``_handle_exception``), hence the
  ``<2.2`` pin.
* SQLite (:class:`SqliteStatements`): every statement of the unit of work's hot
  path, on the sqlite3 connection of its session (already in ``BEGIN
  IMMEDIATE``, see :mod:`storage.sqlite_session`).

``tests/integration/storage/test_direct.py`` checks results, transactions and
errors against SQLAlchemy's own. SQLAlchemy's statement events and echo do not
see these statements.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.engine.result import IteratorResult, SimpleResultMetaData
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import Select

Processor = Callable[[Any], Any] | None


class RowCount:
    """The result of a statement that returns no rows: how many it changed."""

    __slots__ = ("rowcount",)

    def __init__(self, rowcount: int) -> None:
        self.rowcount = rowcount


class _Compiled:
    """A statement compiled for one dialect: its SQL, its parameters in order (with
    the values fixed when it was built) and each parameter's and column's processor."""

    __slots__ = ("columns", "fixed", "names", "params", "results", "sql")

    def __init__(self, statement: Any, dialect: Dialect, keys: list[str] | None) -> None:
        compiled = statement.compile(dialect=dialect, column_keys=keys)
        self.sql = compiled.string
        self.names = tuple(compiled.positiontup or ())
        binds = {name: compiled.binds[name] for name in self.names}
        self.fixed = {name: bind.effective_value for name, bind in binds.items()
                      if not bind.required}
        self.params: tuple[Processor, ...] = tuple(
            binds[name].type.dialect_impl(dialect).bind_processor(dialect)
            for name in self.names)
        columns = list(statement.exported_columns)
        self.columns = SimpleResultMetaData([c.key for c in columns]) if columns else None
        self.results: tuple[Processor, ...] = tuple(
            c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns)

    def arguments(self, parameters: Mapping[str, Any] | None) -> list[Any]:
        parameters = parameters or {}
        values = []
        for name, process in zip(self.names, self.params, strict=True):
            value = parameters[name] if name in parameters else self.fixed[name]
            values.append(value if process is None else process(value))
        return values

    def result(self, records: list[Any]) -> IteratorResult[Any]:
        assert self.columns is not None
        processors = self.results
        rows = [tuple(value if process is None else process(value)
                      for value, process in zip(record, processors, strict=True))
                for record in records]
        return IteratorResult(self.columns, iter(rows))


class _Statements:
    """Compiles each statement once per dialect (statements are long-lived); an
    INSERT or UPDATE once per set of parameter names, as SQLAlchemy does (a
    statement without ``values()`` sets the columns it is given)."""

    def __init__(self, dialect: Dialect) -> None:
        self._dialect = dialect
        self._compiled: weakref.WeakKeyDictionary[Any, dict[Any, _Compiled]] = (
            weakref.WeakKeyDictionary())

    def _compile(self, statement: Any, parameters: Mapping[str, Any] | None) -> _Compiled:
        by_keys = self._compiled.get(statement)
        if by_keys is None:
            by_keys = self._compiled[statement] = {}
        keys = None if isinstance(statement, Select) else frozenset(parameters or ())
        compiled = by_keys.get(keys)
        if compiled is None:
            compiled = by_keys[keys] = _Compiled(
                statement, self._dialect, None if keys is None else sorted(keys))
        return compiled

    def _error(self, error: Exception, compiled: _Compiled, arguments: list[Any]) -> Exception:
        """The exception SQLAlchemy raises for this DB-API error."""
        dbapi = self._dialect.loaded_dbapi
        if isinstance(error, DBAPIError) or not isinstance(error, dbapi.Error):
            return error
        return DBAPIError.instance(compiled.sql, arguments, error, dbapi.Error,
                                   dialect=self._dialect)


class AsyncpgStatements(_Statements):
    """PostgreSQL: statements that return rows, on the asyncpg connection."""

    def handles(self, statement: Any) -> bool:
        return isinstance(statement, Select)

    async def execute(self, connection: AsyncConnection, statement: Any,
                      parameters: Mapping[str, Any] | None) -> Any:
        """Run ``statement`` in ``connection``'s transaction (begun if not yet)."""
        compiled = self._compile(statement, parameters)
        arguments = compiled.arguments(parameters)
        if not connection.in_transaction():  # so commit() and rollback() reach the driver
            await connection.begin()
        # in a transaction the pooled connection is at hand: no greenlet hop
        # (``get_raw_connection()`` would make one per statement)
        pooled = connection.sync_connection.connection
        adapted, driver = pooled.dbapi_connection, pooled.driver_connection
        try:
            if adapted._transaction is None:  # SQLAlchemy begins at the first statement
                await adapted._start_transaction()
            records = await driver.fetch(compiled.sql, *arguments)
        except Exception as error:
            try:
                adapted._handle_exception(error)  # raises it as a DB-API error
            except Exception as dbapi_error:
                raise self._error(dbapi_error, compiled, arguments) from error
            raise
        return compiled.result(records)


class SqliteStatements(_Statements):
    """SQLite: every statement, on the sqlite3 connection of the session."""

    def handles(self, statement: Any) -> bool:
        return True

    async def execute(self, connection: Any, statement: Any,
                      parameters: Mapping[str, Any] | None) -> Any:
        """Run ``statement`` on ``connection`` (an
        :class:`~storage.sqlite_session.InlineConnection`, in its transaction)."""
        compiled = self._compile(statement, parameters)
        arguments = compiled.arguments(parameters)
        cursor = connection.sync_connection.connection.driver_connection.cursor()
        try:
            cursor.execute(compiled.sql, arguments)
            if compiled.columns is None:
                return RowCount(cursor.rowcount)
            return compiled.result(cursor.fetchall())
        except Exception as error:
            raise self._error(error, compiled, arguments) from error
        finally:
            cursor.close()


DirectStatements = AsyncpgStatements | SqliteStatements


def direct_statements(dialect: Dialect) -> DirectStatements | None:
    """The direct runner for the engine's driver, or None (SQLAlchemy runs all)."""
    if dialect.driver == "asyncpg":
        return AsyncpgStatements(dialect)
    if dialect.name == "sqlite":
        return SqliteStatements(dialect)
    return None


__all__ = ["AsyncpgStatements", "DirectStatements", "RowCount", "SqliteStatements",
           "direct_statements"]
