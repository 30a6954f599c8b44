"""The SQL unit of work: :class:`dialogs.ports.UnitOfWork` on SQLAlchemy.

Usage::

    make_uow = uow_factory(engine)
    async with make_uow() as uow:
        ...
        await uow.commit()

Leaving the block without ``commit()`` rolls back. Every method returns plain
records (:mod:`dialogs.domain`, :mod:`dialogs.ports`, :mod:`storage.records`),
never ORM objects. Besides the port, the class has the queries and writes the
operator side (:mod:`storage.admin`, the CLI, the scheduler) needs.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import functools
import inspect
import weakref
from collections.abc import Callable, Iterable
from types import SimpleNamespace
from typing import Any, Self

from sqlalchemy import (
    JSON,
    and_,
    bindparam,
    case,
    delete,
    func,
    literal,
    literal_column,
    or_,
    select,
    type_coerce,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
)
from sqlalchemy.sql import Select
from sqlalchemy.sql.util import find_tables

from dialogs.domain import Agency, Assignment, AssignmentStatus, Conversation, Officer, Round
from dialogs.messages import Outbound, from_payload, to_payload
from dialogs.ports import (
    BindError,
    Clock,
    ConflictError,
    OutboxItem,
    SubmissionRecord,
    TurnContext,
)
from dialogs.references import DocumentReferences
from storage.db import sqlite_session_engine
from storage.direct import DirectStatements, RowCount, direct_statements
from storage.filenames import versioned_filename
from storage.invites import hash_invite_code
from storage.models import (
    AgencyRow,
    AnswerHistoryRow,
    AnswerRow,
    AssignmentRow,
    AuditRow,
    ChannelStateRow,
    ConversationRow,
    IdentityRow,
    InboundMessageRow,
    InviteRow,
    OfficerRow,
    OutboxRow,
    RoundRow,
    SubmissionRow,
    TemplateRow,
)
from storage.records import AnswerChange, AuditEntry, Identity, TemplateSource
from storage.sqlite_session import InlineSession, inline_sessions

#: An agency's fields as stored (also the columns of the agencies CSV import).
AGENCY_FIELDS = (
    "name",
    "abbreviation",
    "governing_body",
    "place",
    "signer_name",
    "signer_position",
    "signer_authority",
    "drafting_unit",
    "level",
    "is_collector",
)
_ROUND_FIELDS = (
    "template_id",
    "template_version",
    "period_label",
    "period_start",
    "period_end",
    "deadline",
    "status",
    "province",
    "collector",
)
_ROLES = frozenset({"officer", "dic"})

# Core tables for the per-turn hot path (no ORM identity map or unit-of-work flush).
_CONVERSATIONS = ConversationRow.__table__
_IDENTITIES = IdentityRow.__table__
_OFFICERS = OfficerRow.__table__
_AGENCIES = AgencyRow.__table__
_ASSIGNMENTS = AssignmentRow.__table__
_ROUNDS = RoundRow.__table__
_ANSWERS = AnswerRow.__table__
_ANSWER_HISTORY = AnswerHistoryRow.__table__
_INBOUND = InboundMessageRow.__table__
_INVITES = InviteRow.__table__
_AUDIT = AuditRow.__table__
_CONVERSATION_COLUMNS = (
    "channel", "user_id", "state", "officer_id", "assignment_id", "step", "data", "version",
)
_ASSIGNMENT_COLUMNS = ("id", "round_id", "agency_id", "status", "submitted_at")


class SystemClock:
    """The real clock (UTC). Tests pass their own :class:`dialogs.ports.Clock`."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


# --- row → record -------------------------------------------------------------


def _agency(row: Any) -> Agency:
    return Agency(id=row.id, **{name: getattr(row, name) for name in AGENCY_FIELDS})


def _officer(row: OfficerRow) -> Officer:
    return Officer(id=row.id, agency_id=row.agency_id, full_name=row.full_name, role=row.role)


def _round(row: Any) -> Round:
    return Round(id=row.id, **{name: getattr(row, name) for name in _ROUND_FIELDS})


def _assignment(row: Any) -> Assignment:
    return Assignment(
        id=row.id,
        round_id=row.round_id,
        agency_id=row.agency_id,
        status=AssignmentStatus(row.status),
        submitted_at=row.submitted_at,
    )


def _submission(row: SubmissionRow) -> SubmissionRecord:
    return SubmissionRecord(
        id=row.id,
        assignment_id=row.assignment_id,
        version=row.version,
        submitted_at=row.submitted_at,
        officer_id=row.officer_id,
        filename=row.filename,
        answers=dict(row.answers),
    )


def _identity(row: IdentityRow) -> Identity:
    return Identity(
        channel=row.channel,
        user_id=row.user_id,
        officer_id=row.officer_id,
        display_name=row.display_name,
        last_seen_at=row.last_seen_at,
    )


def same_json(a: Any, b: Any) -> bool:
    """Whether two answer values are the same JSON document (``1``, ``1.0`` and
    ``True`` differ, a list and a tuple with the same items do not), compared
    in place: a table's answer is re-checked at every cell, and encoding it twice
    each time was a tenth of a turn."""
    if a is b:
        return True
    if isinstance(a, dict):
        return (isinstance(b, dict) and a.keys() == b.keys()
                and all(same_json(value, b[key]) for key, value in a.items()))
    if isinstance(a, list | tuple):
        return (isinstance(b, list | tuple) and len(a) == len(b)
                and all(map(same_json, a, b)))
    return type(a) is type(b) and a == b


def _rowcount(result: Any) -> int:
    assert isinstance(result, CursorResult | RowCount)
    return result.rowcount


@functools.cache
def _turn_query(dialect: str, *, claiming: bool = False) -> Any:
    """:meth:`SqlUnitOfWork.load_turn`'s query, built once per dialect (bound by
    channel, user). The conversation's answers come along as one JSON array of
    ``[id, question, value, version]``. ``claiming`` (PostgreSQL): the query also
    records the delivery (bound by message_id, received_at) in a data-modifying
    CTE and says whether it was new (``claimed``)."""
    conv, ident, off, ag = _CONVERSATIONS, _IDENTITIES, _OFFICERS, _AGENCIES
    asg, rnd = _ASSIGNMENTS, _ROUNDS
    channel, user_id = bindparam("channel"), bindparam("user_id")
    one = select(literal(1).label("one")).subquery("one")
    joined = (
        one.outerjoin(conv, and_(conv.c.channel == channel, conv.c.user_id == user_id))
        .outerjoin(ident, and_(ident.c.channel == channel, ident.c.user_id == user_id))
        .outerjoin(off, off.c.id == ident.c.officer_id)
        .outerjoin(ag, ag.c.id == off.c.agency_id)
        .outerjoin(asg, asg.c.id == conv.c.assignment_id)
        .outerjoin(rnd, rnd.c.id == asg.c.round_id)
    )
    claimed = []
    if claiming:
        claim = (
            postgresql.insert(_INBOUND)
            .values(channel=channel, message_id=bindparam("message_id"),
                    received_at=bindparam("received_at", type_=_INBOUND.c.received_at.type))
            .on_conflict_do_nothing(index_elements=["channel", "message_id"])
            .returning(_INBOUND.c.id)
            .cte("claim")
        )
        claimed = [select(func.count()).select_from(claim).scalar_subquery().label("claimed")]
    return select(
        *claimed,
        *(conv.c[n].label(f"c_{n}") for n in _CONVERSATION_COLUMNS),
        ident.c.last_seen_at.label("i_last_seen_at"),
        *(off.c[n].label(f"o_{n}") for n in ("id", "agency_id", "full_name", "role")),
        *(ag.c[n].label(f"ag_{n}") for n in ("id", *AGENCY_FIELDS)),
        *(asg.c[n].label(f"a_{n}") for n in _ASSIGNMENT_COLUMNS),
        *(rnd.c[n].label(f"r_{n}") for n in ("id", *_ROUND_FIELDS)),
        _answers_json(dialect, conv.c.assignment_id),
    ).select_from(joined)


def _answers_json(dialect: str, assignment_id: Any) -> Any:
    """The assignment's answers as one JSON array of ``[id, question, value, version]``
    (a column ``answers``; read back by :meth:`SqlUnitOfWork._keep_assignment`)."""
    ans = _ANSWERS
    if dialect == "postgresql":
        answers = func.json_agg(func.json_build_array(
            ans.c.id, ans.c.question_id, ans.c.value, ans.c.version))
    else:
        answers = func.json_group_array(func.json_array(
            ans.c.id, ans.c.question_id, func.json(ans.c.value), ans.c.version))
    answers = select(answers).where(ans.c.assignment_id == assignment_id)
    return type_coerce(answers.scalar_subquery(), JSON).label("answers")


@functools.cache
def _previous_answers_query() -> Any:
    """The answers of the agency's latest submission of the same template in an
    earlier round than the assignment's (bound by ``assignment_id``)."""
    current, current_round = _ASSIGNMENTS.alias("current"), _ROUNDS.alias("current_round")
    earlier, earlier_round = _ASSIGNMENTS.alias("earlier"), _ROUNDS.alias("earlier_round")
    submissions = SubmissionRow.__table__
    return (
        select(submissions.c.answers)
        .select_from(
            current.join(current_round, current_round.c.id == current.c.round_id)
            .join(earlier, earlier.c.agency_id == current.c.agency_id)
            .join(earlier_round, and_(
                earlier_round.c.id == earlier.c.round_id,
                earlier_round.c.template_id == current_round.c.template_id,
                or_(
                    earlier_round.c.created_at < current_round.c.created_at,
                    and_(earlier_round.c.created_at == current_round.c.created_at,
                         earlier_round.c.id < current_round.c.id),
                ),
            ))
            .join(submissions, submissions.c.assignment_id == earlier.c.id)
        )
        .where(current.c.id == bindparam("assignment_id"))
        .order_by(earlier_round.c.created_at.desc(), earlier_round.c.id.desc(),
                  submissions.c.version.desc())
        .limit(1)
    )


def _claim_invite_statement() -> Any:
    """Mark an unused, unexpired invite used (bound by code_hash, now); returns its
    id, agency and role, or no row. Of two concurrent claims, one wins. (Named
    ``w_code_hash`` and ``w_now``: a parameter named like a column would be SET.)"""
    invites = _INVITES
    now = bindparam("w_now", type_=invites.c.used_at.type)
    return (
        update(invites)
        .where(invites.c.code_hash == bindparam("w_code_hash"), invites.c.used_at.is_(None),
               invites.c.expires_at > now)
        .values(used_at=now)
        .returning(invites.c.id, invites.c.agency_id, invites.c.role)
    )


@functools.cache
def _bind_query(dialect: str) -> Any:
    """What :meth:`SqlUnitOfWork.bind_invite` reads, in one query (bound by
    w_code_hash, channel, user_id, w_now): the invite as it was (``invite_id``,
    ``used_at``, ``expires_at``: why a claim failed), the claim (``claimed_*``,
    null when it failed), the chat identity and its officer (``o_*``), the
    invite's agency (``ag_*``) and the id a new officer gets (``next_officer_id``).
    On PostgreSQL the claim is a data-modifying CTE of the query (whose other
    parts see the invite as it was before); SQLite runs it first and binds its
    result (claimed_id, claimed_agency_id, claimed_role)."""
    invites, ident, off, ag = _INVITES, _IDENTITIES, _OFFICERS, _AGENCIES
    one = select(literal(1).label("one")).subquery("one")
    if dialect == "postgresql":
        claim = _claim_invite_statement().cte("claim")
        claimed_id, claimed_agency_id, claimed_role = claim.c.id, claim.c.agency_id, claim.c.role
        joined = one.outerjoin(claim, literal(True))
    else:
        joined = one
        claimed_id = bindparam("claimed_id", type_=invites.c.id.type)
        claimed_agency_id = bindparam("claimed_agency_id", type_=invites.c.agency_id.type)
        claimed_role = bindparam("claimed_role", type_=invites.c.role.type)
    joined = (
        joined.outerjoin(invites, invites.c.code_hash == bindparam("w_code_hash"))
        .outerjoin(ident, and_(ident.c.channel == bindparam("channel"),
                               ident.c.user_id == bindparam("user_id")))
        .outerjoin(off, off.c.id == ident.c.officer_id)
        .outerjoin(ag, ag.c.id == claimed_agency_id)
    )
    # A new officer's id, taken only when one is made (PostgreSQL: from the sequence;
    # SQLite: the unit of work holds the write lock, so the next id is max + 1).
    if dialect == "postgresql":
        new_id = func.nextval(func.pg_get_serial_sequence(
            literal_column(f"'{off.name}'"), literal_column("'id'")))
    else:
        numbered = off.alias("numbered")
        new_id = select(func.coalesce(func.max(numbered.c.id), 0) + 1).scalar_subquery()
    makes_officer = and_(claimed_id.is_not(None), or_(
        off.c.agency_id.is_(None), off.c.agency_id != claimed_agency_id))
    return select(
        invites.c.id.label("invite_id"), invites.c.used_at, invites.c.expires_at,
        claimed_id.label("claimed_id"), claimed_role.label("claimed_role"),
        ident.c.id.label("identity_id"), ident.c.display_name,
        *(off.c[n].label(f"o_{n}") for n in ("id", "agency_id", "full_name", "role")),
        *(ag.c[n].label(f"ag_{n}") for n in ("id", *AGENCY_FIELDS)),
        case((makes_officer, new_id)).label("next_officer_id"),
    ).select_from(joined)


def _dialect_insert(dialect: str) -> Any:
    """The dialect's ``insert``, which knows ``ON CONFLICT DO NOTHING``."""
    return (postgresql if dialect == "postgresql" else sqlite).insert


def _where(column: Any) -> Any:
    """A WHERE parameter for ``column`` (named apart from the SET parameters)."""
    return bindparam(f"w_{column.name}", type_=column.type)


@functools.cache
def _hot(dialect: str) -> SimpleNamespace:
    """A turn's writes and reads, built once per dialect: each runs with a dict of
    parameters (``w_*`` for the WHERE clause, column names for the values), so
    SQLAlchemy neither rebuilds the statement nor recomputes its cache key."""
    insert = _dialect_insert(dialect)
    answers, identities = _ANSWERS, _IDENTITIES
    answer_key = (answers.c.assignment_id == _where(answers.c.assignment_id),
                  answers.c.question_id == _where(answers.c.question_id))
    return SimpleNamespace(
        claim=insert(_INBOUND).on_conflict_do_nothing(index_elements=["channel", "message_id"]),
        answers=select(answers.c.question_id, answers.c.value, answers.c.version)
        .where(answers.c.assignment_id == _where(answers.c.assignment_id))
        .order_by(answers.c.id),
        answer=select(answers.c.value, answers.c.version).where(*answer_key),
        **{kind: _write_statement(dialect, kind) for kind in _WRITES},
        agency=select(_AGENCIES).where(_AGENCIES.c.id == _where(_AGENCIES.c.id)),
        round=select(_ROUNDS).where(_ROUNDS.c.id == _where(_ROUNDS.c.id)),
        assignment=select(_ASSIGNMENTS).where(_ASSIGNMENTS.c.id == _where(_ASSIGNMENTS.c.id)),
        open_assignments=select(
            *(_ASSIGNMENTS.c[n].label(f"a_{n}") for n in _ASSIGNMENT_COLUMNS),
            *(_ROUNDS.c[n].label(f"r_{n}") for n in ("id", *_ROUND_FIELDS)),
            _answers_json(dialect, _ASSIGNMENTS.c.id))
        .join(_ROUNDS, _ASSIGNMENTS.c.round_id == _ROUNDS.c.id)
        .where(_ASSIGNMENTS.c.agency_id == _where(_ASSIGNMENTS.c.agency_id),
               _ROUNDS.c.status == "open")
        .order_by(_ROUNDS.c.created_at.desc(), _ROUNDS.c.id.desc()),
        claim_invite=_claim_invite_statement(),
        touch_identity=update(identities).where(
            identities.c.channel == _where(identities.c.channel),
            identities.c.user_id == _where(identities.c.user_id)),
    )


#: A turn's writes, as (table, WHERE columns, VALUES/SET columns). Their statements take
#: ``<prefix>w_<column>`` for the WHERE clause and ``<prefix>v_<column>`` for the values.
_WRITES: dict[str, tuple[Any, tuple[str, ...], tuple[str, ...]]] = {
    "insert_answer": (_ANSWERS, (), ("assignment_id", "question_id", "value", "updated_at",
                                     "updated_by_officer_id", "version")),
    "update_answer": (_ANSWERS, ("assignment_id", "question_id", "version"),
                      ("value", "updated_at", "updated_by_officer_id", "version")),
    "delete_answer": (_ANSWERS, ("assignment_id", "question_id", "version"), ()),
    "history": (_ANSWER_HISTORY, (), ("assignment_id", "question_id", "old", "new",
                                      "officer_id", "at")),
    "start_assignment": (_ASSIGNMENTS, ("id",), ("status", "updated_at")),
    "insert_conversation": (_CONVERSATIONS, (), (*_CONVERSATION_COLUMNS, "updated_at")),
    "update_conversation": (_CONVERSATIONS, ("channel", "user_id", "version"),
                            (*_CONVERSATION_COLUMNS[2:], "updated_at")),
    "insert_officer": (_OFFICERS, (), ("id", "agency_id", "full_name", "role", "created_at")),
    "promote_officer": (_OFFICERS, ("id",), ("role",)),
    "insert_identity": (_IDENTITIES, (), ("channel", "user_id", "officer_id", "display_name",
                                          "last_seen_at")),
    "bind_identity": (_IDENTITIES, ("id",), ("officer_id", "display_name", "last_seen_at")),
    "use_invite": (_INVITES, ("id",), ("used_by_officer_id",)),
    "audit": (_AUDIT, (), ("at", "actor_officer_id", "action", "entity", "entity_id", "detail")),
}
_CONFLICT_TARGETS = {"insert_answer": ["assignment_id", "question_id"],
                     "insert_conversation": ["channel", "user_id"],
                     "insert_identity": ["channel", "user_id"]}


def _write_statement(dialect: str, kind: str, prefix: str = "") -> Any:
    table, where, values = _WRITES[kind]
    params = {name: bindparam(f"{prefix}v_{name}", type_=table.c[name].type) for name in values}
    if not where:
        stmt = _dialect_insert(dialect)(table).values(params)
        if kind in _CONFLICT_TARGETS:
            stmt = stmt.on_conflict_do_nothing(index_elements=_CONFLICT_TARGETS[kind])
        return stmt
    conditions = [table.c[name] == bindparam(f"{prefix}w_{name}", type_=table.c[name].type)
                  for name in where]
    if kind == "start_assignment":
        # literal SQL, not an expanding IN parameter (rendered again at every execution)
        conditions.append(table.c.status.in_([
            literal_column(f"'{status.value}'")
            for status in (AssignmentStatus.NOT_STARTED, AssignmentStatus.RETURNED)]))
    if kind.startswith("delete"):
        return delete(table).where(*conditions)
    return update(table).where(*conditions).values(params)


@functools.cache
def _write_batch(kinds: tuple[str, ...]) -> Any:
    """PostgreSQL: several writes in one statement, each a data-modifying CTE (their
    parameters prefixed ``p<i>_``); the row counts how many rows each one touched."""
    counts = []
    for i, kind in enumerate(kinds):
        table = _WRITES[kind][0]
        cte = _write_statement("postgresql", kind, f"p{i}_") \
            .returning(table.c[_pk(table)]).cte(f"w{i}")
        counts.append(select(func.count()).select_from(cte).scalar_subquery().label(f"n{i}"))
    return select(*counts)


def _pk(table: Any) -> str:
    return next(iter(table.primary_key.columns)).name


def _independent(statement: Any, writes: list[tuple[str, dict[str, Any], str | None]]) -> bool:
    """Whether ``statement`` is a query that reads none of the tables ``writes``
    change, so it may run before them (its result is the same either way)."""
    if not isinstance(statement, Select):
        return False
    read = _tables_read.get(statement)
    if read is None:  # the statements are built once (see _hot), so is this
        read = _tables_read[statement] = frozenset(find_tables(statement, include_crud=True))
    return read.isdisjoint(_WRITES[kind][0] for kind, _, _ in writes)


_tables_read: weakref.WeakKeyDictionary[Any, frozenset[Any]] = weakref.WeakKeyDictionary()


class SqlUnitOfWork:
    """One transaction on the database; see the module docstring."""

    def __init__(
        self,
        sessions: Callable[[Any], AsyncSession | InlineSession],
        dialect: str,
        clock: Clock,
        gate: _Gate | None = None,
        direct: DirectStatements | None = None,
        connect: Callable[[], Any] | None = None,
    ):
        self._sessions = sessions
        self._connect = connect
        self._direct = direct
        self._dialect = dialect
        self._clock = clock
        self._gate = gate
        self._hot = _hot(dialect)
        self._active = False
        #: PostgreSQL: the Core connection held for the whole unit of work
        self._held: AsyncConnection | None = None
        self._session: AsyncSession | InlineSession | None = None
        #: the connection of the current transaction (see :meth:`_execute`)
        self._connection: Any = None
        #: PostgreSQL: writes not sent yet, as (kind, parameters, conflict message)
        self._writes: list[tuple[str, dict[str, Any], str | None]] = []
        #: answers read in this transaction: assignment -> question -> (value, version)
        self._answers: dict[int, dict[str, tuple[Any, int]]] = {}
        #: assignment statuses read in this transaction (spares a no-op UPDATE per answer)
        self._statuses: dict[int, AssignmentStatus] = {}
        #: rounds and agencies read in this transaction (by the turn's first queries)
        self._rounds: dict[int, Round] = {}
        self._agencies: dict[int, Agency] = {}

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
        await self._flush_writes()
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
        self._answers.clear()
        self._statuses.clear()
        self._rounds.clear()
        self._agencies.clear()

    @property
    def session(self) -> Any:
        """The SQLAlchemy session (only inside ``async with``): on PostgreSQL an
        ``AsyncSession`` made on first use, on the unit of work's connection and
        owning its transaction; on SQLite an
        :class:`~storage.sqlite_session.InlineSession` with the same methods. While
        PostgreSQL writes are pending (:meth:`_write`), a wrapper that sends them
        before any database call, so every query sees them."""
        if not self._active:
            raise RuntimeError("use the unit of work inside 'async with'")
        if self._session is None:  # PostgreSQL: made on first use, on the held connection
            self._session = self._sessions(self._held)
        return _FlushFirst(self, self._session) if self._writes else self._session

    async def _execute(self, statement: Any, parameters: dict[str, Any] | None = None) -> Any:
        """Run a Core statement on the transaction's connection (the hot path: no
        ORM result processing). Pending ORM changes are flushed first, so the
        statement sees them; so are pending writes (:meth:`_write`), except before
        a query that reads none of the tables they write (it cannot see them)."""
        if self._writes and not _independent(statement, self._writes):
            await self._flush_writes()
        session = self._session
        if session is not None and (session.new or session.dirty or session.deleted):
            await session.flush()
        if self._connection is None:
            self._connection = await self.session.connection()
        if self._direct is not None and self._direct.handles(statement):
            return await self._direct.execute(self._connection, statement, parameters)
        return await self._connection.execute(statement, parameters)

    def _insert(self, model: type[Any]) -> Any:
        """A dialect-specific INSERT that knows ``ON CONFLICT DO NOTHING``."""
        return _dialect_insert(self._dialect)(model)

    async def audit(
        self,
        action: str,
        entity: str,
        entity_id: object,
        *,
        actor_officer_id: int | None,
        now: dt.datetime,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Append one row to the audit log (a :meth:`_write`)."""
        await self._write("audit", {
            "v_at": now, "v_actor_officer_id": actor_officer_id, "v_action": action,
            "v_entity": entity, "v_entity_id": None if entity_id is None else str(entity_id),
            "v_detail": detail or {}})

    async def audit_entries(self, *, entity: str | None = None) -> list[AuditEntry]:
        """The audit log, oldest first (optionally for one kind of entity)."""
        stmt = select(AuditRow).order_by(AuditRow.at, AuditRow.id)
        if entity is not None:
            stmt = stmt.where(AuditRow.entity == entity)
        rows = (await self.session.scalars(stmt)).all()
        return [
            AuditEntry(
                at=r.at,
                actor_officer_id=r.actor_officer_id,
                action=r.action,
                entity=r.entity,
                entity_id=r.entity_id,
                detail=dict(r.detail),
            )
            for r in rows
        ]

    # --- inbound de-duplication ---------------------------------------------------

    async def claim_inbound(self, channel: str, message_id: str, now: dt.datetime) -> bool:
        """Record a delivery id; False when it was already processed."""
        result = await self._execute(
            self._hot.claim, {"channel": channel, "message_id": message_id, "received_at": now})
        return _rowcount(result) == 1

    async def keep_replies(self, channel: str, message_id: str, payload: dict) -> None:
        from storage.repositories.inbound import keep_replies

        await keep_replies(self, channel, message_id, payload)

    async def kept_replies(self, channel: str, message_id: str) -> dict | None:
        from storage.repositories.inbound import kept_replies

        return await kept_replies(self, channel, message_id)

    # --- outbox: messages pushed outside a reply ------------------------------

    async def enqueue(
        self,
        channel: str,
        user_id: str,
        messages: list[Outbound],
        *,
        now: dt.datetime,
        dedupe_key: str | None = None,
        not_before: dt.datetime | None = None,
    ) -> bool:
        """Queue messages for an identity; False when ``dedupe_key`` was queued before."""
        stmt = (
            self._insert(OutboxRow)
            .values(
                channel=channel, user_id=user_id, payload=to_payload(messages),
                dedupe_key=dedupe_key, created_at=now, not_before=not_before or now,
                attempts=0,
            )
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
        )
        return _rowcount(await self.session.execute(stmt)) == 1

    async def claim_outbox(
        self, now: dt.datetime, *, limit: int = 100, lease: dt.timedelta = dt.timedelta(minutes=2),
        channels: Iterable[str] | None = None,
    ) -> list[OutboxItem]:
        """Lease up to ``limit`` due messages to this process (other processes skip
        them until the lease ends). Commit to make the lease visible."""
        query = (
            select(OutboxRow)
            .where(
                OutboxRow.delivered_at.is_(None), OutboxRow.failed_at.is_(None),
                OutboxRow.not_before <= now,
                or_(OutboxRow.claimed_until.is_(None), OutboxRow.claimed_until < now),
            )
            .order_by(OutboxRow.not_before, OutboxRow.id)
            .limit(limit)
        )
        if channels is not None:
            query = query.where(OutboxRow.channel.in_(list(channels)))
        if self._dialect == "postgresql":
            query = query.with_for_update(skip_locked=True)
        else:  # SQLite: take the write lock before reading, or two dispatchers claim one row
            await self.session.execute(
                update(OutboxRow).where(OutboxRow.id == -1).values(attempts=OutboxRow.attempts)
                .execution_options(synchronize_session=False)
            )
        rows = list(await self.session.scalars(query))
        items = []
        for row in rows:
            row.claimed_until = now + lease
            row.attempts += 1
            items.append(OutboxItem(row.id, row.channel, row.user_id, from_payload(row.payload),
                                    row.attempts, row.dedupe_key))
        await self.session.flush()
        return items

    async def finish_outbox(
        self, item_id: int, now: dt.datetime, *, error: str | None = None,
        retry_at: dt.datetime | None = None,
    ) -> None:
        """Mark delivered (no error), retry later (``retry_at``) or failed for good."""
        values: dict[str, Any] = {"claimed_until": None, "last_error": error}
        if error is None:
            values["delivered_at"] = now
        elif retry_at is not None:
            values["not_before"] = retry_at
        else:
            values["failed_at"] = now
        await self.session.execute(
            update(OutboxRow).where(OutboxRow.id == item_id).values(**values)
        )

    async def take_outbox(
        self, channel: str, user_id: str, now: dt.datetime, *, limit: int = 20
    ) -> list[OutboxItem]:
        """Hand a pull channel (the web chat) its due messages, marking them delivered."""
        query = (
            select(OutboxRow)
            .where(
                OutboxRow.channel == channel, OutboxRow.user_id == user_id,
                OutboxRow.delivered_at.is_(None), OutboxRow.failed_at.is_(None),
                OutboxRow.not_before <= now,
            )
            .order_by(OutboxRow.not_before, OutboxRow.id)
            .limit(limit)
        )
        if self._dialect == "postgresql":
            query = query.with_for_update(skip_locked=True)
        items = []
        for row in await self.session.scalars(query):
            row.delivered_at = now
            row.attempts += 1
            items.append(OutboxItem(row.id, row.channel, row.user_id, from_payload(row.payload),
                                    row.attempts, row.dedupe_key))
        await self.session.flush()
        return items

    async def outbox_status(self, dedupe_key: str) -> str | None:
        """"queued" | "delivered" | "failed" | None (never queued)."""
        row = await self.session.scalar(select(OutboxRow).where(OutboxRow.dedupe_key == dedupe_key))
        if row is None:
            return None
        if row.delivered_at is not None:
            return "delivered"
        return "failed" if row.failed_at is not None else "queued"

    # --- channel state ---------------------------------------------------------

    async def get_channel_state(self, key: str, *, lock: bool = False) -> dict[str, Any] | None:
        """A channel's stored state; ``lock`` holds a row lock (PostgreSQL; the write lock
        on SQLite) until commit, so one process at a time can e.g. refresh a single-use
        token. With ``lock``, call this first in its unit of work."""
        query = select(ChannelStateRow).where(ChannelStateRow.key == key)
        if lock and self._dialect == "postgresql":
            query = query.with_for_update()
        elif lock:  # SQLite has no row locks: a no-op write takes the database's write lock
            await self.session.execute(
                update(ChannelStateRow)
                .where(ChannelStateRow.key == key)
                .values(version=ChannelStateRow.version)
                .execution_options(synchronize_session=False)
            )
        row = await self.session.scalar(query)
        return None if row is None else dict(row.value)

    async def put_channel_state(self, key: str, value: dict[str, Any], now: dt.datetime) -> None:
        row = await self.session.get(ChannelStateRow, key)
        if row is None:
            self.session.add(ChannelStateRow(key=key, value=value, version=1, updated_at=now))
        else:
            row.value, row.version, row.updated_at = value, row.version + 1, now
        await self.session.flush()

    # --- conversations -------------------------------------------------------

    async def begin_turn(
        self, channel: str, user_id: str, message_id: str | None, now: dt.datetime
    ) -> TurnContext | None:
        """Claim the delivery (:meth:`claim_inbound`) and :meth:`load_turn`; None when
        this delivery was processed already. On PostgreSQL this is one statement."""
        if message_id is None:
            return await self.load_turn(channel, user_id)
        if self._dialect != "postgresql":
            if not await self.claim_inbound(channel, message_id, now):
                return None
            return await self.load_turn(channel, user_id)
        result = await self._execute(_turn_query(self._dialect, claiming=True), {
            "channel": channel, "user_id": user_id, "message_id": message_id,
            "received_at": now})
        row = result.one()._mapping
        return self._turn_context(row) if row["claimed"] else None

    async def load_turn(self, channel: str, user_id: str) -> TurnContext:
        """The conversation, the identity's officer and agency, and the conversation's
        assignment, round and answers, in one query (a turn's first read)."""
        result = await self._execute(
            _turn_query(self._dialect), {"channel": channel, "user_id": user_id})
        return self._turn_context(result.one()._mapping)

    def _turn_context(self, row: Any) -> TurnContext:
        conversation = None
        if row["c_version"] is not None:
            conversation = Conversation(
                **{n: row[f"c_{n}"] for n in _CONVERSATION_COLUMNS if n != "data"},
                data=dict(row["c_data"] or {}),
            )
        officer = None if row["o_id"] is None else Officer(
            id=row["o_id"], agency_id=row["o_agency_id"], full_name=row["o_full_name"],
            role=row["o_role"])
        agency = None if row["ag_id"] is None else Agency(
            id=row["ag_id"], **{n: row[f"ag_{n}"] for n in AGENCY_FIELDS})
        if agency is not None:
            self._agencies[agency.id] = agency
        assignment, round_ = None, None
        if row["a_id"] is not None:
            assignment, round_ = self._keep_assignment(row)
        return TurnContext(conversation, officer, agency, assignment, round_,
                           row["i_last_seen_at"])

    def _keep_assignment(self, row: Any) -> tuple[Assignment, Round | None]:
        """The assignment (``a_*``) and round (``r_*``) of a row with its answers
        (:func:`_answers_json`), kept for the rest of the transaction."""
        assignment = Assignment(
            **{n: row[f"a_{n}"] for n in _ASSIGNMENT_COLUMNS if n != "status"},
            status=AssignmentStatus(row["a_status"]))
        self._statuses[assignment.id] = assignment.status
        self._answers[assignment.id] = {
            question: (value, version)
            for _, question, value, version in sorted(row["answers"] or [])}
        round_ = None
        if row["r_id"] is not None:
            round_ = self._rounds[row["r_id"]] = Round(
                id=row["r_id"], **{n: row[f"r_{n}"] for n in _ROUND_FIELDS})
        return assignment, round_

    async def get_conversation(self, channel: str, user_id: str) -> Conversation | None:
        row = await self.session.scalar(
            select(ConversationRow).where(
                ConversationRow.channel == channel, ConversationRow.user_id == user_id
            )
        )
        if row is None:
            return None
        return Conversation(
            channel=row.channel,
            user_id=row.user_id,
            state=row.state,
            officer_id=row.officer_id,
            assignment_id=row.assignment_id,
            step=row.step,
            data=dict(row.data),
            version=row.version,
        )

    async def save_conversation(self, conversation: Conversation) -> None:
        """Insert (version 0) or update (same version); ConflictError otherwise.

        On success ``conversation.version`` is bumped.
        """
        values: dict[str, Any] = {
            "v_state": conversation.state,
            "v_officer_id": conversation.officer_id,
            "v_assignment_id": conversation.assignment_id,
            "v_step": conversation.step,
            "v_data": dict(conversation.data),
            "v_version": conversation.version + 1,
            "v_updated_at": self._clock.now(),
        }
        if conversation.version == 0:
            kind = "insert_conversation"
            values.update(v_channel=conversation.channel, v_user_id=conversation.user_id)
        else:
            kind = "update_conversation"
            values.update(w_channel=conversation.channel, w_user_id=conversation.user_id,
                          w_version=conversation.version)
        await self._write(kind, values, check=(
            f"conversation {conversation.channel}:{conversation.user_id} changed since "
            f"version {conversation.version}"))
        await self._flush_writes()
        conversation.version += 1

    # --- identities, officers and invites ------------------------------------------

    async def add_invite(
        self,
        code_hash: str,
        agency_id: int,
        role: str,
        now: dt.datetime,
        expires_at: dt.datetime,
    ) -> int:
        """Store an invite by the hash of its code; returns its id."""
        if role not in _ROLES:
            raise ValueError(f"unknown role {role!r}")
        row = InviteRow(
            code_hash=code_hash,
            agency_id=agency_id,
            role=role,
            created_at=now,
            expires_at=expires_at,
        )
        self.session.add(row)
        await self.session.flush()
        return row.id

    async def bind_invite(
        self, code: str, channel: str, user_id: str, display_name: str | None, now: dt.datetime
    ) -> Officer:
        """Use an invite code: bind the chat identity to an officer of its agency.

        Raises ``BindError("unknown" | "used" | "expired")``. Marking the invite
        used is a conditional UPDATE, so of two concurrent uses only one wins.
        An identity already bound to an officer of the same agency keeps that
        officer (promoted to ``dic`` if the invite says so); otherwise a new
        officer is created and the identity (re)bound to it. The invite's agency
        is kept for :meth:`get_agency`. The writes go through :meth:`_write`; on
        PostgreSQL the claim and every read are one statement.
        """
        code_hash = hash_invite_code(code)
        found = await self._claim_invite(code_hash, channel, user_id, now)
        if found["claimed_id"] is None:
            raise BindError("unknown" if found["invite_id"] is None
                            else "expired" if found["used_at"] is None
                            and found["expires_at"] <= now else "used")
        agency_id, role = found["ag_id"], found["claimed_role"]
        self._agencies[agency_id] = Agency(
            id=agency_id, **{n: found[f"ag_{n}"] for n in AGENCY_FIELDS})
        if found["identity_id"] is not None and found["o_agency_id"] == agency_id:
            officer = Officer(found["o_id"], agency_id, found["o_full_name"], found["o_role"])
            if role == "dic" and officer.role != "dic":
                officer = dataclasses.replace(officer, role="dic")
                await self._write("promote_officer", {"w_id": officer.id, "v_role": "dic"})
        else:
            name = (display_name or "").strip() or f"Cán bộ {found['ag_abbreviation']}".strip()
            officer = Officer(found["next_officer_id"], agency_id, name, role)
            await self._write("insert_officer", {
                "v_id": officer.id, "v_agency_id": agency_id, "v_full_name": name,
                "v_role": role, "v_created_at": now})
        bound = {"v_officer_id": officer.id, "v_last_seen_at": now,
                 "v_display_name": display_name or found["display_name"]}
        if found["identity_id"] is None:
            await self._write("insert_identity", {
                **bound, "v_channel": channel, "v_user_id": user_id},
                check=f"identity {channel}:{user_id} bound meanwhile")
        else:
            await self._write("bind_identity", {**bound, "w_id": found["identity_id"]},
                              check=f"identity {channel}:{user_id} changed meanwhile")
        await self._write("use_invite", {
            "w_id": found["claimed_id"], "v_used_by_officer_id": officer.id})
        await self.audit(
            "identity.bind",
            "officer",
            officer.id,
            actor_officer_id=officer.id,
            now=now,
            detail={
                "channel": channel,
                "user_id": user_id,
                "agency_id": agency_id,
                "invite_id": found["claimed_id"],
                "role": officer.role,
            },
        )
        return officer

    async def _claim_invite(
        self, code_hash: str, channel: str, user_id: str, now: dt.datetime
    ) -> Any:
        """Claim the invite and read what binding needs (:func:`_bind_query`)."""
        parameters = {"w_code_hash": code_hash, "channel": channel, "user_id": user_id,
                      "w_now": now}
        if self._dialect != "postgresql":
            claimed = (await self._execute(self._hot.claim_invite, parameters)).one_or_none()
            parameters.update(claimed_id=None, claimed_agency_id=None, claimed_role=None)
            if claimed is not None:
                parameters.update(claimed_id=claimed[0], claimed_agency_id=claimed[1],
                                  claimed_role=claimed[2])
        result = await self._execute(_bind_query(self._dialect), parameters)
        return result.one()._mapping

    async def officer_for_identity(self, channel: str, user_id: str) -> Officer | None:
        row = await self.session.scalar(
            select(OfficerRow)
            .join(IdentityRow, IdentityRow.officer_id == OfficerRow.id)
            .where(IdentityRow.channel == channel, IdentityRow.user_id == user_id)
        )
        return None if row is None else _officer(row)

    async def touch_identity(self, channel: str, user_id: str, now: dt.datetime) -> None:
        """Remember when this identity last wrote to us (Zalo's messaging window)."""
        await self._execute(self._hot.touch_identity,
                            {"w_channel": channel, "w_user_id": user_id, "last_seen_at": now})

    async def list_identities(
        self, *, agency_id: int | None = None, role: str | None = None
    ) -> list[Identity]:
        """Bound chat identities, optionally of one agency and/or officer role."""
        stmt = select(IdentityRow).join(OfficerRow, IdentityRow.officer_id == OfficerRow.id)
        if agency_id is not None:
            stmt = stmt.where(OfficerRow.agency_id == agency_id)
        if role is not None:
            stmt = stmt.where(OfficerRow.role == role)
        rows = (await self.session.scalars(stmt.order_by(IdentityRow.id))).all()
        return [_identity(r) for r in rows]

    async def get_officer(self, officer_id: int) -> Officer | None:
        row = await self.session.get(OfficerRow, officer_id)
        return None if row is None else _officer(row)

    async def list_officers(self, agency_id: int) -> list[Officer]:
        rows = await self.session.scalars(
            select(OfficerRow).where(OfficerRow.agency_id == agency_id).order_by(OfficerRow.id)
        )
        return [_officer(r) for r in rows.all()]

    # --- agencies ------------------------------------------------------------------

    async def get_agency(self, agency_id: int) -> Agency | None:
        if agency_id in self._agencies:  # read by this transaction's turn query
            return self._agencies[agency_id]
        row = (await self._execute(self._hot.agency, {"w_id": agency_id})).one_or_none()
        return None if row is None else _agency(row)

    async def agency_by_abbreviation(self, abbreviation: str) -> Agency | None:
        row = await self.session.scalar(
            select(AgencyRow).where(func.upper(AgencyRow.abbreviation) == abbreviation.upper())
        )
        return None if row is None else _agency(row)

    async def list_agencies(self) -> list[Agency]:
        rows = await self.session.scalars(select(AgencyRow).order_by(AgencyRow.id))
        return [_agency(r) for r in rows.all()]

    async def save_agency(self, values: dict[str, Any]) -> Agency:
        """Insert an agency, or update the one with the same abbreviation."""
        unknown = set(values) - set(AGENCY_FIELDS)
        if unknown:
            raise ValueError(f"unknown agency fields: {sorted(unknown)}")
        row = await self.session.scalar(
            select(AgencyRow).where(
                func.upper(AgencyRow.abbreviation) == values["abbreviation"].upper()
            )
        )
        if row is None:
            row = AgencyRow(**values)
            self.session.add(row)
        else:
            for name, value in values.items():
                setattr(row, name, value)
        await self.session.flush()
        self._agencies.pop(row.id, None)
        return _agency(row)

    # --- templates -------------------------------------------------------------------

    async def save_template_source(
        self, template_id: str, version: int, name: str, source: str, now: dt.datetime
    ) -> TemplateSource:
        """Keep a snapshot of a template's YAML. A stored (id, version) is never
        changed (rounds pin it; see ``storage.repositories.templates``): saving it
        again keeps the first snapshot."""
        row = await self.session.get(TemplateRow, (template_id, version))
        if row is None:
            row = TemplateRow(id=template_id, version=version, created_at=now, name=name,
                              source=source)
            self.session.add(row)
            await self.session.flush()
        return TemplateSource(row.id, row.version, row.name, row.source, row.created_at)

    async def get_template_source(self, template_id: str, version: int) -> TemplateSource | None:
        row = await self.session.get(TemplateRow, (template_id, version))
        if row is None:
            return None
        return TemplateSource(row.id, row.version, row.name, row.source, row.created_at)

    # --- rounds and assignments ------------------------------------------------------

    async def add_round(
        self, values: dict[str, Any], agency_ids: Iterable[int], now: dt.datetime
    ) -> Round:
        """Create a round and a not-started assignment per agency."""
        row = RoundRow(created_at=now, **values)
        self.session.add(row)
        await self.session.flush()
        for agency_id in dict.fromkeys(agency_ids):
            self.session.add(
                AssignmentRow(
                    round_id=row.id,
                    agency_id=agency_id,
                    status=AssignmentStatus.NOT_STARTED.value,
                    updated_at=now,
                )
            )
        await self.session.flush()
        return _round(row)

    async def update_round(self, round_id: int, **values: Any) -> Round:
        """Change fields of a round (e.g. ``deadline``, ``status``)."""
        unknown = set(values) - set(_ROUND_FIELDS)
        if unknown:
            raise ValueError(f"unknown round fields: {sorted(unknown)}")
        row = await self.session.get(RoundRow, round_id)
        if row is None:
            raise LookupError(f"no round {round_id}")
        for name, value in values.items():
            setattr(row, name, value)
        await self.session.flush()
        self._rounds.pop(round_id, None)
        return _round(row)

    async def get_round(self, round_id: int) -> Round | None:
        if round_id in self._rounds:  # read by this transaction's turn query
            return self._rounds[round_id]
        row = (await self._execute(self._hot.round, {"w_id": round_id})).one_or_none()
        return None if row is None else _round(row)

    async def list_rounds(self, *, status: str | None = None) -> list[Round]:
        """Rounds, newest first."""
        stmt = select(RoundRow).order_by(RoundRow.created_at.desc(), RoundRow.id.desc())
        if status is not None:
            stmt = stmt.where(RoundRow.status == status)
        return [_round(r) for r in (await self.session.scalars(stmt)).all()]

    async def get_assignment(self, assignment_id: int) -> Assignment | None:
        row = (await self._execute(self._hot.assignment, {"w_id": assignment_id})).one_or_none()
        return None if row is None else _assignment(row)

    async def list_assignments(self, round_id: int) -> list[Assignment]:
        rows = await self.session.scalars(
            select(AssignmentRow)
            .where(AssignmentRow.round_id == round_id)
            .order_by(AssignmentRow.agency_id)
        )
        return [_assignment(r) for r in rows.all()]

    async def open_assignments(self, agency_id: int) -> list[Assignment]:
        """Assignments of open rounds for the agency, newest round first. Their
        rounds and answers come along (then :meth:`get_round` and :meth:`get_answers`
        need no query)."""
        rows = await self._execute(self._hot.open_assignments, {"w_agency_id": agency_id})
        return [self._keep_assignment(row._mapping)[0] for row in rows]

    async def set_assignment_status(
        self, assignment_id: int, status: str, now: dt.datetime
    ) -> None:
        new = AssignmentStatus(status)
        row = await self.session.get(AssignmentRow, assignment_id)
        if row is None:
            raise LookupError(f"no assignment {assignment_id}")
        old = row.status
        row.status = new.value
        self._statuses.pop(assignment_id, None)
        row.updated_at = now
        if new is AssignmentStatus.SUBMITTED:
            row.submitted_at = now
        await self.audit(
            "assignment.status",
            "assignment",
            assignment_id,
            actor_officer_id=None,
            now=now,
            detail={"old": old, "new": new.value},
        )

    # --- answers ---------------------------------------------------------------------

    async def get_answers(self, assignment_id: int) -> dict[str, Any]:
        known = self._answers.get(assignment_id)  # read by load_turn, kept by set_answer
        if known is None:
            rows = await self._execute(self._hot.answers, {"w_assignment_id": assignment_id})
            known = self._answers[assignment_id] = {r[0]: (r[1], r[2]) for r in rows}
        return {question_id: value for question_id, (value, _) in known.items()}

    async def set_answer(
        self,
        assignment_id: int,
        question_id: str,
        value: Any,
        officer_id: int | None,
        now: dt.datetime,
        expected: Any = ...,
    ) -> None:
        """Store the value (``None`` deletes it) with a history row (old, new, who, when).

        The history is the answers' audit trail (``baocao audit`` reads it). Setting
        the value it already has changes nothing. The first answer moves a
        not-started (or returned) assignment to in progress. With ``expected``,
        raise :class:`ConflictError` if the stored value is no longer that one (an
        officer of the same agency changed it meanwhile), so no update is lost. The
        writes go through :meth:`_write` (on PostgreSQL sent with the turn's next
        statement), so a write that finds the row changed raises there.
        """
        old, version = await self._stored_answer(assignment_id, question_id)
        if expected is not ... and not same_json(old, expected):
            raise ConflictError(f"answer {assignment_id}/{question_id} changed meanwhile")
        if old is None and value is None:
            return
        if old is not None and value is not None and same_json(old, value):
            return
        # Every write is conditional on what was read (the version, or no row), so a
        # change committed by another officer in between fails instead of being
        # overwritten; the caller rolls back and retries the turn.
        conflict = f"answer {assignment_id}/{question_id} changed meanwhile"
        if any(kind.endswith("_answer") for kind, _, _ in self._writes):
            await self._flush_writes()  # one write per row and statement
        key = {"w_assignment_id": assignment_id, "w_question_id": question_id,
               "w_version": version}
        if value is None:
            await self._write("delete_answer", key, check=conflict)
        elif old is None:
            await self._write("insert_answer", {
                "v_assignment_id": assignment_id, "v_question_id": question_id,
                "v_value": value, "v_updated_at": now, "v_updated_by_officer_id": officer_id,
                "v_version": 1}, check=conflict)
        else:
            await self._write("update_answer", {
                **key, "v_value": value, "v_updated_at": now,
                "v_updated_by_officer_id": officer_id, "v_version": version + 1},
                check=conflict)
        known = self._answers.get(assignment_id)
        if known is not None:
            if value is None:
                known.pop(question_id, None)
            else:
                known[question_id] = (value, 1 if old is None else version + 1)
        await self._write("history", {
            "v_assignment_id": assignment_id, "v_question_id": question_id, "v_old": old,
            "v_new": value, "v_officer_id": officer_id, "v_at": now})
        if self._statuses.get(assignment_id) is not AssignmentStatus.IN_PROGRESS:
            await self._write("start_assignment", {
                "w_id": assignment_id, "v_status": AssignmentStatus.IN_PROGRESS.value,
                "v_updated_at": now})
            self._statuses.pop(assignment_id, None)

    async def _write(self, kind: str, parameters: dict[str, Any], *,
                     check: str | None = None) -> None:
        """One of a turn's writes (:data:`_WRITES`); with ``check``, it must touch
        exactly one row, else ConflictError(check). SQLite runs it now. PostgreSQL
        keeps it until the next statement or commit and sends the writes kept so far
        as one statement (a turn's answer, history row and conversation: one round
        trip instead of three)."""
        if self._dialect == "postgresql":
            self._writes.append((kind, parameters, check))
            return
        if _rowcount(await self._execute(getattr(self._hot, kind), parameters)) != 1 and check:
            self._answers.clear()
            raise ConflictError(check)

    async def _flush_writes(self) -> None:
        writes, self._writes = self._writes, []
        if not writes:
            return
        parameters = {f"p{i}_{name}": value for i, (_, values, _) in enumerate(writes)
                      for name, value in values.items()}
        counts = (await self._execute(
            _write_batch(tuple(kind for kind, _, _ in writes)), parameters)).one()
        for count, (_, _, check) in zip(counts, writes, strict=True):
            if check and count != 1:
                self._answers.clear()
                raise ConflictError(check)

    async def _stored_answer(self, assignment_id: int, question_id: str) -> tuple[Any, int]:
        """(value, version) of an answer, ``(None, 0)`` when absent: from this
        transaction's :meth:`get_answers` when it read them, else from the database."""
        known = self._answers.get(assignment_id)
        if known is not None:
            return known.get(question_id, (None, 0))
        row = (await self._execute(self._hot.answer, {
            "w_assignment_id": assignment_id, "w_question_id": question_id})).one_or_none()
        return (None, 0) if row is None else (row[0], row[1])

    async def answer_history(
        self, assignment_id: int, question_id: str | None = None
    ) -> list[AnswerChange]:
        """Every change of the assignment's answers, oldest first."""
        stmt = select(AnswerHistoryRow).where(AnswerHistoryRow.assignment_id == assignment_id)
        if question_id is not None:
            stmt = stmt.where(AnswerHistoryRow.question_id == question_id)
        rows = (await self.session.scalars(stmt.order_by(AnswerHistoryRow.id))).all()
        return [
            AnswerChange(r.assignment_id, r.question_id, r.old, r.new, r.officer_id, r.at)
            for r in rows
        ]

    async def previous_answers(self, assignment_id: int) -> dict[str, Any]:
        """The agency's answers in its latest submission of the same template in an
        earlier round (rounds ordered by creation), else ``{}``."""
        result = await self._execute(_previous_answers_query(), {"assignment_id": assignment_id})
        answers = result.scalar_one_or_none()
        return dict(answers) if answers else {}

    # --- submissions -------------------------------------------------------------------

    async def document_references(
        self, round_id: int, assignment_id: int | None
    ) -> DocumentReferences:
        """What one agency's document cites and whom it goes to (issue 18)."""
        from storage.repositories.references import document_references

        return await document_references(self, round_id, assignment_id)

    async def own_references(self, assignment_id: int) -> dict[str, list[str]]:
        """The agency's own grounds and recipients for one assignment."""
        from storage.repositories.references import get_own_references

        return await get_own_references(self, assignment_id)

    async def set_own_references(self, assignment_id: int, *, grounds: list[str] | None,
                                 recipients: list[str] | None,
                                 now: dt.datetime) -> dict[str, Any]:
        """Replace the agency's own grounds and/or recipients (``None`` keeps them)."""
        from storage.repositories.references import set_own_references

        return await set_own_references(self, assignment_id, grounds=grounds,
                                        recipients=recipients, now=now)

    async def add_submission(
        self,
        assignment_id: int,
        answers: dict[str, Any],
        docx: bytes,
        filename: str,
        officer_id: int | None,
        now: dt.datetime,
    ) -> SubmissionRecord:
        """Store the next version (1, 2, …) and mark the assignment submitted."""
        # Updating the assignment first locks its row, serialising version numbers;
        # the status condition makes a second, simultaneous submit fail instead of
        # becoming version 2.
        marked = await self.session.execute(
            update(AssignmentRow)
            .where(
                AssignmentRow.id == assignment_id,
                AssignmentRow.status != AssignmentStatus.SUBMITTED.value,
            )
            .values(status=AssignmentStatus.SUBMITTED.value, submitted_at=now, updated_at=now)
        )
        if _rowcount(marked) != 1:
            if await self.session.get(AssignmentRow, assignment_id) is None:
                raise LookupError(f"no assignment {assignment_id}")
            raise ConflictError(f"assignment {assignment_id} is already submitted")
        latest = await self.session.scalar(
            select(func.max(SubmissionRow.version)).where(
                SubmissionRow.assignment_id == assignment_id
            )
        )
        version = (latest or 0) + 1
        row = SubmissionRow(
            assignment_id=assignment_id,
            version=version,
            answers=dict(answers),
            docx=bytes(docx),
            filename=versioned_filename(filename, version),
            officer_id=officer_id,
            submitted_at=now,
        )
        self.session.add(row)
        await self.session.flush()
        await self.audit(
            "submission.add",
            "assignment",
            assignment_id,
            actor_officer_id=officer_id,
            now=now,
            detail={"submission_id": row.id, "version": row.version, "filename": filename},
        )
        return _submission(row)

    async def latest_submission(self, assignment_id: int) -> SubmissionRecord | None:
        row = await self.session.scalar(
            select(SubmissionRow)
            .where(SubmissionRow.assignment_id == assignment_id)
            .order_by(SubmissionRow.version.desc())
            .limit(1)
        )
        return None if row is None else _submission(row)

    async def list_submissions(self, assignment_id: int) -> list[SubmissionRecord]:
        """Every submitted version, oldest first."""
        rows = await self.session.scalars(
            select(SubmissionRow)
            .where(SubmissionRow.assignment_id == assignment_id)
            .order_by(SubmissionRow.version)
        )
        return [_submission(r) for r in rows.all()]

    async def submission_docx(self, submission_id: int) -> tuple[str, bytes] | None:
        row = (
            await self.session.execute(
                select(SubmissionRow.filename, SubmissionRow.docx).where(
                    SubmissionRow.id == submission_id
                )
            )
        ).one_or_none()
        return None if row is None else (row.filename, bytes(row.docx))


class _FlushFirst:
    """A session whose database calls first send the unit of work's pending writes."""

    def __init__(self, uow: SqlUnitOfWork, session: Any) -> None:
        self._uow, self._session = uow, session

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._session, name)
        if not inspect.iscoroutinefunction(attribute):
            return attribute

        async def call(*args: Any, **kwargs: Any) -> Any:
            await self._uow._flush_writes()
            return await attribute(*args, **kwargs)

        return call


class _Gate:
    """Lets at most ``capacity`` units of work at a time into the database from this
    process; the rest wait their turn in arrival order.

    SQLite (capacity 1) has a single writer; without the gate, concurrent turns
    collide in SQLite's busy handler, which sleeps in coarse steps (tens of
    milliseconds) before retrying. PostgreSQL (capacity = the pool size): a burst
    of turns queues here, first come first served, instead of racing for pool
    connections, where the unlucky ones time out after 30 s. Re-entrant for a
    task that already holds a place.
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._places: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary()
        )
        self._depth: dict[asyncio.Task[Any] | None, int] = {}

    async def acquire(self) -> None:
        task = asyncio.current_task()
        if task is not None and task in self._depth:
            self._depth[task] += 1
            return
        loop = asyncio.get_running_loop()
        places = self._places.get(loop)
        if places is None:
            places = self._places[loop] = asyncio.Semaphore(self.capacity)
        await places.acquire()
        self._depth[task] = 1

    def release(self) -> None:
        task = asyncio.current_task()
        self._depth[task] -= 1
        if self._depth[task] == 0:
            del self._depth[task]
            self._places[asyncio.get_running_loop()].release()


_gates: weakref.WeakKeyDictionary[Any, _Gate] = weakref.WeakKeyDictionary()


def _pool_size(engine: AsyncEngine) -> int | None:
    """Connections the engine's pool keeps (None: a pool without a fixed size)."""
    size = getattr(engine.pool, "size", None)
    return size() if callable(size) else None


class UnitOfWorkFactory:
    """Makes a fresh :class:`SqlUnitOfWork` per call; holds the session maker."""

    def __init__(self, engine: AsyncEngine, clock: Clock | None = None) -> None:
        self.engine = engine
        self._dialect = engine.dialect.name
        self._connect: Callable[[], Any] | None = None
        self._sessions: Callable[[Any], AsyncSession | InlineSession]
        if self._dialect == "sqlite":
            inline = inline_sessions(sqlite_session_engine(engine))
            self._sessions = lambda _: inline()
        else:
            # A unit of work holds a Core connection and makes its ORM session on
            # first use, bound to that connection and owning its transaction: a
            # turn never needs one (its statements run on the connection), and
            # the session's own begin, commit and close cost ~0.2 ms of CPU.
            maker = async_sessionmaker(expire_on_commit=False,
                                       join_transaction_mode="control_fully")
            self._sessions = lambda connection: maker(bind=connection)
            self._connect = engine.connect
        self._clock: Clock = clock or SystemClock()
        # one gate per database engine, shared by factories
        capacity = 1 if self._dialect == "sqlite" else _pool_size(engine)
        self._gate: _Gate | None = _gates.setdefault(engine.sync_engine, _Gate(capacity)) \
            if capacity else None
        # SQLite: the dialect of the synchronous twin the sessions run on (pysqlite)
        self._direct = direct_statements(
            sqlite_session_engine(engine).dialect if self._dialect == "sqlite"
            else engine.dialect)

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self._sessions, self._dialect, self._clock, self._gate,
                             self._direct, self._connect)


def uow_factory(engine: AsyncEngine, clock: Clock | None = None) -> Callable[[], SqlUnitOfWork]:
    """``make_uow = uow_factory(engine)``; then ``async with make_uow() as uow: …``."""
    return UnitOfWorkFactory(engine, clock)


__all__ = ["SqlUnitOfWork", "SystemClock", "UnitOfWorkFactory", "uow_factory"]
