"""Delivery ids are claimed once (``uow.inbound``), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from dialogs.domain import Conversation
from storage.uow import SqlUnitOfWork

UowFactory = Callable[[], SqlUnitOfWork]
DAY = dt.timedelta(days=1)



async def test_a_delivery_is_claimed_once(uow_factory: UowFactory, now: dt.datetime) -> None:
    async with uow_factory() as uow:
        assert await uow.inbound.claim("telegram", "1001", now) is True
        assert await uow.inbound.claim("telegram", "1001", now) is False
        assert await uow.inbound.claim("zalo_oa", "1001", now) is True
        # the transaction is still usable after a duplicate
        await uow.conversations.save(Conversation("telegram", "u1"))
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.inbound.claim("telegram", "1001", now) is False
        assert await uow.conversations.get("telegram", "u1") is not None


async def test_a_claim_that_was_rolled_back_can_be_claimed_again(
    uow_factory: UowFactory, now: dt.datetime
) -> None:
    async with uow_factory() as uow:
        assert await uow.inbound.claim("telegram", "7", now)
    async with uow_factory() as uow:
        assert await uow.inbound.claim("telegram", "7", now)
