"""The SQL unit of work: :class:`dialogs.ports.UnitOfWork` on SQLAlchemy.

Usage::

    make_uow = uow_factory(engine)
    async with make_uow() as uow:
        round_ = await uow.rounds.get(round_id)
        await uow.answers.set(assignment_id, "staff_total", 40, officer_id, now)
        await uow.commit()

Leaving the block without ``commit()`` rolls back. The unit of work owns the
transaction (:class:`storage.transaction.Transaction`: session, connection,
batched writes) and holds one repository per aggregate (:mod:`storage.repositories`);
repositories return plain records (:mod:`dialogs.domain`, :mod:`dialogs.ports`,
:mod:`storage.records`), never ORM objects. The statements of a turn's fast path
are in :mod:`storage.hot_path`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from dialogs.ports import Clock
from storage.db import sqlite_session_engine
from storage.direct import direct_statements
from storage.gate import Gate, gates, pool_size
from storage.repositories.agencies import AgencyRepository
from storage.repositories.answers import AnswerRepository
from storage.repositories.assignments import AssignmentRepository
from storage.repositories.audit import AuditRepository
from storage.repositories.channel_state import ChannelStateRepository
from storage.repositories.conversations import ConversationRepository
from storage.repositories.dashboard_sessions import DashboardSessionRepository
from storage.repositories.identities import IdentityRepository
from storage.repositories.inbound import InboundRepository
from storage.repositories.inbox import InboxRepository
from storage.repositories.invites import InviteRepository
from storage.repositories.keyboards import KeyboardRepository
from storage.repositories.officers import OfficerRepository
from storage.repositories.outbox import OutboxRepository
from storage.repositories.phones import PhoneRepository
from storage.repositories.references import ReferenceRepository
from storage.repositories.rounds import RoundRepository
from storage.repositories.signatures import SignatureRepository
from storage.repositories.submissions import SubmissionRepository
from storage.repositories.template_drafts import TemplateDraftRepository
from storage.repositories.templates import TemplateRepository
from storage.repositories.turns import TurnRepository
from storage.repositories.windows import WindowRepository
from storage.sqlite_session import InlineSession, inline_sessions
from storage.transaction import Transaction


class SystemClock:
    """The real clock (UTC). Tests pass their own :class:`dialogs.ports.Clock`."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


R = TypeVar("R")


class _Made(Generic[R]):
    """A repository of the unit of work, made on first use and then kept in the
    instance (a unit of work per turn makes only the few a turn uses)."""

    def __init__(self, kind: Callable[[Transaction], R]) -> None:
        self._kind = kind

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    def __get__(self, uow: Transaction | None, owner: type | None = None) -> R:
        if uow is None:
            return self  # type: ignore[return-value]  # the class's attribute
        repository = uow.__dict__[self._name] = self._kind(uow)
        return repository


class SqlUnitOfWork(Transaction):
    """One transaction on the database, with a repository per aggregate."""

    # what a turn uses (declared in dialogs.ports)
    turns = _Made(TurnRepository)
    inbound = _Made(InboundRepository)
    conversations = _Made(ConversationRepository)
    invites = _Made(InviteRepository)
    identities = _Made(IdentityRepository)
    officers = _Made(OfficerRepository)
    agencies = _Made(AgencyRepository)
    rounds = _Made(RoundRepository)
    assignments = _Made(AssignmentRepository)
    answers = _Made(AnswerRepository)
    submissions = _Made(SubmissionRepository)
    references = _Made(ReferenceRepository)
    audit = _Made(AuditRepository)
    # the operator side: CLI, dashboard, scheduler, channels
    templates = _Made(TemplateRepository)
    template_drafts = _Made(TemplateDraftRepository)
    outbox = _Made(OutboxRepository)
    inbox = _Made(InboxRepository)
    channel_state = _Made(ChannelStateRepository)
    keyboards = _Made(KeyboardRepository)
    windows = _Made(WindowRepository)
    phones = _Made(PhoneRepository)
    signatures = _Made(SignatureRepository)
    dashboard_sessions = _Made(DashboardSessionRepository)


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
        capacity = 1 if self._dialect == "sqlite" else pool_size(engine)
        self._gate: Gate | None = gates.setdefault(engine.sync_engine, Gate(capacity)) \
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
