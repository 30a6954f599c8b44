"""The outbox: queued notices are delivered once, retried on temporary failures."""

from __future__ import annotations

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
        assert await uow.enqueue("telegram", "42", [message], now=NOW, dedupe_key="r:1:d-3")
        assert not await uow.enqueue("telegram", "42", [message], now=NOW, dedupe_key="r:1:d-3")
        await uow.commit()
    dispatcher = Dispatcher({"telegram": channel}, uow_factory, clock)
    assert await dispatcher.run_once() == 1
    assert await dispatcher.run_once() == 0
    assert channel.sent == [("42", [message])]
    async with uow_factory() as uow:
        assert await uow.outbox_status("r:1:d-3") == "delivered"


async def test_temporary_failure_is_retried_later_permanent_is_not(uow_factory):
    clock = Clock()
    channel = RecordingChannel([DeliveryError("timeout")])
    async with uow_factory() as uow:
        await uow.enqueue("telegram", "1", [Outbound("a")], now=NOW, dedupe_key="a")
        await uow.commit()
    dispatcher = Dispatcher({"telegram": channel}, uow_factory, clock)
    assert await dispatcher.run_once() == 0  # timeout: retry later
    assert await dispatcher.run_once() == 0  # not due yet
    clock.current += dt.timedelta(minutes=1)
    assert await dispatcher.run_once() == 1
    async with uow_factory() as uow:
        await uow.enqueue("telegram", "2", [Outbound("b")], now=clock.now(), dedupe_key="b")
        await uow.commit()
    channel.failures = [DeliveryError("blocked", permanent=True)]
    assert await dispatcher.run_once() == 0
    clock.current += dt.timedelta(hours=2)
    assert await dispatcher.run_once() == 0
    async with uow_factory() as uow:
        assert await uow.outbox_status("a") == "delivered"
        assert await uow.outbox_status("b") == "failed"


async def test_two_dispatchers_never_deliver_the_same_row_twice(uow_factory):
    clock = Clock()
    async with uow_factory() as uow:
        for i in range(20):
            await uow.enqueue("telegram", str(i), [Outbound(f"m{i}")], now=NOW, dedupe_key=f"k{i}")
        await uow.commit()
    a, b = RecordingChannel(), RecordingChannel()
    first = Dispatcher({"telegram": a}, uow_factory, clock, batch=7)
    second = Dispatcher({"telegram": b}, uow_factory, clock, batch=7)
    while await first.run_once() + await second.run_once():
        pass
    users = sorted(int(u) for u, _ in a.sent + b.sent)
    assert users == list(range(20))


async def test_channel_state_round_trips(uow_factory):
    async with uow_factory() as uow:
        assert await uow.get_channel_state("zalo_oa:tokens") is None
        await uow.put_channel_state("zalo_oa:tokens", {"refresh": "r1"}, NOW)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.get_channel_state("zalo_oa:tokens", lock=True) == {"refresh": "r1"}
        await uow.put_channel_state("zalo_oa:tokens", {"refresh": "r2"}, NOW)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.get_channel_state("zalo_oa:tokens") == {"refresh": "r2"}
