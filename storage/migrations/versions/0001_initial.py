"""Initial schema.

Agencies, officers, identities, invites, templates, rounds, assignments, answers
with history, submissions, conversations, inbound de-duplication and the audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer(), nullable=False)


def _pk(table: str, *columns: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint(*(columns or ("id",)), name=op.f(f"pk_{table}"))


def _ts(name: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def _uq(table: str, *columns: str) -> sa.UniqueConstraint:
    return sa.UniqueConstraint(*columns, name=op.f(f"uq_{table}_{'_'.join(columns)}"))


def _index(table: str, column: str) -> None:
    with op.batch_alter_table(table) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def upgrade() -> None:
    op.create_table(
        "agencies",
        _id(),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("abbreviation", sa.String(50), nullable=False),
        sa.Column("governing_body", sa.String(300), nullable=False),
        sa.Column("place", sa.String(100), nullable=False),
        sa.Column("signer_name", sa.String(200), nullable=False),
        sa.Column("signer_position", sa.String(200), nullable=False),
        sa.Column("signer_authority", sa.String(200), nullable=True),
        sa.Column("drafting_unit", sa.String(50), nullable=False),
        sa.Column("level", sa.String(20), nullable=False),
        sa.Column("is_collector", sa.Boolean(), nullable=False),
        _pk("agencies"),
        _uq("agencies", "abbreviation"),
    )
    op.create_table(
        "inbound_messages",
        _id(),
        sa.Column("channel", sa.String(30), nullable=False),
        sa.Column("message_id", sa.String(200), nullable=False),
        _ts("received_at"),
        _pk("inbound_messages"),
        _uq("inbound_messages", "channel", "message_id"),
    )
    op.create_table(
        "rounds",
        _id(),
        sa.Column("template_id", sa.String(100), nullable=False),
        sa.Column("template_version", sa.Integer(), nullable=False),
        sa.Column("period_label", sa.String(100), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("province", sa.String(100), nullable=False),
        sa.Column("collector", sa.String(300), nullable=False),
        _ts("created_at"),
        _pk("rounds"),
    )
    _index("rounds", "template_id")
    op.create_table(
        "templates",
        sa.Column("id", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        _ts("created_at"),
        _pk("templates", "id", "version"),
    )
    op.create_table(
        "assignments",
        _id(),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        _ts("submitted_at", nullable=True),
        _ts("updated_at"),
        _fk("assignments", "agency_id", "agencies"),
        _fk("assignments", "round_id", "rounds"),
        _pk("assignments"),
        _uq("assignments", "round_id", "agency_id"),
    )
    _index("assignments", "agency_id")
    op.create_table(
        "officers",
        _id(),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("full_name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        _ts("created_at"),
        _fk("officers", "agency_id", "agencies"),
        _pk("officers"),
    )
    _index("officers", "agency_id")
    op.create_table(
        "answer_history",
        _id(),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.String(100), nullable=False),
        sa.Column("old", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("new", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("officer_id", sa.Integer(), nullable=True),
        _ts("at"),
        _fk("answer_history", "assignment_id", "assignments"),
        _fk("answer_history", "officer_id", "officers"),
        _pk("answer_history"),
    )
    _index("answer_history", "assignment_id")
    op.create_table(
        "answers",
        _id(),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.String(100), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        _ts("updated_at"),
        sa.Column("updated_by_officer_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        _fk("answers", "assignment_id", "assignments"),
        _fk("answers", "updated_by_officer_id", "officers"),
        _pk("answers"),
        _uq("answers", "assignment_id", "question_id"),
    )
    op.create_table(
        "audit_log",
        _id(),
        _ts("at"),
        sa.Column("actor_officer_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(50), nullable=False),
        sa.Column("entity", sa.String(50), nullable=False),
        sa.Column("entity_id", sa.String(100), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        _fk("audit_log", "actor_officer_id", "officers"),
        _pk("audit_log"),
    )
    _index("audit_log", "at")
    op.create_table(
        "conversations",
        _id(),
        sa.Column("channel", sa.String(30), nullable=False),
        sa.Column("user_id", sa.String(100), nullable=False),
        sa.Column("state", sa.String(50), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=True),
        sa.Column("assignment_id", sa.Integer(), nullable=True),
        sa.Column("step", sa.String(200), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _ts("updated_at"),
        _fk("conversations", "assignment_id", "assignments"),
        _fk("conversations", "officer_id", "officers"),
        _pk("conversations"),
        _uq("conversations", "channel", "user_id"),
    )
    op.create_table(
        "identities",
        _id(),
        sa.Column("channel", sa.String(30), nullable=False),
        sa.Column("user_id", sa.String(100), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=True),
        _ts("last_seen_at", nullable=True),
        _fk("identities", "officer_id", "officers"),
        _pk("identities"),
        _uq("identities", "channel", "user_id"),
    )
    _index("identities", "officer_id")
    op.create_table(
        "invites",
        _id(),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        _ts("created_at"),
        _ts("expires_at"),
        _ts("used_at", nullable=True),
        sa.Column("used_by_officer_id", sa.Integer(), nullable=True),
        _fk("invites", "agency_id", "agencies"),
        _fk("invites", "used_by_officer_id", "officers"),
        _pk("invites"),
        _uq("invites", "code_hash"),
    )
    _index("invites", "agency_id")
    op.create_table(
        "submissions",
        _id(),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("docx", sa.LargeBinary(), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=True),
        _ts("submitted_at"),
        _fk("submissions", "assignment_id", "assignments"),
        _fk("submissions", "officer_id", "officers"),
        _pk("submissions"),
        _uq("submissions", "assignment_id", "version"),
    )


def downgrade() -> None:
    for table in (
        "submissions",
        "invites",
        "identities",
        "conversations",
        "audit_log",
        "answers",
        "answer_history",
        "officers",
        "assignments",
        "templates",
        "rounds",
        "inbound_messages",
        "agencies",
    ):
        op.drop_table(table)
