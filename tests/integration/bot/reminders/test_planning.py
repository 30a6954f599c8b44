"""Planning :mod:`bot.reminders.planning`: the default schedule over nights, a weekend and a
holiday; a submission cancelling the rest; a new deadline re-planning.
"""

from __future__ import annotations

import datetime as dt

from bot.reminders import ReminderPolicy, plan_round, save_policy
from dialogs.cursor import Outline
from storage import admin
from tests.integration.bot.reminders.support import (
    CALENDAR,
    HOURLY,
    TEMPLATE,
    TOTAL,
    local,
    open_round,
    submit,
)


async def test_default_schedule_skips_nights_the_weekend_and_the_holiday(uow_factory):
    world = await open_round(uow_factory)
    async with uow_factory() as uow:  # the officer has answered two questions
        first, second = list(Outline.of(TEMPLATE).numbers)[:2]
        await uow.answers.set(world.assignments["SCT"], first, "x", None, local(1, 11))
        await uow.answers.set(world.assignments["SCT"], second, "y", None, local(1, 11))
        await uow.commit()
    # every hour at :30, from Sunday 13/12 to Friday 25/12, day and night
    await world.run(local(13, 0), local(25, 23), HOURLY)

    assert world.times("tg-SCT") == [
        "Mon 14/12 08:30",  # 7 days before
        "Fri 18/12 08:30",  # 3 days before (Fri) and 1 day before (Sun -> Fri): once
        "Mon 21/12 08:30",  # the deadline
        # Tue 22/12 is a holiday
        "Wed 23/12 08:30",  # overdue, every working day
        "Thu 24/12 08:30",
        "Fri 25/12 08:30",
    ]
    texts = [m.text for _, m in world.channel.to("tg-SCT")]
    assert f"Đã trả lời 2/{TOTAL} câu" in texts[0]
    assert "còn 7 ngày" in texts[0] and "còn 3 ngày" in texts[1]
    assert "hôm nay" in texts[2] and "đã quá hạn 2 ngày" in texts[3]
    button = world.channel.to("tg-SCT")[0][1].buttons[0][0]
    assert button.data == f"cmd:continue:{world.assignments['SCT']}"
    assert f"Đã trả lời 0/{TOTAL} câu" in world.channel.to("tg-STC")[0][1].text
    # the DIC officer got no reminder: only agencies' officers are reminded
    assert world.channel.to("tg-DIC") == []
    kinds = [(r.kind, r.status) for r in await world.reminders("SCT") if r.status != "planned"]
    assert kinds == [("before_7", "sent"), ("before_1", "sent"), ("due_day", "sent"),
                     ("overdue", "sent"), ("overdue", "sent"), ("overdue", "sent")]


async def test_submission_cancels_the_rest(uow_factory):
    world = await open_round(uow_factory)
    await world.run(local(14, 8), local(14, 9), HOURLY)
    await submit(world, "STC", local(15, 10))
    await world.run(local(15, 11), local(24, 11), HOURLY)

    assert world.times("tg-STC") == ["Mon 14/12 08:30"]
    assert len(world.times("tg-SCT")) == 5
    statuses = {r.status for r in await world.reminders("STC") if r.kind != "before_7"}
    assert statuses == {"cancelled"}
    assert {r.reason for r in await world.reminders("STC") if r.status == "cancelled"} == {
        "submitted"}


async def test_deadline_change_replans(uow_factory):
    world = await open_round(uow_factory, ("SCT",))
    await world.run(local(14, 8), local(14, 9), HOURLY)
    async with uow_factory() as uow:  # what `baocao round deadline 1 2026-12-31` does
        await admin.set_deadline(uow, world.round_id, dt.date(2026, 12, 31), now=local(15, 9))
        await save_policy(uow, world.round_id, ReminderPolicy(), now=local(15, 9))
        result = await plan_round(uow, world.round_id, calendar=CALENDAR, now=local(15, 9))
        await uow.commit()
    assert result.cancelled == 2 and result.created >= 3
    await world.run(local(15, 20), local(31, 23), dt.timedelta(hours=12))  # 20:30, 08:30

    assert world.times("tg-SCT") == [
        "Mon 14/12 08:30",  # sent before the change
        "Thu 24/12 08:30",  # 7 days before 31/12
        "Mon 28/12 08:30",  # 3 days before
        "Wed 30/12 08:30",  # 1 day before
        "Thu 31/12 08:30",  # the new deadline
    ]
    cancelled = [r for r in await world.reminders("SCT") if r.status == "cancelled"]
    assert {r.reason for r in cancelled} == {"schedule changed"}
    assert {r.due_at for r in cancelled} == {local(18), local(21)}
