"""One process at a time runs a scheduled job, when several share a PostgreSQL database.

Every ``baocao run`` has the same scheduler. What a job sends is already decided at
most once by the database (reminder rows move ``planned → sent`` with a conditional
UPDATE, outbox rows have dedupe keys and leases), so two processes running a job at
once would not send twice; they would only do the work twice and wait on each other's
row locks. :class:`JobLock` avoids that: before a job runs, the process takes a
transaction-level PostgreSQL advisory lock named after the job
(``pg_try_advisory_xact_lock``); if another process holds it, this run is skipped —
the other process is doing the work right now. The lock ends with its transaction,
so a process that dies mid-job never leaves it held.

SQLite serves one process (``make run``): there the lock always succeeds.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger(__name__)

#: The first key of the two-key advisory lock: "baocao" jobs, apart from any other
#: application's locks in the same database.
NAMESPACE = 0x62616F63  # "baoc"


def lock_key(name: str) -> int:
    """A stable 32-bit key for a job name (the same in every process and release)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big", signed=True)


class JobLock:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.shared = engine.dialect.name == "postgresql"

    @asynccontextmanager
    async def hold(self, name: str) -> AsyncIterator[bool]:
        """``async with lock.hold("send_due_reminders") as mine:`` — ``mine`` is False
        when another process runs that job now (then skip it)."""
        if not self.shared:
            yield True
            return
        async with self.engine.connect() as connection:
            mine = bool(await connection.scalar(
                text("SELECT pg_try_advisory_xact_lock(:namespace, :key)"),
                {"namespace": NAMESPACE, "key": lock_key(name)}))
            try:
                if not mine:
                    log.debug("job %s runs in another process; skipped here", name)
                yield mine
            finally:
                await connection.rollback()  # ends the transaction: releases the lock
