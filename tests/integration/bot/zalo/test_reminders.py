"""A notice to an officer whose Zalo OA window has closed goes out on their other
channel; an officer reachable only on Zalo is reported unreachable."""

from __future__ import annotations

import datetime as dt

from bot.notify import notify_agency
from bot.outbox import Dispatcher
from dialogs.messages import Outbound
from storage.models import IdentityRow
from tests.support.zalo import OAWorld

REMINDER = [Outbound("Nhắc hạn: còn 3 ngày để nộp báo cáo năm 2026.")]


class RecordingChannel:
    window = None

    def __init__(self, name: str) -> None:
        self.name = name
        self.sent: list[tuple[str, str]] = []

    async def deliver(self, user_id: str, messages: list[Outbound]) -> None:
        self.sent.extend((user_id, m.text) for m in messages)


async def bind_on_zalo(world: OAWorld, user_id: str, agency: str) -> int:
    user = world.user(user_id)
    await user.send(world.invites[agency])
    assert "đã được liên kết" in user.text
    async with world.boot.uow_factory() as uow:
        officer = await uow.identities.officer_for("zalo_oa", user_id)
    assert officer is not None
    return officer.id


async def add_identity(world: OAWorld, officer_id: int, channel: str, user_id: str,
                       seen: dt.datetime) -> None:
    async with world.boot.uow_factory() as uow:
        uow.session.add(IdentityRow(channel=channel, user_id=user_id, officer_id=officer_id,
                                    last_seen_at=seen))
        await uow.commit()


async def test_closed_zalo_window_falls_back_to_telegram_or_web_or_is_unreachable(
    oa_world: OAWorld,
) -> None:
    clock = oa_world.boot.clock
    start = clock.now()
    with_telegram = await bind_on_zalo(oa_world, "zalo-sct", "SCT")
    await add_identity(oa_world, with_telegram, "telegram", "tg-sct", start - dt.timedelta(days=30))
    with_web = await bind_on_zalo(oa_world, "zalo-stc", "STC")
    await add_identity(oa_world, with_web, "web", "w" * 20, start - dt.timedelta(days=20))
    only_zalo = await bind_on_zalo(oa_world, "zalo-syt", "SYT")
    sent_before = oa_world.fake.count()

    clock.advance(dt.timedelta(days=8))  # nobody wrote to the OA for 8 days
    telegram = RecordingChannel("telegram")
    channels = {"zalo_oa": oa_world.channel, "telegram": telegram}
    reaches = {}
    async with oa_world.boot.uow_factory() as uow:
        for abbreviation in ("SCT", "STC", "SYT"):
            agency = await uow.agencies.by_abbreviation(abbreviation)
            assert agency is not None
            reaches[abbreviation] = await notify_agency(
                uow, agency.id, REMINDER, channels=channels, now=clock.now(),
                dedupe_key=f"reminder:{abbreviation}:d-3")
        await uow.commit()
    assert [i.channel for i in reaches["SCT"].queued] == ["telegram"]
    assert [i.channel for i in reaches["STC"].queued] == ["web"]
    assert not reaches["SYT"].reachable and reaches["SYT"].unreachable_officers == [only_zalo]

    await Dispatcher(channels, oa_world.boot.uow_factory, clock).run_once()
    assert telegram.sent == [("tg-sct", REMINDER[0].text)]
    assert oa_world.fake.count() == sent_before  # nothing was attempted on Zalo
    assert oa_world.fake.rejected == []


async def test_zalo_refusing_a_message_marks_the_notice_failed_not_retried(
    oa_world: OAWorld,
) -> None:
    """Our record says the window is open, but Zalo says the user has not interacted."""
    await bind_on_zalo(oa_world, "zalo-sct", "SCT")
    clock = oa_world.boot.clock
    clock.advance(dt.timedelta(days=1))  # inside the 48-hour window
    oa_world.fake.closed.add("zalo-sct")
    channels = {"zalo_oa": oa_world.channel}
    async with oa_world.boot.uow_factory() as uow:
        agency = await uow.agencies.by_abbreviation("SCT")
        assert agency is not None
        reach = await notify_agency(uow, agency.id, REMINDER, channels=channels,
                                    now=clock.now(), dedupe_key="reminder:SCT:d-1")
        await uow.commit()
    assert [i.channel for i in reach.queued] == ["zalo_oa"]
    assert await Dispatcher(channels, oa_world.boot.uow_factory, clock).run_once() == 0
    async with oa_world.boot.uow_factory() as uow:
        assert await uow.outbox.status(f"reminder:SCT:d-1:o{reach.queued[0].officer_id}") \
            == "failed"
    assert ("cs", -230) in oa_world.fake.rejected
