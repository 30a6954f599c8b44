"""The webhook inbox on its own: per-user order, retries, other users never waiting
behind a slow one, and events left by a process that died."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from bot.inbox import Inbox
from tests.integration.dialogs.conftest import FakeClock


def make_inbox(uow_factory: Callable[[], Any]) -> Inbox:
    return Inbox(uow_factory, FakeClock(), retry_first=0.01, retry_cap=0.05)


async def test_one_users_slow_handling_does_not_hold_up_another_user(
    uow_factory: Callable[[], Any],
) -> None:
    inbox = make_inbox(uow_factory)
    release = asyncio.Event()
    handled: list[str] = []

    async def handler(body: str) -> None:
        if body == "slow-1":
            await release.wait()
        handled.append(body)

    inbox.register("zalo_oa", handler)
    for key, user in (("slow-1", "A"), ("slow-2", "A"), ("quick-1", "B"), ("quick-2", "B")):
        assert await inbox.accept("zalo_oa", key, user, key.encode())
    await asyncio.wait_for(_until(lambda: handled == ["quick-1", "quick-2"]), 10)
    release.set()
    await inbox.idle()
    assert handled == ["quick-1", "quick-2", "slow-1", "slow-2"]  # A's in A's order


async def test_a_failing_event_is_retried_and_the_users_later_events_wait_for_it(
    uow_factory: Callable[[], Any],
) -> None:
    inbox = make_inbox(uow_factory)
    failures = {"e1": 2}
    handled: list[str] = []

    async def handler(body: str) -> None:
        if failures.get(body, 0):
            failures[body] -= 1
            raise RuntimeError("database is locked")
        handled.append(body)

    inbox.register("telegram", handler)
    for key in ("e1", "e2", "e3"):
        assert await inbox.accept("telegram", key, "42", key.encode())
    assert await inbox.accept("telegram", "e2", "42", b"e2")  # a re-delivery: stored once
    await inbox.idle()
    assert handled == ["e1", "e2", "e3"]
    async with uow_factory() as uow:
        assert await uow.inbox.pending_users() == []


async def test_events_stored_by_a_process_that_died_are_handled_by_the_sweep(
    uow_factory: Callable[[], Any],
) -> None:
    clock = FakeClock()
    async with uow_factory() as uow:
        for key in ("a", "b"):
            assert await uow.inbox.store("zalo_bot", key, "chat-1", key, clock.now())
        await uow.commit()
    inbox = make_inbox(uow_factory)
    handled: list[str] = []

    async def handler(body: str) -> None:
        handled.append(body)

    inbox.register("zalo_bot", handler)
    assert await inbox.sweep() == 1
    await inbox.idle()
    assert handled == ["a", "b"]
    assert await inbox.sweep() == 0


async def test_an_event_that_always_fails_is_given_up_and_the_next_goes_ahead(
    uow_factory: Callable[[], Any],
) -> None:
    inbox = make_inbox(uow_factory)
    inbox.max_attempts = 3
    handled: list[str] = []

    async def handler(body: str) -> None:
        if body == "poison":
            raise ValueError("cannot handle this")
        handled.append(body)

    inbox.register("zalo_oa", handler)
    assert await inbox.accept("zalo_oa", "p", "u", b"poison")
    assert await inbox.accept("zalo_oa", "n", "u", b"next")
    await inbox.idle()
    assert handled == ["next"]
    async with uow_factory() as uow:
        summary = await uow.inbox.summary("zalo_oa")
    assert (summary.pending, summary.failed) == (0, 1)


async def _until(condition: Callable[[], bool]) -> None:
    while not condition():
        await asyncio.sleep(0.01)
