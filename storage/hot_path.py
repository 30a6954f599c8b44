"""The per-turn fast path: Core statements for SQLite and PostgreSQL, built once
per dialect and run with a dict of parameters (no ORM identity map, no flush, no
statement cache key recomputed).

* :func:`turn_query`: a turn's first read (conversation, officer, agency,
  assignment, round and answers) in one query; on PostgreSQL it also claims the
  delivery id.
* :func:`bind_query`: what binding an invite reads (and on PostgreSQL claims).
* :func:`hot`: the turn's other reads and its writes (:data:`WRITES`).
* :func:`write_batch`: PostgreSQL sends a turn's pending writes as one statement.

Only the repositories behind a turn (turns, answers, conversations, invites,
identities, rounds, assignments, agencies, inbound, audit) and the unit of work's
write batching (:mod:`storage.transaction`) use it.
"""

from __future__ import annotations

import functools
import weakref
from types import SimpleNamespace
from typing import Any

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
from sqlalchemy.sql import Select
from sqlalchemy.sql.util import find_tables

from dialogs.domain import AssignmentStatus
from storage.direct import RowCount
from storage.models import (
    AgencyRow,
    AnswerHistoryRow,
    AnswerRow,
    AssignmentRow,
    AuditRow,
    ConversationRow,
    IdentityRow,
    InboundMessageRow,
    InviteRow,
    OfficerRow,
    RoundRow,
    SubmissionRow,
)
from storage.rows import AGENCY_FIELDS, ROUND_FIELDS

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
CONVERSATION_COLUMNS = (
    "channel", "user_id", "state", "officer_id", "assignment_id", "step", "data", "version",
)
ASSIGNMENT_COLUMNS = ("id", "round_id", "agency_id", "status", "submitted_at")



def rowcount(result: Any) -> int:
    assert isinstance(result, CursorResult | RowCount)
    return result.rowcount


@functools.cache
def turn_query(dialect: str, *, claiming: bool = False) -> Any:
    """The query of a turn's first read (``uow.turns.load``), built once per dialect
    (bound by channel, user). The conversation's answers come along as one JSON array of
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
        *(conv.c[n].label(f"c_{n}") for n in CONVERSATION_COLUMNS),
        ident.c.last_seen_at.label("i_last_seen_at"),
        *(off.c[n].label(f"o_{n}") for n in ("id", "agency_id", "full_name", "role")),
        *(ag.c[n].label(f"ag_{n}") for n in ("id", *AGENCY_FIELDS)),
        *(asg.c[n].label(f"a_{n}") for n in ASSIGNMENT_COLUMNS),
        *(rnd.c[n].label(f"r_{n}") for n in ("id", *ROUND_FIELDS)),
        _answers_json(dialect, conv.c.assignment_id),
    ).select_from(joined)


def _answers_json(dialect: str, assignment_id: Any) -> Any:
    """The assignment's answers as one JSON array of ``[id, question, value, version]``
    (a column ``answers``; read back by :meth:`storage.transaction.Transaction.keep_assignment`)."""
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
def previous_answers_query() -> Any:
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
def bind_query(dialect: str) -> Any:
    """What :meth:`storage.repositories.invites.InviteRepository.bind` reads, in one query (bound by
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


def dialect_insert(dialect: str) -> Any:
    """The dialect's ``insert``, which knows ``ON CONFLICT DO NOTHING``."""
    return (postgresql if dialect == "postgresql" else sqlite).insert


def _where(column: Any) -> Any:
    """A WHERE parameter for ``column`` (named apart from the SET parameters)."""
    return bindparam(f"w_{column.name}", type_=column.type)


@functools.cache
def hot(dialect: str) -> SimpleNamespace:
    """A turn's writes and reads, built once per dialect: each runs with a dict of
    parameters (``w_*`` for the WHERE clause, column names for the values), so
    SQLAlchemy neither rebuilds the statement nor recomputes its cache key."""
    insert = dialect_insert(dialect)
    answers, identities = _ANSWERS, _IDENTITIES
    answer_key = (answers.c.assignment_id == _where(answers.c.assignment_id),
                  answers.c.question_id == _where(answers.c.question_id))
    return SimpleNamespace(
        claim=insert(_INBOUND).on_conflict_do_nothing(index_elements=["channel", "message_id"]),
        answers=select(answers.c.question_id, answers.c.value, answers.c.version)
        .where(answers.c.assignment_id == _where(answers.c.assignment_id))
        .order_by(answers.c.id),
        answer=select(answers.c.value, answers.c.version).where(*answer_key),
        **{kind: _write_statement(dialect, kind) for kind in WRITES},
        agency=select(_AGENCIES).where(_AGENCIES.c.id == _where(_AGENCIES.c.id)),
        round=select(_ROUNDS).where(_ROUNDS.c.id == _where(_ROUNDS.c.id)),
        assignment=select(_ASSIGNMENTS).where(_ASSIGNMENTS.c.id == _where(_ASSIGNMENTS.c.id)),
        open_assignments=select(
            *(_ASSIGNMENTS.c[n].label(f"a_{n}") for n in ASSIGNMENT_COLUMNS),
            *(_ROUNDS.c[n].label(f"r_{n}") for n in ("id", *ROUND_FIELDS)),
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
WRITES: dict[str, tuple[Any, tuple[str, ...], tuple[str, ...]]] = {
    "insert_answer": (_ANSWERS, (), ("assignment_id", "question_id", "value", "updated_at",
                                     "updated_by_officer_id", "version")),
    "update_answer": (_ANSWERS, ("assignment_id", "question_id", "version"),
                      ("value", "updated_at", "updated_by_officer_id", "version")),
    "delete_answer": (_ANSWERS, ("assignment_id", "question_id", "version"), ()),
    "history": (_ANSWER_HISTORY, (), ("assignment_id", "question_id", "old", "new",
                                      "officer_id", "at")),
    "start_assignment": (_ASSIGNMENTS, ("id",), ("status", "updated_at")),
    "insert_conversation": (_CONVERSATIONS, (), (*CONVERSATION_COLUMNS, "updated_at")),
    "update_conversation": (_CONVERSATIONS, ("channel", "user_id", "version"),
                            (*CONVERSATION_COLUMNS[2:], "updated_at")),
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
    table, where, values = WRITES[kind]
    params = {name: bindparam(f"{prefix}v_{name}", type_=table.c[name].type) for name in values}
    if not where:
        stmt = dialect_insert(dialect)(table).values(params)
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
def write_batch(kinds: tuple[str, ...]) -> Any:
    """PostgreSQL: several writes in one statement, each a data-modifying CTE (their
    parameters prefixed ``p<i>_``); the row counts how many rows each one touched."""
    counts = []
    for i, kind in enumerate(kinds):
        table = WRITES[kind][0]
        cte = _write_statement("postgresql", kind, f"p{i}_") \
            .returning(table.c[_pk(table)]).cte(f"w{i}")
        counts.append(select(func.count()).select_from(cte).scalar_subquery().label(f"n{i}"))
    return select(*counts)


def _pk(table: Any) -> str:
    return next(iter(table.primary_key.columns)).name


def independent(statement: Any, writes: list[tuple[str, dict[str, Any], str | None]]) -> bool:
    """Whether ``statement`` is a query that reads none of the tables ``writes``
    change, so it may run before them (its result is the same either way)."""
    if not isinstance(statement, Select):
        return False
    read = _tables_read.get(statement)
    if read is None:  # the statements are built once (see hot), so is this
        read = _tables_read[statement] = frozenset(find_tables(statement, include_crud=True))
    return read.isdisjoint(WRITES[kind][0] for kind, _, _ in writes)


_tables_read: weakref.WeakKeyDictionary[Any, frozenset[Any]] = weakref.WeakKeyDictionary()


