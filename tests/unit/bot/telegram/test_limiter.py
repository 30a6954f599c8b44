"""The Telegram rate limiter in virtual time: overall and per-chat pacing, 429 pauses."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import pytest
from telegram.error import RetryAfter

from bot.channels.telegram.limiter import TelegramRateLimiter, bulk_sending


class VirtualClock:
    """Sleeping tasks wake in deadline order when everything else is idle."""

    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(0.0, seconds), next(self._seq), future))
        await future

    async def run(self, *coros: Coroutine[Any, Any, Any]) -> list[Any]:
        tasks = [asyncio.ensure_future(c) for c in coros]
        while not all(t.done() for t in tasks):
            for _ in range(50):  # let every runnable task reach its next sleep
                await asyncio.sleep(0)
            if self._sleepers:
                at, _, future = heapq.heappop(self._sleepers)
                self.now = max(self.now, at)
                future.set_result(None)
        return [t.result() for t in tasks]


class FakeApi:
    """Records (virtual time, endpoint, chat) per call; answers 429 when told, each
    answer ``round_trip(n)`` seconds after call number n started (default: at once)."""

    def __init__(self, clock: VirtualClock, retry_after: dict[int, int] | None = None,
                 round_trip: Callable[[int], float] | None = None) -> None:
        self.clock = clock
        self.calls: list[tuple[float, str, Any]] = []
        self.answered: list[float] = []  # per call number, when its answer was back
        self.retry_after = retry_after or {}  # call number -> seconds
        self.round_trip = round_trip

    def request(self, endpoint: str, chat: Any) -> Callable[[], Awaitable[dict[str, Any]]]:
        async def call() -> dict[str, Any]:
            number = len(self.calls)
            self.calls.append((self.clock.now, endpoint, chat))
            self.answered.append(self.clock.now)
            if self.round_trip is not None:
                await self.clock.sleep(self.round_trip(number))
                self.answered[number] = self.clock.now
            if number in self.retry_after:
                raise RetryAfter(self.retry_after[number])
            return {"ok": True}

        return call


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


def limiter_for(clock: VirtualClock, **options: Any) -> TelegramRateLimiter:
    return TelegramRateLimiter(monotonic=clock.monotonic, sleep=clock.sleep, **options)


async def send(limiter: TelegramRateLimiter, api: FakeApi, chat: Any,
               endpoint: str = "sendMessage") -> Any:
    data = {} if chat is None else {"chat_id": chat}
    return await limiter.process_request(api.request(endpoint, chat), (), {}, endpoint, data,
                                         None)


def busiest_window(times: list[float], window: float = 1.0) -> int:
    times = sorted(times)
    return max(sum(1 for t in times if start <= t < start + window) for start in times)


async def test_many_chats_stay_under_30_per_second(clock: VirtualClock) -> None:
    limiter, api = limiter_for(clock), FakeApi(clock)
    await clock.run(*(send(limiter, api, 1000 + i) for i in range(120)))
    times = [t for t, _, _ in api.calls]
    assert len(times) == 120
    assert busiest_window(times) <= 30
    assert times[-1] < 120 * 1.05 / 30 + 0.01  # and no slower than needed


async def test_one_chat_gets_one_message_per_second(clock: VirtualClock) -> None:
    limiter, api = limiter_for(clock), FakeApi(clock)
    await clock.run(*(send(limiter, api, 42) for _ in range(5)))
    times = [t for t, _, _ in api.calls]
    assert all(b - a >= 1.0 for a, b in itertools.pairwise(times))
    assert times[-1] < 4 * 1.05 + 0.01


async def test_a_waiting_chat_does_not_hold_up_the_others(clock: VirtualClock) -> None:
    limiter, api = limiter_for(clock), FakeApi(clock)
    await clock.run(*(send(limiter, api, 7) for _ in range(3)),
                    *(send(limiter, api, 100 + i) for i in range(20)))
    others = [t for t, _, chat in api.calls if chat != 7]
    assert max(others) < 1.0  # all twenty went out before chat 7's second message


async def test_groups_get_one_message_per_three_seconds(clock: VirtualClock) -> None:
    limiter, api = limiter_for(clock), FakeApi(clock)
    await clock.run(*(send(limiter, api, -100123) for _ in range(3)))
    times = [t for t, _, _ in api.calls]
    assert all(b - a >= 3.0 for a, b in itertools.pairwise(times))


async def test_edits_and_callback_answers_are_not_new_messages(clock: VirtualClock) -> None:
    limiter, api = limiter_for(clock), FakeApi(clock)
    await send(limiter, api, 42)
    await clock.run(send(limiter, api, 42, "editMessageText"),
                    send(limiter, api, None, "answerCallbackQuery"))
    assert all(t < 0.1 for t, _, _ in api.calls)


async def test_429_pauses_everything_then_retries(clock: VirtualClock) -> None:
    limiter, api = limiter_for(clock), FakeApi(clock, retry_after={5: 2})
    await clock.run(*(send(limiter, api, 500 + i) for i in range(12)))
    assert len(api.calls) == 13  # twelve messages, one of them tried twice
    assert sorted(chat for _, _, chat in api.calls).count(505) == 2
    refused_at = api.calls[5][0]
    later = [t for t, _, _ in api.calls[6:]]
    assert min(later) >= refused_at + 2.0
    assert limiter.retries == 1


async def test_429_beyond_max_retries_is_raised(clock: VirtualClock) -> None:
    limiter = limiter_for(clock, max_retries=2)
    api = FakeApi(clock, retry_after={0: 1, 1: 1, 2: 1})
    with pytest.raises(RetryAfter):
        await clock.run(send(limiter, api, 9))
    assert len(api.calls) == 3


async def test_messages_to_one_chat_keep_their_order_and_spacing_under_load(
    clock: VirtualClock,
) -> None:
    limiter, api = limiter_for(clock), FakeApi(clock)

    async def later(delay: float, chat: int) -> None:
        await clock.sleep(delay)
        await send(limiter, api, chat)

    await clock.run(*(send(limiter, api, 5) for _ in range(3)),
                    *(later(0.5 + i * 0.3, 5) for i in range(4)),
                    *(send(limiter, api, 900 + i) for i in range(40)))
    times = [t for t, _, chat in api.calls if chat == 5]
    assert len(times) == 7
    assert all(b - a >= 1.0 for a, b in itertools.pairwise(times))
    assert limiter._chat_locks == {}  # nothing left behind


def most_in_a_second_wherever_counted(spans: list[tuple[float, float]]) -> int:
    """Telegram counts a request somewhere between its start and its answer: the most
    requests that a one-second window could hold, counting each where it suits."""
    def held(t: float) -> int:  # requests that could be counted in [t, t + 1)
        return sum(1 for start, end in spans if start < t + 1.0 and end >= t)

    return max(held(t) for t in [end for _, end in spans] + [s - 1.0 + 1e-9 for s, _ in spans])


async def test_slow_answers_never_put_31_requests_in_one_second(clock: VirtualClock) -> None:
    slow = [0.003, 0.25, 0.04, 0.6, 0.01, 0.12]  # round trips of uneven length
    limiter = limiter_for(clock)
    api = FakeApi(clock, round_trip=lambda n: slow[n % len(slow)])
    await clock.run(*(send(limiter, api, 2000 + i) for i in range(150)))
    spans = [(t, api.answered[n]) for n, (t, _, _) in enumerate(api.calls)]
    assert len(spans) == 150
    assert most_in_a_second_wherever_counted(spans) <= 30


async def test_after_a_few_requests_go_out_evenly_not_thirty_at_once(
    clock: VirtualClock,
) -> None:
    limiter, api = limiter_for(clock), FakeApi(clock)
    await clock.run(*(send(limiter, api, 3000 + i) for i in range(90)))
    times = [t for t, _, _ in api.calls]
    assert times[:10] == [0.0] * 10  # an empty window takes a few at once
    gaps = [b - a for a, b in itertools.pairwise(times[10:])]
    assert min(gaps) >= 0.8 / 30 - 1e-6
    assert busiest_window(times[10:], 0.2) <= 8  # no pile-up after them


async def test_quick_answers_keep_close_to_thirty_per_second(clock: VirtualClock) -> None:
    limiter = limiter_for(clock)
    api = FakeApi(clock, round_trip=lambda n: 0.005)  # Telegram answers in 5 ms
    await clock.run(*(send(limiter, api, 4000 + i) for i in range(600)))
    times = [t for t, _, _ in api.calls]
    assert busiest_window(times) <= 30
    sustained = (570 - 30) / (times[570] - times[30])  # whole seconds, past the start
    assert sustained >= 29.0  # 95 % of 30/s is 28.5


async def test_a_reply_goes_before_queued_notices(clock: VirtualClock) -> None:
    limiter, api = limiter_for(clock), FakeApi(clock)

    async def notice(chat: int) -> None:
        with bulk_sending():
            await send(limiter, api, chat)

    async def reply_at(moment: float) -> None:
        await clock.sleep(moment)
        await send(limiter, api, 42)

    await clock.run(*(notice(5000 + i) for i in range(90)), reply_at(0.5))
    replied = next(t for t, _, chat in api.calls if chat == 42)
    assert replied <= 0.5 + 2 * 0.8 / 30 + 1e-6  # one of the next places, not the 60th
    assert sum(1 for t, _, chat in api.calls if chat != 42 and t > replied) >= 50
