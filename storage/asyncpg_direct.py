"""PostgreSQL's hot path: a turn's prebuilt queries run on asyncpg directly.

SQLAlchemy's async execution costs ~0.23 ms of CPU per statement on top of
asyncpg's own ~0.1 ms (measured on the turn query: greenlet switch, execution
context, parameter and result processing). A turn's few big queries are built
once (:mod:`storage.uow`), so they are also compiled once here, and run on the
driver connection of the session's transaction with the same parameter and
result processing SQLAlchemy would apply (the types' processors), returning an
ordinary SQLAlchemy :class:`~sqlalchemy.engine.Result`. Errors are raised as
SQLAlchemy raises them (``sqlalchemy.exc.IntegrityError`` and so on).

Only ``SELECT`` statements (data-modifying CTEs included) go this way. The
transaction is begun, and driver errors translated, through SQLAlchemy 2.1's
asyncpg adapter (``_transaction``, ``_start_transaction``, ``_handle_exception``),
hence the ``<2.2`` pin; ``tests/integration/storage/test_asyncpg_direct.py`` checks
each. SQLAlchemy's statement events and echo do not see these statements.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.engine import Dialect, Result
from sqlalchemy.engine.result import IteratorResult, SimpleResultMetaData
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import Select

Processor = Callable[[Any], Any] | None


class _Compiled:
    """A statement compiled for asyncpg: SQL, its parameters in order (with the
    values fixed at build time) and each parameter's and column's processor."""

    __slots__ = ("columns", "fixed", "names", "params", "results", "sql")

    def __init__(self, statement: Select[Any], dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        self.sql = compiled.string
        self.names = tuple(compiled.positiontup or ())
        by_name = {name: compiled.binds[name] for name in self.names}
        self.fixed = {name: bind.effective_value for name, bind in by_name.items()
                      if not bind.required}
        self.params: tuple[Processor, ...] = tuple(
            by_name[name].type.dialect_impl(dialect).bind_processor(dialect)
            for name in self.names)
        self.columns = SimpleResultMetaData([c.key for c in statement.selected_columns])
        self.results: tuple[Processor, ...] = tuple(
            c.type.dialect_impl(dialect).result_processor(dialect, None)
            for c in statement.selected_columns)

    def arguments(self, parameters: Mapping[str, Any]) -> list[Any]:
        values = []
        for name, process in zip(self.names, self.params, strict=True):
            value = parameters[name] if name in parameters else self.fixed[name]
            values.append(value if process is None else process(value))
        return values

    def row(self, record: Any) -> tuple[Any, ...]:
        return tuple(value if process is None else process(value)
                     for value, process in zip(record, self.results, strict=True))


class DirectQueries:
    """Per engine: runs prebuilt ``SELECT`` statements on asyncpg directly."""

    def __init__(self, dialect: Dialect) -> None:
        self._dialect = dialect
        self._compiled: weakref.WeakKeyDictionary[Any, _Compiled] = weakref.WeakKeyDictionary()

    async def execute(
        self, connection: AsyncConnection, statement: Select[Any],
        parameters: Mapping[str, Any] | None,
    ) -> Result[Any]:
        """Run ``statement`` in ``connection``'s transaction (begun if not yet)."""
        compiled = self._compiled.get(statement)
        if compiled is None:
            compiled = self._compiled[statement] = _Compiled(statement, self._dialect)
        arguments = compiled.arguments(parameters or {})
        if not connection.in_transaction():  # so commit() and rollback() reach the driver
            await connection.begin()
        pooled = await connection.get_raw_connection()
        adapted, driver = pooled.dbapi_connection, pooled.driver_connection
        try:
            if adapted._transaction is None:  # SQLAlchemy begins at the first statement
                await adapted._start_transaction()
            records = await driver.fetch(compiled.sql, *arguments)
        except Exception as error:
            raise self._translated(adapted, error, compiled, arguments) from error
        return IteratorResult(compiled.columns, iter([compiled.row(r) for r in records]))

    def _translated(self, adapted: Any, error: Exception, compiled: _Compiled,
                    arguments: list[Any]) -> Exception:
        """The exception SQLAlchemy would raise for this driver error."""
        if isinstance(error, DBAPIError):
            return error
        try:
            adapted._handle_exception(error)  # raises the driver error as a DB-API one
        except Exception as dbapi_error:
            error = dbapi_error
        dbapi = self._dialect.loaded_dbapi
        if not isinstance(error, dbapi.Error):
            return error
        return DBAPIError.instance(compiled.sql, arguments, error, dbapi.Error,
                                   dialect=self._dialect)


__all__ = ["DirectQueries"]
