"""Agencies get a folded search column (``agencies.search_key``).

The dashboard's round page searches a national round's 4,080 agencies by name or
abbreviation with accents and case ignored ("so y te" finds "Sở Y tế") in SQL:
``search_key LIKE '%so y te%'``. SQLite has no ``unaccent``, so the folded text is
stored: ``storage.models.agency_search_key`` (``dialogs.vn.fold`` of name and
abbreviation), written by ``uow.agencies`` on every insert and edit. Existing rows
are filled here.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dialogs.vn import fold

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("agencies") as batch:
        batch.add_column(sa.Column("search_key", sa.Text(), nullable=True))
    agencies = sa.table("agencies", sa.column("id", sa.Integer()),
                        sa.column("name", sa.String()), sa.column("abbreviation", sa.String()),
                        sa.column("search_key", sa.Text()))
    bind = op.get_bind()
    rows = bind.execute(sa.select(agencies.c.id, agencies.c.name, agencies.c.abbreviation)).all()
    if rows:
        bind.execute(agencies.update().where(agencies.c.id == sa.bindparam("w_id"))
                     .values(search_key=sa.bindparam("key")),
                     [{"w_id": r.id, "key": fold(f"{r.name} {r.abbreviation}")} for r in rows])
    with op.batch_alter_table("agencies") as batch:
        batch.alter_column("search_key", existing_type=sa.Text(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("agencies") as batch:
        batch.drop_column("search_key")
