"""PostgreSQL: an index on the assignment part of the outbox's dedupe keys.

The dashboard's round page counts the notices and reminders of its 100 agencies
(``open:aN:…``, ``rem:aN:…``) with ``split_part(dedupe_key, ':', 2) IN ('aN', …)``
(``uow.assignments.overview``); without this index that is a scan of
every notice of the round (24,000 rows for a national round). SQLite has no
``split_part``: nothing there (a province's round is small).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NAME = "ix_outbox_dedupe_assignment"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE INDEX {_NAME} ON outbox (split_part(dedupe_key, ':', 2))")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {_NAME}")
