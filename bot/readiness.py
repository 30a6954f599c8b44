"""Readiness: can this process do its job right now?

``/healthz`` only says the process answers and the database takes a ``SELECT 1``.
:func:`check_ready` also *writes* — one committed row in ``channel_state``
(``health:readyz``), so a read-only file system, a full disk or a read-only
replica shows — and compares the schema's revision (``alembic_version``) with the
migration head this code expects. Each finding is a short English code for
the monitoring system.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

from alembic.script import ScriptDirectory
from sqlalchemy import insert, update
from sqlalchemy import text as sql_text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import alembic_config
from storage.models import ChannelStateRow

__all__ = ["check_ready", "expected_heads"]

KEY = "health:readyz"


@cache
def expected_heads() -> frozenset[str]:
    """The migration head(s) of this code."""
    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


async def check_ready(db: AsyncEngine, now: dt.datetime) -> dict[str, Any]:
    """``{"status": "ok" | "error", "checks": {...}}``; never raises."""
    checks: dict[str, str] = {}
    table = ChannelStateRow.__table__
    try:
        async with db.begin() as conn:
            updated = await conn.execute(
                update(table).where(table.c.key == KEY)
                .values(value={"ok": True}, version=table.c.version + 1, updated_at=now))
            if updated.rowcount == 0:
                await conn.execute(insert(table).values(
                    key=KEY, value={"ok": True}, version=0, updated_at=now))
        checks["write"] = "ok"
    except Exception as exc:
        checks["write"] = f"failed: {type(exc).__name__}"
    try:
        async with db.connect() as conn:
            found = {row[0] for row in await conn.execute(
                sql_text("SELECT version_num FROM alembic_version"))}
        expected = expected_heads()
        checks["migrations"] = "ok" if found == set(expected) else (
            f"database at {','.join(sorted(found)) or 'none'}, "
            f"code expects {','.join(sorted(expected))}")
    except Exception as exc:
        checks["migrations"] = f"failed: {type(exc).__name__}"
    status = "ok" if all(v == "ok" for v in checks.values()) else "error"
    return {"status": status, "checks": checks}

