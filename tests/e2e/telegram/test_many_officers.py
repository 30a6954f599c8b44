"""200 officers at once: a round opens and every officer gets a notice through the
outbox while twenty of them are chatting with the bot. Real time, real rate limiter:
no chat gets two messages within a second, never more than 30 a second overall,
429 ``retry_after`` is obeyed, and every message arrives exactly once."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from bot.channels.telegram import TelegramRateLimiter
from bot.notify import notify_agency
from bot.outbox import Dispatcher
from dialogs.loader import load_template
from dialogs.messages import Button, Inbound, Outbound
from storage import admin
from tests.e2e.telegram.conftest import Bots
from tests.fakes.telegram_api import (
    FakeTelegramAPI,
    busiest_second,
    closest_messages_per_chat,
)
from tests.integration.dialogs.conftest import DEFAULT_AGENCIES, HERE, make_world

pytestmark = pytest.mark.slow

AGENCIES = 10
PER_AGENCY = 20
WORKERS = 4
IN_FLIGHT = 0.25  # seconds: a request started before the 429 came back may still arrive
FIRST_CHAT = 600_000
NOTICE = Outbound("Đợt báo cáo năm 2026 đã mở. Hạn nộp: 18/12/2026.",
                  [[Button("Tiếp tục trả lời", "cmd:continue")]])


def agency(i: int) -> dict[str, Any]:
    return {**DEFAULT_AGENCIES[0], "name": f"Sở thử nghiệm {i}", "abbreviation": f"S{i:02d}"}


async def test_200_officers_receive_their_messages_within_telegram_limits(
    uow_factory: Any, fake: FakeTelegramAPI, bots: Bots
) -> None:
    world = await make_world(uow_factory, load_template(HERE / "mini.yaml"),
                             agencies=[agency(i) for i in range(AGENCIES)])
    chats: list[int] = []
    codes: list[str] = []
    async with uow_factory() as uow:
        for a, found in enumerate(world.agencies.values()):
            for n in range(PER_AGENCY):
                chats.append(FIRST_CHAT + a * PER_AGENCY + n)
                codes.append(await admin.create_invite(uow, found.id, now=world.clock.now()))
        await uow.commit()
    async def bind(chat: int, code: str) -> None:  # each officer used their invite
        bound = await world.engine.handle(Inbound("telegram", str(chat), text=f"/start {code}"))
        assert "đã được liên kết" in bound[0].text

    for start in range(0, len(chats), 20):
        await asyncio.gather(*(bind(chat, code) for chat, code
                               in zip(chats[start:start + 20], codes[start:start + 20],
                                      strict=True)))
    limiter = TelegramRateLimiter()  # real time: this test is about pacing
    bot = await bots.start(world.engine, uow_factory, world.clock, rate_limiter=limiter)
    # several dispatchers, as several bot processes would run (leases keep them apart)
    dispatchers = [Dispatcher({"telegram": bot.channel}, uow_factory, world.clock, batch=10)
                   for _ in range(WORKERS)]
    async with uow_factory() as uow:
        for found in world.agencies.values():
            reach = await notify_agency(uow, found.id, [NOTICE], channels=dispatchers[0].channels,
                                        now=world.clock.now(), dedupe_key="round-1:opened")
            assert len(reach.queued) == PER_AGENCY
        await uow.commit()
    fake.rate_limit("sendMessage", retry_after=1, after=50)
    fake.rate_limit("sendMessage", retry_after=1, after=130)

    started = time.monotonic()
    chatting = chats[:20]  # their notices are also the first in the queue
    updates = [fake.send_text(chat, "tiếp tục") for chat in chatting]

    async def deliver_outbox(dispatcher: Dispatcher) -> None:
        await dispatcher.drain()

    async def replies_done() -> None:
        for update_id in updates:
            await fake.wait_confirmed(update_id, timeout=30)
        await asyncio.wait_for(bot.application.update_queue.join(), 60)

    await asyncio.gather(*(deliver_outbox(d) for d in dispatchers), replies_done())
    elapsed = time.monotonic() - started

    sent = fake.sent()
    notices = [m for m in sent if m.text == NOTICE.text]
    replies = [m for m in sent if m.text != NOTICE.text]
    assert sorted(m.chat_id for m in notices) == chats  # each officer exactly once
    assert sorted(m.chat_id for m in replies) == chatting
    assert all("Câu 1/12" in (m.text or "") for m in replies)

    per_chat = closest_messages_per_chat(sent)
    overall = busiest_second(sent)
    every_request = [c for c in fake.calls if c.chat_id is not None]
    assert per_chat >= 1.0, per_chat
    assert overall <= 30, overall
    assert busiest_second(every_request) <= 30  # refused attempts and edits included

    refused = [c for c in fake.calls if c.status == 429]
    assert len(refused) == 2 and limiter.retries == 2
    for call in refused:
        retried = next(c for c in every_request if c.at > call.at and c.chat_id == call.chat_id)
        assert retried.at >= call.at + 1.0  # the refused message waited retry_after
        # and nothing new was started meanwhile (requests already under way may arrive)
        assert not [c for c in every_request if call.at + IN_FLIGHT < c.at < call.at + 1.0]

    async with uow_factory() as uow:
        statuses = {await uow.outbox.status(f"round-1:opened:o{officer}")
                    for officer in range(1, len(chats) + 1)}
    assert statuses == {"delivered"}
    assert elapsed < 20, elapsed  # about 10 s: 220 messages at 30/s, two 1 s pauses
    slowest_reply = max(m.at for m in replies) - started
    print(f"\n200 officers: {len(sent)} messages in {elapsed:.1f} s; busiest second "
          f"{overall}; closest per chat {per_chat:.2f} s; 429 answered {len(refused)}; "
          f"last reply after {slowest_reply:.1f} s")
