"""Templates live in the database: who published each version, its format, retirement.

The ``templates`` table already keeps one row per (id, version) with the YAML
source. A published version now also records who published it, the format it
was uploaded in (``yaml``, ``xlsform`` or ``bundled``) and when the template was
retired (no new round may use it; open rounds keep their pinned version).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("templates") as batch_op:
        batch_op.add_column(
            sa.Column("source_format", sa.String(20), nullable=False, server_default="yaml")
        )
        batch_op.add_column(sa.Column("published_by", sa.String(200), nullable=True))
        batch_op.add_column(sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("templates") as batch_op:
        batch_op.drop_column("retired_at")
        batch_op.drop_column("published_by")
        batch_op.drop_column("source_format")
