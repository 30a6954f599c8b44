"""Round references: the request documents, grounds and recipients of a round and
an agency's own grounds and recipients (issue 18).

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "round_references",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["round_id"], ["rounds.id"],
                                name=op.f("fk_round_references_round_id_rounds")),
        sa.PrimaryKeyConstraint("round_id", name=op.f("pk_round_references")),
    )
    op.create_table(
        "assignment_references",
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["assignment_id"], ["assignments.id"],
                                name=op.f("fk_assignment_references_assignment_id_assignments")),
        sa.PrimaryKeyConstraint("assignment_id", name=op.f("pk_assignment_references")),
    )


def downgrade() -> None:
    op.drop_table("assignment_references")
    op.drop_table("round_references")
