"""SQLAlchemy ORM models: the database tables.

These classes never leave ``storage``: :mod:`storage.uow` converts rows into the
plain dataclasses of :mod:`dialogs.domain`. Every timestamp is stored in UTC and
comes back timezone-aware on every backend (see :class:`UTCDateTime`).

Changing a table means a new Alembic revision in ``storage/migrations/versions``;
the integration tests compare the migrated schema with these models.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    func,
    true,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from dialogs.vn import fold

# Named constraints: Alembic's batch mode on SQLite needs names to alter them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware datetime stored in UTC.

    Naive datetimes are refused on the way in (they are always a bug here: every
    clock in the project is aware). SQLite keeps no offset, so values read back
    naive are marked UTC; PostgreSQL ``timestamptz`` values are converted to UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: pass a timezone-aware value")
        value = value.astimezone(dt.UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {  # noqa: RUF012 — SQLAlchemy reads this class attribute
        dt.datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
    }


def agency_search_key(name: str, abbreviation: str) -> str:
    """What the dashboard's search looks in: name and abbreviation folded (lower case,
    no diacritics, ``đ`` → ``d``), so that ``LIKE '%so y te%'`` finds "Sở Y tế"."""
    return fold(f"{name} {abbreviation}")


def _search_key_default(context: DefaultExecutionContext) -> str:
    """For an INSERT that does not give the key (bulk inserts of a bench or a test);
    ``uow.agencies`` always sets it, on an update too."""
    values = context.get_current_parameters()
    return agency_search_key(values.get("name") or "", values.get("abbreviation") or "")


class AgencyRow(Base):
    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    abbreviation: Mapped[str] = mapped_column(String(50), unique=True)
    governing_body: Mapped[str] = mapped_column(String(300))
    place: Mapped[str] = mapped_column(String(100))
    signer_name: Mapped[str] = mapped_column(String(200))
    signer_position: Mapped[str] = mapped_column(String(200))
    signer_authority: Mapped[str | None] = mapped_column(String(200))
    drafting_unit: Mapped[str] = mapped_column(String(50))
    level: Mapped[str] = mapped_column(String(20))
    is_collector: Mapped[bool] = mapped_column(Boolean, default=False)
    #: False: deactivated on the dashboard (kept for history, not offered any more).
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    #: :func:`agency_search_key` of name and abbreviation (kept by ``uow.agencies``).
    search_key: Mapped[str] = mapped_column(Text, default=_search_key_default)


class OfficerRow(Base):
    __tablename__ = "officers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))  # "officer" | "dic"
    created_at: Mapped[dt.datetime]


class IdentityRow(Base):
    """One chat identity (channel + user id) bound to an officer."""

    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("channel", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(30))
    user_id: Mapped[str] = mapped_column(String(100))
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"), index=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    last_seen_at: Mapped[dt.datetime | None]


class InviteRow(Base):
    """A single-use invite code; only the sha256 of the normalised code is kept."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]
    used_by_officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))


class TemplateRow(Base):
    """A snapshot of a template's YAML source, per (id, version)."""

    __tablename__ = "templates"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime]
    #: "yaml", "xlsform" (uploaded) or "bundled" (shipped with the package)
    source_format: Mapped[str] = mapped_column(String(20), default="yaml", server_default="yaml")
    published_by: Mapped[str | None] = mapped_column(String(200))
    #: set when retired: no new round may use any version of this template
    retired_at: Mapped[dt.datetime | None]


class RoundRow(Base):
    __tablename__ = "rounds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    template_id: Mapped[str] = mapped_column(String(100), index=True)
    template_version: Mapped[int] = mapped_column(Integer)
    period_label: Mapped[str] = mapped_column(String(100))
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    deadline: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))  # "open" | "closed"
    province: Mapped[str] = mapped_column(String(100))
    collector: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[dt.datetime]
    #: The round's reminder policy (``bot.reminders.ReminderPolicy`` as JSON); None: default.
    reminder_policy: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class AssignmentRow(Base):
    __tablename__ = "assignments"
    __table_args__ = (UniqueConstraint("round_id", "agency_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    submitted_at: Mapped[dt.datetime | None]
    updated_at: Mapped[dt.datetime]


class AnswerRow(Base):
    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("assignment_id", "question_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"))
    question_id: Mapped[str] = mapped_column(String(100))
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[dt.datetime]
    updated_by_officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    version: Mapped[int] = mapped_column(Integer)


class AnswerHistoryRow(Base):
    """Append-only: every change of an answer (``None`` = absent)."""

    __tablename__ = "answer_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"), index=True)
    question_id: Mapped[str] = mapped_column(String(100))
    old: Mapped[Any] = mapped_column(JSON(none_as_null=True), nullable=True)
    new: Mapped[Any] = mapped_column(JSON(none_as_null=True), nullable=True)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    at: Mapped[dt.datetime]


class SubmissionRow(Base):
    """An immutable submitted version of an assignment, with its DOCX."""

    __tablename__ = "submissions"
    __table_args__ = (UniqueConstraint("assignment_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"))
    version: Mapped[int] = mapped_column(Integer)
    answers: Mapped[dict[str, Any]]
    docx: Mapped[bytes] = mapped_column(LargeBinary)
    filename: Mapped[str] = mapped_column(String(255))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    submitted_at: Mapped[dt.datetime]


class ConversationRow(Base):
    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("channel", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(30))
    user_id: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(50))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignments.id"))
    step: Mapped[str | None] = mapped_column(String(200))
    data: Mapped[dict[str, Any]]
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[dt.datetime]


class InboundMessageRow(Base):
    """Delivery ids already processed (de-duplication of webhook retries)."""

    __tablename__ = "inbound_messages"
    __table_args__ = (UniqueConstraint("channel", "message_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(30))
    message_id: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[dt.datetime] = mapped_column(index=True)  # purged by age
    #: the replies of the first handling, for channels that answer a retry with them
    #: (web chat); NULL elsewhere
    replies: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class AuditRow(Base):
    """Append-only log of who changed what."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(index=True)
    actor_officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    action: Mapped[str] = mapped_column(String(50))
    entity: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[str | None] = mapped_column(String(100))
    detail: Mapped[dict[str, Any]]


class OutboxRow(Base):
    """Messages to push to an identity outside a reply (reminders, notices).

    Written in the same transaction as the decision to send, delivered later by
    ``bot.outbox.Dispatcher``; ``dedupe_key`` makes a notice go out at most once.
    """

    __tablename__ = "outbox"
    __table_args__ = (UniqueConstraint("dedupe_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(30))
    user_id: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]]
    dedupe_key: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime]
    not_before: Mapped[dt.datetime] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    claimed_until: Mapped[dt.datetime | None]
    delivered_at: Mapped[dt.datetime | None]
    failed_at: Mapped[dt.datetime | None]


# PostgreSQL only (migration 0012): the assignment part of a dedupe key ("open:aN:…"),
# for the round page's delivery counts (uow.outbox.deliveries_by_assignment)
Index("ix_outbox_dedupe_assignment",
      func.split_part(OutboxRow.dedupe_key, ":", 2)).ddl_if(dialect="postgresql")


class ChannelStateRow(Base):
    """Small durable state of a channel (Zalo OA tokens, polling offsets…)."""

    __tablename__ = "channel_state"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[dict[str, Any]]
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[dt.datetime]


class ReminderRow(Base):
    """One reminder of one assignment, recorded before it is sent (at most once).

    ``status``: planned → sent | skipped | cancelled; ``reason`` says why it was
    skipped or cancelled. The unique key makes planning and sending idempotent.
    """

    __tablename__ = "reminders"
    __table_args__ = (UniqueConstraint("assignment_id", "kind", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"))
    kind: Mapped[str] = mapped_column(String(30))  # "before_7", "due_day", "overdue", "nudge"
    due_at: Mapped[dt.datetime] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    created_at: Mapped[dt.datetime]
    sent_at: Mapped[dt.datetime | None]
    reason: Mapped[str | None] = mapped_column(String(200))


class WebhookInboxRow(Base):
    """A webhook event as received, committed before the platform gets its 2xx
    (:mod:`bot.inbox`); handled from here in order per user, once.

    ``event_key`` is the platform's delivery id (Zalo ``msg_id``, Telegram
    ``update_id`` …): a re-delivery of a stored event is not stored again.
    """

    __tablename__ = "webhook_inbox"
    __table_args__ = (UniqueConstraint("channel", "event_key"),
                      Index("ix_webhook_inbox_user", "channel", "user_key", "id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(30))
    event_key: Mapped[str] = mapped_column(String(200))
    user_key: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)  # the raw request body (UTF-8)
    received_at: Mapped[dt.datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_until: Mapped[dt.datetime | None]
    handled_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    failed_at: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


class MessagingWindowRow(Base):
    """Zalo OA's messaging window of one identity (:mod:`bot.channels.zalo_window`):
    when the user last wrote, and how many messages the OA sent since."""

    __tablename__ = "messaging_windows"

    channel: Mapped[str] = mapped_column(String(30), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    last_interaction_at: Mapped[dt.datetime | None]
    sent_since: Mapped[int] = mapped_column(Integer, default=0)
    paid_sent: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[dt.datetime]


class OfficerPhoneRow(Base):
    """An officer's phone number for ZNS reminders, normalised (84912345678)."""

    __tablename__ = "officer_phones"

    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"), primary_key=True)
    phone: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(20))  # "csv" | "chat" | "admin"
    updated_at: Mapped[dt.datetime]


class RoundReferencesRow(Base):
    """What a round's documents cite and whom they go to (``dialogs.references``):
    request documents, grounds and recipients, as JSON."""

    __tablename__ = "round_references"

    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), primary_key=True)
    value: Mapped[dict[str, Any]]
    updated_at: Mapped[dt.datetime]


class AssignmentReferencesRow(Base):
    """An agency's own grounds and recipients for one round, set by its officer."""

    __tablename__ = "assignment_references"

    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"), primary_key=True)
    value: Mapped[dict[str, Any]]
    updated_at: Mapped[dt.datetime]


class DashboardSessionRow(Base):
    """A DIC officer's dashboard session: the cookie holds only the token, whose hash
    is the key; logout or the DIC's revoke ends it at once."""

    __tablename__ = "dashboard_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)
    revoked_at: Mapped[dt.datetime | None]
    user_agent: Mapped[str | None] = mapped_column(String(200))


class SignedDocumentRow(Base):
    """A digitally signed PDF that passed verification ("đã ký số"): an agency's
    submission (``submission_id`` set) or the round's roll-up (``submission_id`` None)."""

    __tablename__ = "signed_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"), index=True)
    signer: Mapped[str] = mapped_column(String(300))
    issuer: Mapped[str] = mapped_column(String(300))
    signed_at: Mapped[dt.datetime | None]
    verified_at: Mapped[dt.datetime]
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    channel: Mapped[str] = mapped_column(String(30))
    filename: Mapped[str] = mapped_column(String(255))
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    checks: Mapped[str] = mapped_column(String(300))  # what was checked (revocation or not)


class AgencyPhoneRow(Base):
    """The phone number the agencies CSV gives for an agency's reporting officer
    (normalised); copied to the officer who binds for the agency (ZNS reminders)."""

    __tablename__ = "agency_phones"

    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), primary_key=True)
    phone: Mapped[str] = mapped_column(String(20))
    updated_at: Mapped[dt.datetime]
