"""One transaction on the database: what :class:`storage.uow.SqlUnitOfWork` owns
besides its repositories.

It holds the connection and session (``async with`` … ``commit()``; leaving
without commit rolls back), runs the fast path's Core statements
(:meth:`Transaction.execute`), batches a turn's writes on PostgreSQL
(:meth:`Transaction.write`, sent as one statement with the next query or the
commit) and remembers what this transaction read (answers, assignment statuses,
rounds and agencies), so a turn reads each once. Repositories
(:mod:`storage.repositories`) take a transaction and use these.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable
from typing import Any, Self

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from dialogs.domain import Agency, Assignment, AssignmentStatus, Round
from dialogs.ports import Clock, ConflictError
from storage import hot_path
from storage.direct import DirectStatements
from storage.gate import Gate
from storage.hot_path import ASSIGNMENT_COLUMNS, independent, rowcount, write_batch
from storage.rows import ROUND_FIELDS
from storage.sqlite_session import InlineSession

#: PostgreSQL: a write not sent yet, as (kind, parameters, conflict message)
PendingWrite = tuple[str, dict[str, Any], str | None]


class Transaction:
    """The session, connection and write batching of one unit of work."""

    def __init__(
        self,
        sessions: Callable[[Any], AsyncSession | InlineSession],
        dialect: str,
        clock: Clock,
        gate: Gate | None = None,
        direct: DirectStatements | None = None,
        connect: Callable[[], Any] | None = None,
    ):
        self._sessions = sessions
        self._connect = connect
        self._direct = direct
        self.dialect = dialect
        self.clock = clock
        self._gate = gate
        self.hot = hot_path.hot(dialect)
        self._active = False
        #: PostgreSQL: the Core connection held for the whole unit of work
        self._held: AsyncConnection | None = None
        self._session: AsyncSession | InlineSession | None = None
        #: the connection of the current transaction (see :meth:`execute`)
        self._connection: Any = None
        #: PostgreSQL: writes not sent yet
        self._writes: list[PendingWrite] = []
        #: answers read in this transaction: assignment -> question -> (value, version)
        self.known_answers: dict[int, dict[str, tuple[Any, int]]] = {}
        #: assignment statuses read in this transaction (spares a no-op UPDATE per answer)
        self.known_statuses: dict[int, AssignmentStatus] = {}
        #: rounds and agencies read in this transaction (by the turn's first queries)
        self.known_rounds: dict[int, Round] = {}
        self.known_agencies: dict[int, Agency] = {}

    # --- lifecycle -----------------------------------------------------------

    async def __aenter__(self) -> Self:
        if self._active:
            raise RuntimeError("this unit of work is already in use")
        if self._gate is not None:
            await self._gate.acquire()
        try:
            if self._connect is not None:
                self._held = self._connection = await self._connect()
            else:
                self._session = self._sessions(None)
        except BaseException:
            if self._gate is not None:
                self._gate.release()
            raise
        self._active = True
        return self

    async def __aexit__(self, *exc: object) -> None:
        if not self._active:
            raise RuntimeError("this unit of work is not in use")
        session, held = self._session, self._held
        self._active, self._session, self._held, self._connection = False, None, None, None
        self._writes = []
        self._forget()
        async with contextlib.AsyncExitStack() as cleanup:  # each step runs even if one fails
            if self._gate is not None:
                cleanup.callback(self._gate.release)
            if held is not None:
                cleanup.push_async_callback(held.close)  # to the pool, rolled back if open
            if session is not None:
                cleanup.push_async_callback(session.close)
                if held is None:
                    await session.rollback()

    async def commit(self) -> None:
        await self.flush_writes()
        if self._session is not None:
            await self._session.commit()
        if self._held is not None and self._held.in_transaction():
            await self._held.commit()
        self._connection = self._held  # SQLite: the next transaction's, found on first use
        self._forget()

    async def rollback(self) -> None:
        self._writes = []
        if self._session is not None:
            await self._session.rollback()
        if self._held is not None and self._held.in_transaction():
            await self._held.rollback()
        self._connection = self._held
        self._forget()

    def _forget(self) -> None:
        """Drop what this transaction read (answers, statuses, rounds, agencies)."""
        self.known_answers.clear()
        self.known_statuses.clear()
        self.known_rounds.clear()
        self.known_agencies.clear()

    # --- statements ----------------------------------------------------------

    @property
    def session(self) -> Any:
        """The SQLAlchemy session (only inside ``async with``): on PostgreSQL an
        ``AsyncSession`` made on first use, on the unit of work's connection and
        owning its transaction; on SQLite an
        :class:`~storage.sqlite_session.InlineSession` with the same methods. While
        PostgreSQL writes are pending (:meth:`write`), a wrapper that sends them
        before any database call, so every query sees them."""
        if not self._active:
            raise RuntimeError("use the unit of work inside 'async with'")
        if self._session is None:  # PostgreSQL: made on first use, on the held connection
            self._session = self._sessions(self._held)
        return _FlushFirst(self, self._session) if self._writes else self._session

    async def execute(self, statement: Any, parameters: dict[str, Any] | None = None) -> Any:
        """Run a Core statement on the transaction's connection (the hot path: no
        ORM result processing). Pending ORM changes are flushed first, so the
        statement sees them; so are pending writes (:meth:`write`), except before
        a query that reads none of the tables they write (it cannot see them)."""
        if self._writes and not independent(statement, self._writes):
            await self.flush_writes()
        session = self._session
        if session is not None and (session.new or session.dirty or session.deleted):
            await session.flush()
        if self._connection is None:
            self._connection = await self.session.connection()
        if self._direct is not None and self._direct.handles(statement):
            return await self._direct.execute(self._connection, statement, parameters)
        return await self._connection.execute(statement, parameters)

    def insert(self, model: type[Any]) -> Any:
        """A dialect-specific INSERT that knows ``ON CONFLICT DO NOTHING``."""
        return hot_path.dialect_insert(self.dialect)(model)

    # --- a turn's writes -----------------------------------------------------

    def has_pending(self, suffix: str) -> bool:
        """Whether a write of a kind ending with ``suffix`` is waiting to be sent."""
        return any(kind.endswith(suffix) for kind, _, _ in self._writes)

    async def write(self, kind: str, parameters: dict[str, Any], *,
                    check: str | None = None) -> None:
        """One of a turn's writes (:data:`storage.hot_path.WRITES`); with ``check``,
        it must touch exactly one row, else ConflictError(check). SQLite runs it now.
        PostgreSQL keeps it until the next statement or commit and sends the writes
        kept so far as one statement (a turn's answer, history row and conversation:
        one round trip instead of three)."""
        if self.dialect == "postgresql":
            self._writes.append((kind, parameters, check))
            return
        if rowcount(await self.execute(getattr(self.hot, kind), parameters)) != 1 and check:
            self.known_answers.clear()
            raise ConflictError(check)

    async def flush_writes(self) -> None:
        writes, self._writes = self._writes, []
        if not writes:
            return
        parameters = {f"p{i}_{name}": value for i, (_, values, _) in enumerate(writes)
                      for name, value in values.items()}
        counts = (await self.execute(
            write_batch(tuple(kind for kind, _, _ in writes)), parameters)).one()
        for count, (_, _, check) in zip(counts, writes, strict=True):
            if check and count != 1:
                self.known_answers.clear()
                raise ConflictError(check)

    async def write_audit(self, action: str, entity: str, entity_id: object, *,
                          actor_officer_id: int | None, now: Any,
                          detail: dict[str, Any] | None = None) -> None:
        """Append one row to the audit log (a :meth:`write`)."""
        await self.write("audit", {
            "v_at": now, "v_actor_officer_id": actor_officer_id, "v_action": action,
            "v_entity": entity, "v_entity_id": None if entity_id is None else str(entity_id),
            "v_detail": detail or {}})

    def keep_assignment(self, row: Any) -> tuple[Assignment, Round | None]:
        """The assignment (``a_*``) and round (``r_*``) of a row with its answers
        (:func:`storage.hot_path.turn_query`), kept for the rest of the transaction."""
        assignment = Assignment(
            **{n: row[f"a_{n}"] for n in ASSIGNMENT_COLUMNS if n != "status"},
            status=AssignmentStatus(row["a_status"]))
        self.known_statuses[assignment.id] = assignment.status
        self.known_answers[assignment.id] = {
            question: (value, version)
            for _, question, value, version in sorted(row["answers"] or [])}
        round_ = None
        if row["r_id"] is not None:
            round_ = self.known_rounds[row["r_id"]] = Round(
                id=row["r_id"], **{n: row[f"r_{n}"] for n in ROUND_FIELDS})
        return assignment, round_


class _FlushFirst:
    """A session whose database calls first send the transaction's pending writes."""

    def __init__(self, transaction: Transaction, session: Any) -> None:
        self._transaction, self._session = transaction, session

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._session, name)
        if not inspect.iscoroutinefunction(attribute):
            return attribute

        async def call(*args: Any, **kwargs: Any) -> Any:
            await self._transaction.flush_writes()
            return await attribute(*args, **kwargs)

        return call


class Repository:
    """Base of the unit of work's repositories: each works in the transaction it is given."""

    __slots__ = ("_tx",)

    def __init__(self, tx: Transaction) -> None:
        self._tx = tx
