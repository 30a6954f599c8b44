"""A turn's first read (``uow.turns``), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from dialogs.domain import Conversation
from storage.uow import SqlUnitOfWork

UowFactory = Callable[[], SqlUnitOfWork]
DAY = dt.timedelta(days=1)



async def test_begin_turn_claims_the_delivery_once_and_loads_the_turn(
    uow_factory: UowFactory, now: dt.datetime
) -> None:
    async with uow_factory() as uow:
        context = await uow.turns.begin("telegram", "u1", "m1", now)
        assert context is not None and context.conversation is None and context.officer is None
        await uow.conversations.save(Conversation("telegram", "u1", state="idle", step="q:2"))
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.turns.begin("telegram", "u1", "m1", now) is None  # a re-delivery
        context = await uow.turns.begin("telegram", "u1", "m2", now)
        assert context is not None and context.conversation is not None
        assert (context.conversation.step, context.conversation.version) == ("q:2", 1)
        assert await uow.turns.begin("telegram", "u1", None, now) is not None  # no id to check
    async with uow_factory() as uow:  # m2's claim was rolled back with its unit of work
        assert await uow.turns.begin("telegram", "u1", "m2", now) is not None
        assert await uow.turns.begin("zalo_oa", "u1", "m1", now) is not None  # another channel
