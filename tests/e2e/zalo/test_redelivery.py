"""Zalo re-delivers: the same webhook events arriving 1,000 more times (Zalo OA, signed,
de-duplicated by ``msg_id``; Zalo Bot Platform, by ``message_id``) are processed once,
and an officer tapping the OA buttons of earlier questions, in any order and many
times over, changes nothing. The web app in-process (as ``baocao run`` wires it),
the channels' real HTTP clients against the fakes, SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.bootstrap import Bootstrapped, build_app
from bot.channels import zalo_bot, zalo_oa
from bot.webapp import create_web_app
from dialogs.loader import load_template, load_templates
from dialogs.texts import STALE_BUTTON
from storage import admin
from tests.fakes.loopback import serve
from tests.fakes.zalo_bot_api import FakeZaloBot
from tests.fakes.zalo_oa_api import FakeZaloOA
from tests.integration.dialogs.conftest import (
    DEFAULT_AGENCIES,
    DEFAULT_ROUND,
    HERE,
    FakeClock,
)
from tests.support.zalo import bot_env, oa_env, patient, settings_with

OA_USER = "8461527390184620777"
BOT_CHAT = "5c3e9a1f7d2b4e60"
REDELIVERIES = 1000
FIRST_COPIES = 50  # each event first arrives as this many simultaneous copies
BATCH = 100  # requests in flight at once
PRESSES = 5  # each old button is pressed this many times
RNG = random.Random(8)  # the same "random" order every run

Request = tuple[bytes, dict[str, str]]  # (body, headers) of one webhook call


@dataclass
class Zalo:
    boot: Bootstrapped
    oa: FakeZaloOA
    bot: FakeZaloBot
    http: httpx.AsyncClient
    invites: list[str]
    posted: int = 0

    async def post_all(self, path: str, requests: list[Request]) -> None:
        """POST every request, BATCH at a time concurrently; each is answered once the
        event has been handled (the web app processes it right after its response)."""
        for start in range(0, len(requests), BATCH):
            batch = requests[start:start + BATCH]
            answers = await asyncio.gather(*(
                self.http.post(path, content=body, headers=headers) for body, headers in batch))
            assert [a.status_code for a in answers] == [200] * len(batch), answers[0].text
            self.posted += len(batch)

    async def state(self, channel: str, user_id: str
                    ) -> tuple[str | None, dict[str, Any], list[tuple[str, Any]]]:
        """(step, answers, [(question, new value) of every stored change])."""
        async with self.boot.uow_factory() as uow:
            conv = await uow.conversations.get(channel, user_id)
            assert conv is not None and conv.assignment_id is not None
            answers = await uow.answers.get(conv.assignment_id)
            history = await uow.answers.history(conv.assignment_id)
        return conv.step, answers, [(h.question_id, h.new) for h in history]


bundled_templates = cache(load_templates)  # parsed once, not for every test


@pytest.fixture
async def zalo(database_url: str, tmp_path: Path,
               monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Zalo]:
    """Both Zalo channels configured against their fakes (the Bot Platform in webhook
    mode), one agency with an open round of the small test questionnaire."""
    monkeypatch.setattr("bot.bootstrap.load_templates", bundled_templates)
    oa, bot = FakeZaloOA(), FakeZaloBot()
    with serve(oa.app()) as oa_url, serve(bot.app()) as bot_url:
        env = {**oa_env(oa, oa_url),
               **bot_env(bot, bot_url, webhook_url="https://bot.test/zalo/bot/webhook")}
        clock = FakeClock()
        boot = await build_app(settings_with(env, database_url, tmp_path), clock=clock,
                               run_migrations=False)
        try:
            boot.templates = {**boot.templates, "mini": load_template(HERE / "mini.yaml")}
            boot.engine.templates = boot.templates
            patient(boot)
            for service in boot.services:
                if getattr(service, "__name__", "") != "run":  # registers the webhook
                    await service()
            assert bot.webhook is not None
            async with boot.uow_factory() as uow:
                agency = await admin.add_agency(uow, **DEFAULT_AGENCIES[0])
                await admin.open_round(uow, template_id="mini", template_version=1,
                                       agency_ids=[agency.id], now=clock.now(), **DEFAULT_ROUND)
                invites = [await admin.create_invite(uow, agency.id, now=clock.now())
                           for _ in range(2)]
                await uow.commit()
            transport = httpx.ASGITransport(app=create_web_app(boot))
            async with httpx.AsyncClient(transport=transport, base_url="http://bot.test") as http:
                yield Zalo(boot, oa, bot, http, invites)
        finally:
            await boot.aclose()


Turn = tuple[str, str, str, tuple[str, Any]]
#: (what the officer sends, the question asked next, the step then, the answer stored)
TURNS: list[Turn] = [
    ("56", "Câu 2/12", "q:computers", ("staff", 56)),
    ("50", "Câu 3/12", "q:has_lan", ("computers", 50)),
    ("có", "Câu 4/12", "q:lan_nodes", ("has_lan", True)),
    ("40", "Câu 5/12", "q:model", ("lan_nodes", 40)),
    ("2", "Câu 6/12", "q:measures", ("model", "own")),  # "2. Hệ thống riêng"
]


async def walk(zalo: Zalo, channel: str, user_id: str, code: str,
               deliver: Callable[[str], Awaitable[list[str]]]) -> None:
    """Bind with ``code`` and answer TURNS, each message delivered FIRST_COPIES times at
    once: one reply each, the step one further, the answer stored once."""
    bound = "\n".join(await deliver(code))
    assert "Xác nhận: Anh/Chị đã được liên kết với Sở Công Thương." in bound
    assert bound.count("Câu 1/12") == 1
    assert await zalo.state(channel, user_id) == ("q:staff", {}, [])
    history: list[tuple[str, Any]] = []
    for said, question, step, stored in TURNS:
        replies = await deliver(said)
        assert len(replies) == 1 and replies[0].startswith(question), replies
        history.append(stored)
        now_step, _, now_history = await zalo.state(channel, user_id)
        assert (now_step, now_history) == (step, history)


async def test_oa_events_redelivered_a_thousand_times_are_processed_once(zalo: Zalo) -> None:
    oa = zalo.oa
    events: list[Request] = []

    async def deliver(text: str) -> list[str]:
        before = len(oa.texts_to(OA_USER))
        event = oa.event(OA_USER, text, msg_id=f"oa-{len(events)}")
        events.append(event)
        await zalo.post_all(zalo_oa.WEBHOOK_PATH, [event] * FIRST_COPIES)
        return oa.texts_to(OA_USER)[before:]

    await walk(zalo, "zalo_oa", OA_USER, zalo.invites[0], deliver)
    state = await zalo.state("zalo_oa", OA_USER)
    sent = oa.count()

    late = [RNG.choice(events) for _ in range(REDELIVERIES - len(events) * (FIRST_COPIES - 1))]
    await zalo.post_all(zalo_oa.WEBHOOK_PATH, late)  # Zalo retries, late and shuffled
    assert zalo.posted == len(events) + REDELIVERIES
    assert await zalo.state("zalo_oa", OA_USER) == state
    assert oa.count() == sent and oa.rejected == []


async def test_bot_platform_updates_redelivered_a_thousand_times_are_processed_once(
    zalo: Zalo,
) -> None:
    bot = zalo.bot
    updates: list[Request] = []

    async def deliver(text: str) -> list[str]:
        before = len(bot.texts_to(BOT_CHAT))
        update = bot.webhook_request(BOT_CHAT, text, message_id=f"zb-{len(updates)}",
                                     wrapped=len(updates) % 2 == 1)
        updates.append(update)
        await zalo.post_all(zalo_bot.WEBHOOK_PATH, [update] * FIRST_COPIES)
        return bot.texts_to(BOT_CHAT)[before:]

    await walk(zalo, "zalo_bot", BOT_CHAT, zalo.invites[1], deliver)
    state = await zalo.state("zalo_bot", BOT_CHAT)
    sent = bot.count()

    late = [RNG.choice(updates) for _ in range(REDELIVERIES - len(updates) * (FIRST_COPIES - 1))]
    await zalo.post_all(zalo_bot.WEBHOOK_PATH, late)
    assert zalo.posted == len(updates) + REDELIVERIES
    assert await zalo.state("zalo_bot", BOT_CHAT) == state
    assert bot.count() == sent


async def test_taps_on_old_oa_buttons_change_nothing(zalo: Zalo) -> None:
    """OA buttons cannot be taken back: a tap sends the button's payload as a message,
    whenever it comes. Old answer buttons, tapped in shuffled order, again and again."""
    oa = zalo.oa
    counter = 0

    async def send(text: str) -> list[dict[str, Any]]:
        """Send ``text``; the buttons of the messages the OA sent back."""
        nonlocal counter
        counter += 1
        before = len(oa.messages_to(OA_USER))
        await zalo.post_all(zalo_oa.WEBHOOK_PATH,
                            [oa.event(OA_USER, text, msg_id=f"tap-{counter}")])
        return [b for m in oa.messages_to(OA_USER)[before:] for b in m.buttons]

    await send(zalo.invites[0])
    await send("56")
    lan_buttons = await send("50")
    await send(next(b["payload"] for b in lan_buttons if b["title"] == "Không"))
    model_buttons = await send("40")
    await send(next(b["payload"] for b in model_buttons if b["title"] == "Hệ thống dùng chung"))
    before = await zalo.state("zalo_oa", OA_USER)
    assert before[0] == "q:measures"
    assert before[1]["has_lan"] is False and before[1]["model"] == "shared"

    old = [b["payload"] for b in lan_buttons + model_buttons if b["payload"].startswith("#b:ans:")]
    assert sorted(old) == ["#b:ans:0@q:has_lan", "#b:ans:1@q:has_lan", "#b:ans:own@q:model",
                           "#b:ans:shared@q:model"]
    presses = old * PRESSES
    RNG.shuffle(presses)
    sent = len(oa.messages_to(OA_USER))
    for payload in presses:  # one officer's taps: one after another
        await send(payload)

    assert await zalo.state("zalo_oa", OA_USER) == before  # nothing stored, the step kept
    replies = oa.texts_to(OA_USER)[sent:]
    assert len(replies) == 2 * len(presses)  # every tap: the polite refusal, the question
    assert replies[0::2] == [STALE_BUTTON] * len(presses)
    assert all(r.startswith("Câu 5/11 (câu số 6)") for r in replies[1::2])  # lan_nodes n/a
