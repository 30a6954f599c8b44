"""Zalo Bot long polling loses nothing and handles nothing twice when the bot is killed
mid-batch. The platform hands each update out once (``getUpdates`` has no offset to
confirm), so a polled update is committed to the durable inbox before the next is
fetched; the next process handles what the dead one left. The real polling code
(``baocao run``'s services) against the fake Bot Platform API, on the real engine and
storage (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

from sqlalchemy import func, select

from bot.bootstrap import Bootstrapped, build_app
from bot.clock import FixedClock
from bot.demo import fresh_invites, seed_demo
from storage.models import AnswerHistoryRow, WebhookInboxRow
from tests.fakes.zalo_bot_api import FakeZaloBot
from tests.support.zalo import START, bot_env, settings_with, wait_until

FIRST = "Sở ban hành kế hoạch ứng dụng CNTT."
CHATS = ["a1a1a1a1a1a1a1a1", "b2b2b2b2b2b2b2b2", "c3c3c3c3c3c3c3c3"]
SLOW = CHATS[1]  # the bot's replies to this officer are slow: the kill finds it mid-way


async def run_services(boot: Bootstrapped) -> list[asyncio.Task[None]]:
    return [asyncio.create_task(service()) for service in boot.services]


async def kill(boot: Bootstrapped, tasks: list[asyncio.Task[None]]) -> None:
    """What a killed process leaves: nothing of its memory, only the database."""
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await boot.aclose()


def count(texts: list[str], start: str) -> int:
    return sum(t.startswith(start) for t in texts)


async def test_a_bot_killed_mid_batch_loses_nothing_and_handles_nothing_twice(
    database_url: str, tmp_path: Path, fake_bot: tuple[FakeZaloBot, str]
) -> None:
    fake, url = fake_bot
    clock = FixedClock(START)
    settings = settings_with(bot_env(fake, url), database_url, tmp_path)
    boot = await build_app(settings, clock=clock, run_migrations=False)
    await seed_demo(boot.uow_factory, boot.templates, clock)
    codes = [i.code for i in await fresh_invites(boot.uow_factory, clock)
             if not i.agency.is_collector][:len(CHATS)]
    fake.hold(SLOW)
    for chat, code in zip(CHATS, codes, strict=True):  # a batch: every officer at once
        fake.push(chat, code, message_id=f"{chat}-1")
    for n, text in enumerate([FIRST, "quay lại"], start=2):
        for chat in CHATS:
            fake.push(chat, text, message_id=f"{chat}-{n}")
    tasks = await run_services(boot)
    try:
        await wait_until(lambda: fake.queued() == 0 and fake.waiting(SLOW) >= 1
                         and all(count(fake.texts_to(c), "Câu 1/") == 2
                                 for c in CHATS if c != SLOW), "the batch, one reply held")
    finally:
        await kill(boot, tasks)  # mid-batch: the slow officer's turns are not done
    fake.release(SLOW, lost=True)  # the dead bot's reply never arrives
    assert fake.polled == 9 and fake.texts_to(SLOW) == []  # all taken; none answered

    clock.advance(dt.timedelta(minutes=6))  # the dead process's lease on its event ran out
    boot = await build_app(settings, clock=clock, run_migrations=False)
    tasks = await run_services(boot)
    try:
        await wait_until(lambda: count(fake.texts_to(SLOW), "Câu 1/") == 1,
                         "the slow officer's last reply")
        await boot.inbox.idle()  # type: ignore[union-attr]
        async with boot.uow_factory() as uow:
            pending = await uow.session.scalar(
                select(func.count()).select_from(WebhookInboxRow)
                .where(WebhookInboxRow.handled_at.is_(None)))
            handled = await uow.session.scalar(
                select(func.count()).select_from(WebhookInboxRow)
                .where(WebhookInboxRow.handled_at.is_not(None)))
            stored = (await uow.session.execute(
                select(AnswerHistoryRow.assignment_id, AnswerHistoryRow.question_id))).all()
            steps = {chat: await uow.conversations.get("zalo_bot", chat) for chat in CHATS}
    finally:
        await kill(boot, tasks)

    assert (pending, handled) == (0, 9)  # every polled update stored, and handled
    for chat in CHATS:
        texts = fake.texts_to(chat)
        # in order, once: the next question after the first answer, then back
        assert count(texts, "Câu 2/") == 1 and count(texts, "Câu 1/") == (
            1 if chat == SLOW else 2), texts
        assert texts.index(next(t for t in texts if t.startswith("Câu 2/"))) < len(texts) - 1
        assert texts[-1].startswith("Câu 1/")
        conv = steps[chat]
        assert conv is not None and conv.assignment_id is not None
        assert [q for a, q in stored if a == conv.assignment_id] == [conv.step.removeprefix(
            "q:")], stored  # the first answer stored once; "quay lại" stores nothing
    # the slow officer's binding was committed by the dead bot; its reply was lost with
    # it, and the next bot did not bind again
    assert not any("đã được liên kết" in t for t in fake.texts_to(SLOW))
