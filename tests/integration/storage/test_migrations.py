"""Migrations: an empty database reaches the models' schema on both backends."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
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


async def test_search_key_is_filled_for_agencies_stored_before_it_existed(
    empty_database_url: str,
) -> None:
    """Migration 0013 adds ``agencies.search_key`` and folds the existing names into it."""
    await upgrade_async(empty_database_url, "0012")
    engine = create_engine(empty_database_url)
    columns = ("name, abbreviation, governing_body, place, signer_name, signer_position, "
               "drafting_unit, level, is_collector")
    try:
        async with engine.begin() as connection:
            for name, abbreviation in (("Sở Y tế", "SYT"), ("Sở Giáo dục và Đào tạo", "SGDĐT")):
                await connection.execute(text(
                    f"INSERT INTO agencies ({columns}) VALUES (:name, :abbr, 'UBND', "
                    "'Đồng Nai', 'A', 'GIÁM ĐỐC', 'VP', 'province', false)"),
                    {"name": name, "abbr": abbreviation})
        await upgrade_async(empty_database_url)
        async with engine.connect() as connection:
            keys = (await connection.execute(text(
                "SELECT search_key FROM agencies ORDER BY id"))).scalars().all()
    finally:
        await engine.dispose()
    assert keys == ["so y te syt", "so giao duc va dao tao sgddt"]
