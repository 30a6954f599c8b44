"""The outbox: queued notices are delivered once, retried on temporary failures."""

from __future__ import annotations

import asyncio
import datetime as dt

from bot.outbox import Dispatcher
from dialogs.messages import Button, Outbound
from dialogs.ports import DeliveryError

NOW = dt.datetime(2026, 11, 23, 1, 30, tzinfo=dt.UTC)


class Clock:
    def __init__(self) -> None:
        self.current = NOW

    def now(self) -> dt.datetime:
        return self.current


class RecordingChannel:
    name = "telegram"

    def __init__(self, failures: list[DeliveryError] | None = None) -> None:
        self.sent: list[tuple[str, list[Outbound]]] = []
        self.failures = list(failures or [])

    async def deliver(self, user_id: str, messages: list[Outbound]) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((user_id, messages))


async def test_a_queued_notice_is_delivered_once_with_its_buttons(uow_factory):
    channel, clock = RecordingChannel(), Clock()
    message = Outbound("Nhắc hạn: còn 3 ngày", [[Button("Tiếp tục", "cmd:continue")]])
    async with uow_factory() as uow:
        assert await uow.outbox.enqueue("telegram", "42", [message], now=NOW, dedupe_key="r:1:d-3")
        assert not await uow.outbox.enqueue("telegram", "42", [message], now=NOW,
                                            dedupe_key="r:1:d-3")
        await uow.commit()
    dispatcher = Dispatcher({"telegram": channel}, uow_factory, clock)
    assert await dispatcher.run_once() == 1
    assert await dispatcher.run_once() == 0
    assert channel.sent == [("42", [message])]
    async with uow_factory() as uow:
        assert await uow.outbox.status("r:1:d-3") == "delivered"


async def test_temporary_failure_is_retried_later_permanent_is_not(uow_factory):
    clock = Clock()
    channel = RecordingChannel([DeliveryError("timeout")])
    async with uow_factory() as uow:
        await uow.outbox.enqueue("telegram", "1", [Outbound("a")], now=NOW, dedupe_key="a")
        await uow.commit()
    dispatcher = Dispatcher({"telegram": channel}, uow_factory, clock)
    assert await dispatcher.run_once() == 0  # timeout: retry later
    assert await dispatcher.run_once() == 0  # not due yet
    clock.current += dt.timedelta(minutes=1)
    assert await dispatcher.run_once() == 1
    async with uow_factory() as uow:
        await uow.outbox.enqueue("telegram", "2", [Outbound("b")], now=clock.now(), dedupe_key="b")
        await uow.commit()
    channel.failures = [DeliveryError("blocked", permanent=True)]
    assert await dispatcher.run_once() == 0
    clock.current += dt.timedelta(hours=2)
    assert await dispatcher.run_once() == 0
    async with uow_factory() as uow:
        assert await uow.outbox.status("a") == "delivered"
        assert await uow.outbox.status("b") == "failed"


async def test_two_dispatchers_never_deliver_the_same_row_twice(uow_factory):
    clock = Clock()
    async with uow_factory() as uow:
        for i in range(20):
            await uow.outbox.enqueue("telegram", str(i), [Outbound(f"m{i}")], now=NOW,
                                     dedupe_key=f"k{i}")
        await uow.commit()
    a, b = RecordingChannel(), RecordingChannel()
    first = Dispatcher({"telegram": a}, uow_factory, clock, batch=7)
    second = Dispatcher({"telegram": b}, uow_factory, clock, batch=7)
    while await first.run_once() + await second.run_once():
        pass
    users = sorted(int(u) for u, _ in a.sent + b.sent)
    assert users == list(range(20))


class GatedChannel:
    """Takes ``concurrency`` messages at once; each one is under way (``active``) until
    the test lets that user's messages through (``release``)."""

    name = "telegram"

    def __init__(self, concurrency: int) -> None:
        self.concurrency = concurrency
        self.active: list[str] = []
        self.sent: list[tuple[str, str]] = []
        self.most_at_once: dict[str, int] = {}
        self._gates: dict[str, asyncio.Event] = {}
        self._changed = asyncio.Event()

    def release(self, *users: str) -> None:
        for user in users:
            self._gates.setdefault(user, asyncio.Event()).set()

    async def deliver(self, user_id: str, messages: list[Outbound]) -> None:
        self.active.append(user_id)
        self.most_at_once[user_id] = max(self.most_at_once.get(user_id, 0),
                                         self.active.count(user_id))
        self._changed.set()
        try:
            await self._gates.setdefault(user_id, asyncio.Event()).wait()
            self.sent.append((user_id, messages[0].text))
        finally:
            self.active.remove(user_id)
            self._changed.set()

    async def wait_until(self, condition) -> None:
        async def watch() -> None:
            while not condition():
                self._changed.clear()
                await self._changed.wait()

        await asyncio.wait_for(watch(), 10)


async def enqueue_each(uow_factory, rows: list[tuple[str, str]]) -> None:
    async with uow_factory() as uow:
        for user, text in rows:
            await uow.outbox.enqueue("telegram", user, [Outbound(text)], now=NOW, dedupe_key=text)
        await uow.commit()


async def statuses(uow_factory, keys: list[str]) -> dict[str, str | None]:
    async with uow_factory() as uow:
        return {key: await uow.outbox.status(key) for key in keys}


async def test_officers_get_notices_side_by_side_and_each_officer_in_order(uow_factory):
    rows = [("1", "1a"), ("2", "2a"), ("1", "1b"), ("3", "3a"), ("1", "1c"), ("4", "4a"),
            ("5", "5a"), ("6", "6a")]
    await enqueue_each(uow_factory, rows)
    channel = GatedChannel(concurrency=4)
    dispatcher = Dispatcher({"telegram": channel}, uow_factory, Clock())
    running = asyncio.create_task(dispatcher.run_once())
    await channel.wait_until(lambda: len(channel.active) == 4)
    for _ in range(20):  # and no fifth one starts while four are under way
        await asyncio.sleep(0)
    assert sorted(channel.active) == ["1", "2", "3", "4"]  # officer 1 once, not thrice
    channel.release("2", "3", "4", "5", "6")
    await channel.wait_until(lambda: len(channel.sent) == 5)
    assert channel.active == ["1"]  # 1b and 1c wait for 1a
    channel.release("1")
    assert await running == 8
    assert [text for user, text in channel.sent if user == "1"] == ["1a", "1b", "1c"]
    assert channel.most_at_once["1"] == 1
    assert set((await statuses(uow_factory, [t for _, t in rows])).values()) == {"delivered"}


async def test_a_channel_without_concurrency_gets_one_message_at_a_time(uow_factory):
    await enqueue_each(uow_factory, [("1", "a"), ("2", "b"), ("3", "c")])
    channel = GatedChannel(concurrency=4)
    del channel.concurrency  # like the Zalo channels: they do not pace their own sends
    running = asyncio.create_task(Dispatcher({"telegram": channel}, uow_factory,
                                             Clock()).run_once())
    await channel.wait_until(lambda: channel.active)
    for _ in range(20):
        await asyncio.sleep(0)
    assert len(channel.active) == 1
    channel.release("1", "2", "3")
    assert await running == 3


async def test_a_stop_mid_batch_keeps_what_went_out_and_the_rest_goes_out_once_later(
    uow_factory,
):
    rows = [(str(i), f"m{i}") for i in range(6)]
    await enqueue_each(uow_factory, rows)
    clock = Clock()
    channel = GatedChannel(concurrency=6)
    running = asyncio.create_task(Dispatcher({"telegram": channel}, uow_factory,
                                             clock).run_once())
    await channel.wait_until(lambda: len(channel.active) == 6)
    channel.release("0", "1")
    await channel.wait_until(lambda: len(channel.sent) == 2)
    running.cancel()  # the process stops while four sends are under way
    await asyncio.gather(running, return_exceptions=True)
    found = await statuses(uow_factory, [t for _, t in rows])
    assert found == {"m0": "delivered", "m1": "delivered", "m2": "queued", "m3": "queued",
                     "m4": "queued", "m5": "queued"}

    other = GatedChannel(concurrency=6)
    other.release(*(user for user, _ in rows))
    restarted = Dispatcher({"telegram": other}, uow_factory, clock)
    assert await restarted.run_once() == 0  # still leased to the stopped process
    clock.current += dt.timedelta(minutes=3)  # the lease has run out
    assert await restarted.run_once() == 4
    assert sorted(other.sent) == [("2", "m2"), ("3", "m3"), ("4", "m4"), ("5", "m5")]
    assert set((await statuses(uow_factory, [t for _, t in rows])).values()) == {"delivered"}


async def test_dispatchers_draining_side_by_side_deliver_every_notice_once(uow_factory):
    rows = [(str(i % 9), f"n{i:02d}") for i in range(40)]  # 9 officers, several each
    await enqueue_each(uow_factory, rows)
    channels = [GatedChannel(concurrency=3) for _ in range(3)]
    for channel in channels:
        channel.release(*(str(i) for i in range(9)))
    dispatchers = [Dispatcher({"telegram": c}, uow_factory, Clock(), batch=4) for c in channels]
    delivered = await asyncio.gather(*(d.drain() for d in dispatchers))
    assert sum(delivered) == 40
    sent = [pair for c in channels for pair in c.sent]
    assert sorted(sent) == sorted(rows)  # every notice once, none twice
    for channel in channels:  # one dispatcher keeps an officer's notices in order
        for user in {u for u, _ in channel.sent}:
            texts = [t for u, t in channel.sent if u == user]
            assert texts == sorted(texts)
    assert set((await statuses(uow_factory, [t for _, t in rows])).values()) == {"delivered"}


async def test_channel_state_round_trips(uow_factory):
    async with uow_factory() as uow:
        assert await uow.channel_state.get("zalo_oa:tokens") is None
        await uow.channel_state.put("zalo_oa:tokens", {"refresh": "r1"}, NOW)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.channel_state.get("zalo_oa:tokens", lock=True) == {"refresh": "r1"}
        await uow.channel_state.put("zalo_oa:tokens", {"refresh": "r2"}, NOW)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.channel_state.get("zalo_oa:tokens") == {"refresh": "r2"}
