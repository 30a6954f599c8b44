"""Zalo as the platforms behave: the durable webhook inbox, Zalo OA's messaging windows,
officers' and agencies' phone numbers for ZNS.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "webhook_inbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(30), nullable=False),
        sa.Column("event_key", sa.String(200), nullable=False),
        sa.Column("user_key", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_inbox")),
        sa.UniqueConstraint("channel", "event_key",
                            name=op.f("uq_webhook_inbox_channel_event_key")),
    )
    with op.batch_alter_table("webhook_inbox") as batch_op:
        batch_op.create_index("ix_webhook_inbox_user", ["channel", "user_key", "id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_webhook_inbox_handled_at"), ["handled_at"],
                              unique=False)
    op.create_table(
        "messaging_windows",
        sa.Column("channel", sa.String(30), nullable=False),
        sa.Column("user_id", sa.String(200), nullable=False),
        sa.Column("last_interaction_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_since", sa.Integer(), nullable=False),
        sa.Column("paid_sent", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("channel", "user_id", name=op.f("pk_messaging_windows")),
    )
    op.create_table(
        "officer_phones",
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["officer_id"], ["officers.id"],
                                name=op.f("fk_officer_phones_officer_id_officers")),
        sa.PrimaryKeyConstraint("officer_id", name=op.f("pk_officer_phones")),
    )
    op.create_table(
        "agency_phones",
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"],
                                name=op.f("fk_agency_phones_agency_id_agencies")),
        sa.PrimaryKeyConstraint("agency_id", name=op.f("pk_agency_phones")),
    )


def downgrade() -> None:
    op.drop_table("agency_phones")
    op.drop_table("officer_phones")
    op.drop_table("messaging_windows")
    op.drop_table("webhook_inbox")
