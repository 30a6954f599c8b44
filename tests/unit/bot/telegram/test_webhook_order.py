"""One chat's updates in arrival order (webhook and polling), not other chats'."""

from __future__ import annotations

import asyncio

from bot.channels.telegram.updates import ChatOrder


async def test_one_chat_in_order_other_chats_alongside() -> None:
    order = ChatOrder()
    log: list[str] = []
    first_may_finish = asyncio.Event()

    async def update(chat: int, name: str, wait: asyncio.Event | None = None) -> None:
        async with order.turn(chat):
            log.append(f"start {name}")
            if wait is not None:
                await wait.wait()
            log.append(f"end {name}")

    first = asyncio.create_task(update(1, "a1", first_may_finish))
    await asyncio.sleep(0)
    second = asyncio.create_task(update(1, "a2"))
    other = asyncio.create_task(update(2, "b1"))
    await other  # another chat is not held up by chat 1's slow update
    assert log == ["start a1", "start b1", "end b1"]
    first_may_finish.set()
    await asyncio.gather(first, second)
    assert log[3:] == ["end a1", "start a2", "end a2"]
    assert order._locks == {}  # idle chats are forgotten
