"""The OA token's lifetime: refreshed ahead of expiry on a schedule (an OA idle for
months stays alive), every "expired" form Zalo uses, a refused refresh token told to
the DIC and fixed with ``baocao zalo set-token``, and no database lock held while the
OAuth server answers."""

from __future__ import annotations

import asyncio
import datetime as dt
import time

import pytest

from bot.channel_health import channel_health
from bot.channels import zalo_oa
from bot.outbox import Dispatcher
from dialogs.messages import Outbound
from dialogs.ports import DeliveryError
from storage.models import OfficerRow
from tests.integration.bot.zalo.test_reminders import RecordingChannel, add_identity
from tests.support.zalo import USER, OAWorld


async def test_an_idle_oa_keeps_its_token_alive_for_months(oa_world: OAWorld) -> None:
    tokens = oa_world.channel.tokens
    clock = oa_world.boot.clock
    oa_world.fake.now = clock.now  # access tokens die after their 25 hours
    tokens.max_check = dt.timedelta(days=1)  # (the service looks hourly: same outcome)
    assert await tokens.keep_fresh() <= dt.timedelta(days=1)  # expiry unknown: refreshed
    assert oa_world.fake.refreshes == ["initial-refresh"]
    stored = await oa_world.stored_tokens()
    expires = dt.datetime.fromisoformat(stored["expires_at"])
    assert expires - clock.now() == dt.timedelta(seconds=90000)  # "expires_in" as a string
    start = clock.now()
    while clock.now() - start < dt.timedelta(days=120):  # four months without a message
        clock.advance(await tokens.keep_fresh())  # the service's schedule
    assert 100 <= len(oa_world.fake.refreshes) <= 130  # about once a day, ahead of expiry
    assert ("oauth", -14014) not in oa_world.fake.rejected
    assert not oa_world.fake.rejected  # never sent with an expired token
    replies = await oa_world.user().send("xin chào")  # the next round: the officer writes
    assert replies and not oa_world.fake.rejected


@pytest.mark.parametrize("code", [-216, -220, -124, 401])
async def test_every_expired_form_is_refreshed_once(oa_world: OAWorld, code: int) -> None:
    oa_world.fake.expired_code = code
    oa_world.fake.expire_access_tokens()
    await oa_world.channel.deliver(USER, [Outbound("Nhắc hạn")])
    assert oa_world.fake.texts_to(USER) == ["Nhắc hạn"]
    assert oa_world.fake.refreshes == ["initial-refresh"]


async def test_no_database_lock_is_held_while_the_oauth_server_answers(
    oa_world: OAWorld,
) -> None:
    oa_world.fake.refresh_delay = 1.5
    oa_world.fake.expire_access_tokens()
    sending = asyncio.create_task(oa_world.channel.deliver(USER, [Outbound("Nhắc hạn")]))
    while not oa_world.fake.oauth_in_flight:
        await asyncio.sleep(0.01)  # the fake's thread has the refresh request
    started = time.monotonic()
    async with oa_world.boot.uow_factory() as uow:  # a turn writing meanwhile
        await uow.channel_state.get(zalo_oa.TOKENS_KEY, lock=True)
        await uow.channel_state.put("other", {"x": 1}, oa_world.boot.clock.now())
        await uow.commit()
    assert time.monotonic() - started < 0.5
    assert oa_world.fake.oauth_in_flight == 1
    await sending
    assert oa_world.fake.texts_to(USER) == ["Nhắc hạn"]


async def test_a_refused_refresh_token_is_told_to_the_dic_and_set_token_fixes_it(
    oa_world: OAWorld,
) -> None:
    clock = oa_world.boot.clock
    async with oa_world.boot.uow_factory() as uow:  # a DIC officer, reachable on Telegram
        collector = next(a for a in await uow.agencies.list() if a.is_collector)
        dic = OfficerRow(agency_id=collector.id, full_name="Trần Thị Lan", role="dic",
                         created_at=clock.now())
        uow.session.add(dic)
        await uow.session.flush()
        dic_id = dic.id
        await uow.commit()
    await add_identity(oa_world, dic_id, "telegram", "tg-dic", clock.now())
    telegram = RecordingChannel("telegram")
    oa_world.boot.channels["telegram"] = telegram
    oa_world.channel.peers = oa_world.boot.channels

    oa_world.fake.revoke_refresh_tokens()
    oa_world.fake.expire_access_tokens()
    with pytest.raises(DeliveryError) as raised:
        await oa_world.channel.deliver(USER, [Outbound("Nhắc hạn")])
    assert raised.value.permanent
    with pytest.raises(DeliveryError):  # recorded: the OAuth server is not asked again
        await oa_world.channel.deliver(USER, [Outbound("Nhắc hạn")])
    assert [r for r in oa_world.fake.rejected if r[0] == "oauth"] == [("oauth", -14014)]

    await Dispatcher(oa_world.boot.channels, oa_world.boot.uow_factory, clock).run_once()
    [(to, text)] = telegram.sent
    assert to == "tg-dic" and "baocao zalo set-token" in text
    [oa] = [h for h in await channel_health(oa_world.boot) if h.channel == "zalo_oa"]
    assert not oa.up and oa.problem is not None and "set-token" in oa.problem

    # the operator obtains a new pair in Zalo's console and installs it
    oa_world.fake.issue_pair("manual-access", "manual-refresh")
    await zalo_oa.install_tokens(oa_world.boot.uow_factory, clock, "manual-access",
                                 "manual-refresh", 90000)
    await oa_world.channel.deliver(USER, [Outbound("Đã chạy lại")])  # the running process
    assert oa_world.fake.texts_to(USER)[-1] == "Đã chạy lại"
    [oa] = [h for h in await channel_health(oa_world.boot) if h.channel == "zalo_oa"]
    assert oa.up and oa.token_expires_at is not None
