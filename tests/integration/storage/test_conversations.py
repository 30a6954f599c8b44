"""Conversations (``uow.conversations``), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from dialogs.domain import Conversation
from dialogs.ports import ConflictError
from storage.uow import SqlUnitOfWork

UowFactory = Callable[[], SqlUnitOfWork]
DAY = dt.timedelta(days=1)



async def test_conversation_round_trip_and_stale_version_conflict(
    uow_factory: UowFactory,
) -> None:
    async with uow_factory() as uow:
        assert await uow.conversations.get("webchat", "abc") is None
        conversation = Conversation(
            "webchat", "abc", state="answering", step="q:3", data={"return_to": "review"}
        )
        await uow.conversations.save(conversation)
        assert conversation.version == 1
        await uow.commit()

    # Two officers' turns read version 1; the first to save wins, the second's save
    # (of what it read before) is refused instead of overwriting.
    async with uow_factory() as uow:
        theirs = await uow.conversations.get("webchat", "abc")
    async with uow_factory() as uow:
        mine = await uow.conversations.get("webchat", "abc")
        assert mine == Conversation(
            "webchat", "abc", state="answering", step="q:3", data={"return_to": "review"}, version=1
        )
        mine.step = "q:4"
        await uow.conversations.save(mine)
        await uow.commit()
        assert mine.version == 2
    assert theirs is not None
    async with uow_factory() as uow:
        theirs.step = "q:9"
        with pytest.raises(ConflictError):
            await uow.conversations.save(theirs)
        assert theirs.version == 1

    async with uow_factory() as uow:
        stored = await uow.conversations.get("webchat", "abc")
        assert stored is not None and stored.step == "q:4" and stored.version == 2
        with pytest.raises(ConflictError):  # a second "new" conversation for the same user
            await uow.conversations.save(Conversation("webchat", "abc"))
