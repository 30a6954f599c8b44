"""Telegram re-delivers: the same updates arriving 1,000 more times at the webhook are
processed once, and taps on old keyboards, in any order and many times over, change
nothing. The bot's PTB application in webhook mode, against the fake Bot API, on the
real engine and storage (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from bot.channels.telegram import TelegramBot
from bot.channels.telegram.handlers import USED_BUTTON
from bot.channels.telegram.runtime import webhook_path
from bot.channels.telegram.webhook import SECRET_HEADER
from dialogs.loader import load_template
from dialogs.texts import STALE_BUTTON
from tests.e2e.telegram.conftest import Bots
from tests.fakes.telegram_api import BotMessage, FakeTelegramAPI
from tests.integration.dialogs.conftest import HERE, World, make_world

CHAT = 880_001
HOOK = "https://baocao.example.gov.vn/telegram/hook"
SECRET = "redelivery-Secret_1"
REDELIVERIES = 1000
FIRST_COPIES = 50  # each update first arrives as this many simultaneous copies
BATCH = 100  # requests in flight at once
PRESSES = 5  # each old button is pressed this many times
RNG = random.Random(8)  # the same "random" order every run


@dataclass
class Hook:
    """Telegram's side of the webhook: POSTs updates, waits until the bot handled them."""

    fake: FakeTelegramAPI
    bot: TelegramBot
    http: httpx.AsyncClient
    world: World
    posted: int = 0

    async def post_all(self, updates: list[dict[str, Any]]) -> None:
        """POST every update, BATCH at a time concurrently; return once all are handled
        (the route answers after handling; anything it queued is waited for too)."""
        for start in range(0, len(updates), BATCH):
            batch = updates[start:start + BATCH]
            answers = await asyncio.gather(*(
                self.http.post(webhook_path(HOOK), json=u, headers={SECRET_HEADER: SECRET})
                for u in batch))
            assert [a.status_code for a in answers] == [200] * len(batch)
            self.posted += len(batch)
        await asyncio.wait_for(self.bot.application.update_queue.join(), 60)
        await self.bot.channel.sender.drain(10)  # old keyboards go after the reply

    async def deliver(self, update: dict[str, Any], copies: int = 1) -> list[BotMessage]:
        """The update's first delivery (``copies`` simultaneous copies of it); returns
        what the bot sent in answer."""
        before = len(self.fake.sent(CHAT))
        await self.post_all([update] * copies)
        return self.fake.sent(CHAT)[before:]

    async def state(self) -> tuple[str | None, dict[str, Any], list[tuple[str, Any]]]:
        """(step, answers, [(question, new value) of every stored change])."""
        async with self.world.uow_factory() as uow:
            conv = await uow.conversations.get("telegram", str(CHAT))
            assert conv is not None and conv.assignment_id is not None
            answers = await uow.answers.get(conv.assignment_id)
            history = await uow.answers.history(conv.assignment_id)
        return conv.step, answers, [(h.question_id, h.new) for h in history]


@pytest.fixture
async def hook(uow_factory: Any, fake: FakeTelegramAPI, bots: Bots) -> AsyncIterator[Hook]:
    world = await make_world(uow_factory, load_template(HERE / "mini.yaml"))
    bot = await bots.start(world.engine, world.uow_factory, world.clock,
                           webhook_url=HOOK, webhook_secret=SECRET)
    assert bot.mode == "webhook" and fake.webhook and fake.webhook["secret_token"] == SECRET
    app = Starlette(routes=bot.routes)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://127.0.0.1") as http:
        yield Hook(fake, bot, http, world)


async def test_a_thousand_redeliveries_are_processed_once(hook: Hook,
                                                          fake: FakeTelegramAPI) -> None:
    """Each update first arrives as FIRST_COPIES simultaneous copies, then all of them
    again, late and shuffled: REDELIVERIES re-deliveries in all."""
    bind = fake.text_update(CHAT, f"/start {hook.world.invites['SCT0']}")
    [bound] = await hook.deliver(bind, FIRST_COPIES)
    assert bound.body.startswith("Xác nhận: Anh/Chị đã được liên kết với Sở Công Thương.")
    assert "Câu 1/12" in bound.body
    assert await hook.state() == ("q:staff", {}, [])

    updates = [bind]
    turns: list[tuple[str, str, str, tuple[str, Any]]] = [
        # (typed text or tapped button, next question, next step, the answer stored)
        ("56", "Câu 2/12", "q:computers", ("staff", 56)),
        ("50", "Câu 3/12", "q:has_lan", ("computers", 50)),
        ("ans:1@q:has_lan", "Câu 4/12", "q:lan_nodes", ("has_lan", True)),
        ("40", "Câu 5/12", "q:model", ("lan_nodes", 40)),
        ("2", "Câu 6/12", "q:measures", ("model", "own")),  # "2. Hệ thống riêng"
    ]
    history: list[tuple[str, Any]] = []
    for said, question, step, stored in turns:
        if said.startswith("ans:"):
            keyboard = fake.last_keyboard(CHAT)
            assert keyboard is not None and ("Có", said) in keyboard.buttons
            update = fake.callback_update(CHAT, keyboard.message_id, said)
        else:
            update = fake.text_update(CHAT, said)
        updates.append(update)
        [reply] = await hook.deliver(update, FIRST_COPIES)  # one reply, not FIRST_COPIES
        assert reply.body.startswith(question), reply.body
        history.append(stored)
        now_step, answers, now_history = await hook.state()
        assert (now_step, now_history) == (step, history)  # one step on, stored once
    assert fake.sent(CHAT)[2].body.endswith("\n\n✓ Có")  # the tapped keyboard, closed

    sent = [(m.message_id, m.body, len(m.edits)) for m in fake.sent(CHAT)]
    # Telegram keeps re-delivering all of them, late and in any order.
    already = len(updates) * (FIRST_COPIES - 1)
    late = [RNG.choice(updates) for _ in range(REDELIVERIES - already)]
    await hook.post_all(late)
    assert hook.posted == len(updates) + REDELIVERIES

    assert await hook.state() == ("q:measures", answers, history)  # nothing stored or moved
    assert [(m.message_id, m.body, len(m.edits)) for m in fake.sent(CHAT)] == sent
    answered = fake.calls_to("answerCallbackQuery")
    assert [c.status for c in answered].count(200) == 1  # the one real tap
    assert fake.calls_to("getUpdates") == []


async def test_a_burst_of_old_keyboard_taps_changes_nothing(hook: Hook,
                                                            fake: FakeTelegramAPI) -> None:
    world = hook.world
    await hook.deliver(fake.text_update(CHAT, f"/start {world.invites['SCT0']}"))
    await hook.deliver(fake.text_update(CHAT, "56"))
    [lan_question] = await hook.deliver(fake.text_update(CHAT, "50"))
    lan_buttons = list(lan_question.buttons)  # as shown (the message changes when closed)
    await hook.deliver(fake.callback_update(CHAT, lan_question.message_id, "ans:0@q:has_lan"))
    [model_question] = await hook.deliver(fake.text_update(CHAT, "40"))
    model_buttons = list(model_question.buttons)
    await hook.deliver(fake.text_update(CHAT, "1"))  # typed: "Hệ thống dùng chung"
    # the tapped keyboard is closed, the one answered by typing removed
    assert fake.message(CHAT, lan_question.message_id).reply_markup is None
    assert fake.message(CHAT, model_question.message_id).reply_markup is None
    before = await hook.state()
    assert before[0] == "q:measures"
    assert before[1]["has_lan"] is False and before[1]["model"] == "shared"
    shown = {m.message_id: m.body for m in fake.sent(CHAT)}
    sent_before = len(fake.sent(CHAT))
    answered_before = len(fake.calls_to("answerCallbackQuery"))

    # buttons of the earlier questions, raced in shuffled order, each pressed repeatedly
    old = [(lan_question.message_id, data) for _, data in lan_buttons if data.startswith("ans:")]
    old += [(model_question.message_id, data) for _, data in model_buttons
            if data.startswith("ans:")]
    assert sorted(d for _, d in old) == ["ans:0@q:has_lan", "ans:1@q:has_lan",
                                         "ans:own@q:model", "ans:shared@q:model"]
    presses = old * PRESSES
    RNG.shuffle(presses)
    await hook.post_all([fake.callback_update(CHAT, mid, data) for mid, data in presses])

    assert await hook.state() == before  # no answer changed, the step did not move
    replies = fake.sent(CHAT)[sent_before:]
    # The keyboard that was never used answers its first tap politely with the current
    # question; every later tap (and every tap on the used keyboard) gets a toast.
    [reply] = replies
    assert reply.body.startswith(STALE_BUTTON + "\n\nCâu 5/11 (câu số 6)")  # lan_nodes n/a
    assert "Biện pháp an toàn thông tin đã áp dụng?" in reply.body
    answered = fake.calls_to("answerCallbackQuery")[answered_before:]
    assert len(answered) == len(presses) and {c.status for c in answered} == {200}
    assert sorted(str(c.params.get("text")) for c in answered) == \
        ["None"] + [USED_BUTTON] * (len(presses) - 1)
    assert {m.message_id: m.body for m in fake.sent(CHAT)[:sent_before]} == shown  # no "✓"
