"""Admission to the database: at most so many units of work at a time per process."""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine


class Gate:
    """Lets at most ``capacity`` units of work at a time into the database from this
    process; the rest wait their turn in arrival order.

    SQLite (capacity 1) has a single writer; without the gate, concurrent turns
    collide in SQLite's busy handler, which sleeps in coarse steps (tens of
    milliseconds) before retrying. PostgreSQL (capacity = the pool size): a burst
    of turns queues here, first come first served, instead of racing for pool
    connections, where the unlucky ones time out after 30 s. Re-entrant for a
    task that already holds a place.
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._places: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary()
        )
        self._depth: dict[asyncio.Task[Any] | None, int] = {}

    async def acquire(self) -> None:
        task = asyncio.current_task()
        if task is not None and task in self._depth:
            self._depth[task] += 1
            return
        loop = asyncio.get_running_loop()
        places = self._places.get(loop)
        if places is None:
            places = self._places[loop] = asyncio.Semaphore(self.capacity)
        await places.acquire()
        self._depth[task] = 1

    def release(self) -> None:
        task = asyncio.current_task()
        self._depth[task] -= 1
        if self._depth[task] == 0:
            del self._depth[task]
            self._places[asyncio.get_running_loop()].release()


gates: weakref.WeakKeyDictionary[Any, Gate] = weakref.WeakKeyDictionary()


def pool_size(engine: AsyncEngine) -> int | None:
    """Connections the engine's pool keeps (None: a pool without a fixed size)."""
    size = getattr(engine.pool, "size", None)
    return size() if callable(size) else None
