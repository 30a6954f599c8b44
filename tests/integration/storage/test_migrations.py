"""Migrations: an empty database reaches the models' schema on both backends."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from storage.db import alembic_config, create_engine, downgrade_async, upgrade, upgrade_async
from storage.models import Base

# The outbox's expression index exists on PostgreSQL only (migration 0012, ``ddl_if``);
# alembic notes that it cannot compare it on SQLite, where it is not created.
pytestmark = pytest.mark.filterwarnings(
    "ignore:autogenerate skipping metadata-specified expression-based index:UserWarning")

HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()


def _schema_state(connection: Connection) -> tuple[set[str], list[Any], str | None]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    tables = set(inspect(connection).get_table_names())
    return tables, compare_metadata(context, Base.metadata), context.get_current_revision()


async def _inspect(url: str) -> tuple[set[str], list[Any], str | None]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_schema_state)
    finally:
        await engine.dispose()


async def test_upgrade_from_inside_a_running_loop_builds_the_models_schema(
    empty_database_url: str,
) -> None:
    await upgrade_async(empty_database_url)
    tables, differences, revision = await _inspect(empty_database_url)
    assert tables == {*Base.metadata.tables, "alembic_version"}
    assert differences == []
    assert revision == HEAD


async def test_blocking_upgrade_is_idempotent_and_downgrade_empties(
    empty_database_url: str,
) -> None:
    upgrade(empty_database_url)  # called while this test's loop is running
    upgrade(empty_database_url)
    assert (await _inspect(empty_database_url))[2] == HEAD
    await downgrade_async(empty_database_url, "base")
    tables, _, revision = await _inspect(empty_database_url)
    assert tables == {"alembic_version"} and revision is None


def test_blocking_upgrade_works_without_an_event_loop(empty_database_url: str) -> None:
    upgrade(empty_database_url)
