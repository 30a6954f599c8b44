"""The DIC officers' daily digest (:mod:`bot.reminders.digest`)."""

from __future__ import annotations

from bot.reminders import send_daily_digest
from tests.integration.bot.reminders.support import TOTAL, local, open_round, submit


async def test_daily_digest_lists_late_and_not_started_agencies_to_dic_officers(uow_factory):
    world = await open_round(uow_factory, ("SCT", "STC", "SYT"))
    async with uow_factory() as uow:
        await uow.answers.set(world.assignments["SCT"], "so_cbcc", 5, None, local(20))
        await uow.commit()
    await submit(world, "SYT", local(18))
    assert await send_daily_digest(world.deps, local(23, 8, 30)) == 1
    assert await send_daily_digest(world.deps, local(23, 9, 0)) == 0  # once a day
    assert await send_daily_digest(world.deps, local(26, 8, 30)) == 0  # Saturday
    await world.flush(local(26, 9))
    [(_, digest)] = world.channel.to("tg-DIC")
    assert "đã nộp 1/3" in digest.text
    assert f"Quá hạn, chưa nộp (2): SCT (1/{TOTAL}), STC (0/{TOTAL})" in digest.text
