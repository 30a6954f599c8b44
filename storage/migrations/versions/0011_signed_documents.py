"""Signed PDFs that passed verification: the "đã ký số" status of a submission or roll-up.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "signed_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=True),
        sa.Column("signer", sa.String(300), nullable=False),
        sa.Column("issuer", sa.String(300), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(30), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("checks", sa.String(300), nullable=False),
        sa.ForeignKeyConstraint(["round_id"], ["rounds.id"],
                                name=op.f("fk_signed_documents_round_id_rounds")),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"],
                                name=op.f("fk_signed_documents_submission_id_submissions")),
        sa.ForeignKeyConstraint(["officer_id"], ["officers.id"],
                                name=op.f("fk_signed_documents_officer_id_officers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signed_documents")),
    )
    with op.batch_alter_table("signed_documents") as batch_op:
        batch_op.create_index(batch_op.f("ix_signed_documents_round_id"), ["round_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_signed_documents_submission_id"),
                              ["submission_id"], unique=False)


def downgrade() -> None:
    op.drop_table("signed_documents")
