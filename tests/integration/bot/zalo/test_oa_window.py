"""Zalo OA's messaging window as Zalo defines it (free 48 h, 8 messages per user
message, paid quota up to 7 days, refused after), enforced by the fake: reminders go
on the OA only when they fit, fall back at once to the officer's other channel, and
an agency nobody can reach shows "không liên lạc được" with the reason."""

from __future__ import annotations

import datetime as dt

from bot.notify import notify_agency
from bot.outbox import Dispatcher
from bot.reminders import Calendar, round_status
from dialogs.messages import Outbound
from tests.integration.bot.zalo.test_reminders import RecordingChannel, add_identity, bind_on_zalo
from tests.support.zalo import OAWorld

REMINDER = [Outbound("Nhắc hạn: còn 3 ngày để nộp báo cáo năm 2026.")]


def enforce_window(world: OAWorld, paid_quota: int = 0) -> RecordingChannel:
    world.fake.now = world.boot.clock.now
    world.fake.paid_quota = paid_quota
    world.channel.paid_quota = paid_quota
    telegram = RecordingChannel("telegram")
    world.boot.channels["telegram"] = telegram
    world.channel.peers = world.boot.channels
    return telegram


async def remind(world: OAWorld, abbreviation: str, key: str) -> list[str]:
    """Queue a reminder for the agency and deliver it; the channels it was queued on."""
    clock = world.boot.clock
    async with world.boot.uow_factory() as uow:
        agency = await uow.agencies.by_abbreviation(abbreviation)
        assert agency is not None
        reach = await notify_agency(uow, agency.id, REMINDER, channels=world.boot.channels,
                                    now=clock.now(), dedupe_key=key)
        await uow.commit()
    dispatcher = Dispatcher(world.boot.channels, world.boot.uow_factory, clock)
    await dispatcher.run_once()
    await dispatcher.run_once()  # what fell back to another channel meanwhile
    return [i.channel for i in reach.queued]


async def test_eight_free_messages_per_user_message_then_the_other_channel(
    oa_world: OAWorld,
) -> None:
    telegram = enforce_window(oa_world)
    officer = await bind_on_zalo(oa_world, "zalo-sct", "SCT")  # the officer wrote: window open
    await add_identity(oa_world, officer, "telegram", "tg-sct",
                       oa_world.boot.clock.now() - dt.timedelta(days=30))
    replies = oa_world.fake.sent_since["zalo-sct"]  # the bot's replies count as well
    for n in range(8 - replies):
        assert await remind(oa_world, "SCT", f"rem:x:{n}") == ["zalo_oa"]
    assert telegram.sent == []
    assert await remind(oa_world, "SCT", "rem:x:9") == ["zalo_oa"]
    # the ninth went to Telegram at once, without asking Zalo (and no retry)
    assert telegram.sent == [("tg-sct", REMINDER[0].text)]
    assert oa_world.fake.rejected == []
    assert sum(t == REMINDER[0].text for t in oa_world.fake.texts_to("zalo-sct")) == 8 - replies


async def test_after_48_hours_the_paid_quota_is_used_then_the_fallback(
    oa_world: OAWorld,
) -> None:
    telegram = enforce_window(oa_world, paid_quota=1)
    officer = await bind_on_zalo(oa_world, "zalo-sct", "SCT")
    await add_identity(oa_world, officer, "telegram", "tg-sct",
                       oa_world.boot.clock.now() - dt.timedelta(days=30))
    oa_world.boot.clock.advance(dt.timedelta(hours=50))
    assert await remind(oa_world, "SCT", "rem:y:1") == ["zalo_oa"]
    assert oa_world.fake.texts_to("zalo-sct")[-1] == REMINDER[0].text  # paid
    assert oa_world.fake.paid_used == 1
    assert await remind(oa_world, "SCT", "rem:y:2") == ["zalo_oa"]
    assert telegram.sent == [("tg-sct", REMINDER[0].text)]  # quota spent: fell back
    assert oa_world.fake.paid_used == 1


async def test_a_permanent_zalo_refusal_falls_back_at_once(oa_world: OAWorld) -> None:
    telegram = enforce_window(oa_world)
    officer = await bind_on_zalo(oa_world, "zalo-sct", "SCT")
    await add_identity(oa_world, officer, "telegram", "tg-sct",
                       oa_world.boot.clock.now() - dt.timedelta(days=30))
    oa_world.fake.refuse("zalo-sct", -232)
    assert await remind(oa_world, "SCT", "rem:z:1") == ["zalo_oa"]
    assert telegram.sent == [("tg-sct", REMINDER[0].text)]
    assert oa_world.fake.rejected == [("cs", -232)]  # asked once, never retried


async def test_an_agency_reachable_only_outside_the_window_is_unreachable_with_reason(
    oa_world: OAWorld,
) -> None:
    enforce_window(oa_world)
    await bind_on_zalo(oa_world, "zalo-sct", "SCT")
    oa_world.fake.refuse("zalo-sct", -213)
    async with oa_world.boot.uow_factory() as uow:
        agency = await uow.agencies.by_abbreviation("SCT")
        assert agency is not None
        [assignment] = await uow.assignments.list_open(agency.id)
    assert await remind(oa_world, "SCT", f"rem:a{assignment.id}:1") == ["zalo_oa"]
    async with oa_world.boot.uow_factory() as uow:
        _, progress = await round_status(
            uow, assignment.round_id, templates=oa_world.boot.templates,
            calendar=Calendar.from_settings(oa_world.boot.settings), now=oa_world.boot.clock.now())
    [sct] = [p for p in progress if p.abbreviation == "SCT"]
    assert sct.unreachable
    assert sct.unreachable_reason is not None and "-213" in sct.unreachable_reason
