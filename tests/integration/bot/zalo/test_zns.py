"""ZNS reminders to the officer's phone: numbers normalised, the template filled from
settings, ``tracking_id`` = the outbox's dedupe key (a retry never sends twice), and
the fake's refusals (invalid phone, template, quota) handled by meaning."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.bootstrap import build_app
from bot.channels.zns import normalize_phone, phone_problem
from bot.clock import FixedClock
from bot.demo import fresh_invites, seed_demo
from bot.notify import notify_agency
from bot.outbox import Dispatcher
from bot.webapp import create_web_app
from dialogs.messages import Outbound
from tests.fakes.loopback import serve
from tests.fakes.zalo_oa_api import FakeZaloOA
from tests.fakes.zalo_zns_api import FakeZns
from tests.integration.bot.zalo.test_reminders import bind_on_zalo
from tests.support.zalo import START, OAWorld, oa_env, patient, settings_with

REMINDER = [Outbound("Nhắc hạn: còn 3 ngày để nộp báo cáo năm 2026.")]


@pytest.mark.parametrize(("given", "stored"), [
    ("0912 345 678", "84912345678"), ("+84 912 345 678", "84912345678"),
    ("84912345678", "84912345678"), ("091.234.5678", "84912345678"),
    ("(+84) 98-765-4321", "84987654321"), ("0912 345 67", None), ("012345678901", None),
    ("abc", None), ("", None), ("0212 345 678", None),
])
def test_phone_numbers_are_normalised_or_refused(given: str, stored: str | None) -> None:
    assert normalize_phone(given) == stored


def test_a_malformed_number_is_refused_with_an_example() -> None:
    assert "ví dụ: 0912 345 678" in phone_problem("0912")


@pytest.fixture
async def zns_world(database_url: str, tmp_path: Path) -> AsyncIterator[tuple[OAWorld, FakeZns]]:
    fake, zns = FakeZaloOA(), FakeZns()
    with serve(fake.app()) as url, serve(zns.app()) as zns_url:
        env = {**oa_env(fake, url), "ZALO_ZNS_TEMPLATE_ID": "301234",
               "ZALO_ZNS_TEMPLATE_DATA": '{"noi_dung": "text"}', "ZALO_ZNS_API_URL": zns_url}
        clock = FixedClock(START)
        boot = await build_app(settings_with(env, database_url, tmp_path), clock=clock,
                               run_migrations=False)
        patient(boot)
        try:
            await seed_demo(boot.uow_factory, boot.templates, clock)
            invites = {i.agency.abbreviation: i.code
                       for i in await fresh_invites(boot.uow_factory, clock)}
            transport = httpx.ASGITransport(app=create_web_app(boot))
            async with httpx.AsyncClient(transport=transport, base_url="http://bot.test") as c:
                yield OAWorld(boot, fake, c, invites, database_url), zns
        finally:
            await boot.aclose()


async def _remind(world: OAWorld, key: str) -> list[str]:
    clock = world.boot.clock
    async with world.boot.uow_factory() as uow:
        agency = await uow.agencies.by_abbreviation("SCT")
        assert agency is not None
        reach = await notify_agency(uow, agency.id, REMINDER, channels=world.boot.channels,
                                    now=clock.now(), dedupe_key=key)
        await uow.commit()
    dispatcher = Dispatcher(world.boot.channels, world.boot.uow_factory, clock)
    await dispatcher.run_once()
    await dispatcher.run_once()
    return [i.channel for i in reach.queued]


async def _with_phone(world: OAWorld, phone: str) -> None:
    officer = await bind_on_zalo(world, "zalo-sct", "SCT")
    async with world.boot.uow_factory() as uow:
        await uow.phones.set(officer, phone, "admin", world.boot.clock.now())
        await uow.commit()


async def test_outside_the_window_the_reminder_goes_by_zns_once(
    zns_world: tuple[OAWorld, FakeZns],
) -> None:
    world, zns = zns_world
    await _with_phone(world, normalize_phone("0912 345 678") or "")
    world.boot.clock.advance(dt.timedelta(days=8))
    assert await _remind(world, "rem:a1:7") == ["zns"]
    assert await _remind(world, "rem:a1:7") == []  # decided again: queued once only
    [sent] = zns.to("84912345678")
    assert sent.template_id == "301234" and sent.data == {"noi_dung": REMINDER[0].text}
    assert sent.tracking_id == "rem:a1:7:o" + sent.tracking_id.rsplit(":o", 1)[1]
    assert zns.duplicates == 0


async def test_a_permanent_oa_refusal_inside_the_window_falls_back_to_zns(
    zns_world: tuple[OAWorld, FakeZns],
) -> None:
    world, zns = zns_world
    await _with_phone(world, "84912345678")
    world.fake.refuse("zalo-sct", -232)
    assert await _remind(world, "rem:a1:3") == ["zalo_oa"]
    [sent] = zns.to("84912345678")
    assert sent.tracking_id is not None and sent.tracking_id.endswith(":fb:zns")


@pytest.mark.parametrize(("problem", "code", "retried"), [
    ("invalid_phone", -108, False), ("template", -1124, False), ("quota", -1131, True)])
async def test_zns_refusals(zns_world: tuple[OAWorld, FakeZns], problem: str, code: int,
                            retried: bool) -> None:
    world, zns = zns_world
    await _with_phone(world, "8491234567" if problem == "invalid_phone" else "84912345678")
    if problem == "template":
        zns.templates["301234"] = {"noi_dung", "han_nop"}
    if problem == "quota":
        zns.quota = 0
    world.boot.clock.advance(dt.timedelta(days=8))
    assert await _remind(world, "rem:a1:1") == ["zns"]
    assert zns.sent == [] and zns.rejected == [code]  # asked once
    async with world.boot.uow_factory() as uow:
        [key] = [k for k in [f"rem:a1:1:o{o}" for o in range(1, 20)]
                 if await uow.outbox.status(k) is not None]
        status = await uow.outbox.status(key)
    assert status == ("queued" if retried else "failed")


async def test_the_phone_is_asked_once_after_binding_malformed_refused_then_stored(
    zns_world: tuple[OAWorld, FakeZns],
) -> None:
    world, _ = zns_world
    user = world.user("zalo-new")
    await user.send(world.invites["SCT"])
    assert "đã được liên kết với Sở Công Thương" in user.text
    assert "số di động" in user.text and "nhắc hạn" in user.text and "bỏ qua" in user.text
    assert "Câu 1/" not in user.text  # the questionnaire waits for the answer
    await user.send("0912 345")
    assert "chưa đúng" in user.text and "ví dụ: 0912 345 678" in user.text
    await user.send("+84 912 345 678")
    assert "Đã lưu số điện thoại 0912 345 678" in user.text
    assert user.last[-1].text.startswith("Câu 1/")
    async with world.boot.uow_factory() as uow:
        officer = await uow.identities.officer_for("zalo_oa", "zalo-new")
        assert officer is not None
        assert await uow.phones.get(officer.id) == "84912345678"
    await user.send("0987 654 321")  # asked once: now it is an answer to question 1
    async with world.boot.uow_factory() as uow:
        assert await uow.phones.get(officer.id) == "84912345678"


async def test_bo_qua_skips_the_phone_question(zns_world: tuple[OAWorld, FakeZns]) -> None:
    world, _ = zns_world
    user = world.user("zalo-skip")
    await user.send(world.invites["SCT"])
    await user.send("bỏ qua")
    assert "Đã bỏ qua" in user.text and user.last[-1].text.startswith("Câu 1/")
    async with world.boot.uow_factory() as uow:
        officer = await uow.identities.officer_for("zalo_oa", "zalo-skip")
        assert officer is not None
        assert await uow.phones.get(officer.id) is None


async def test_a_phone_from_the_agencies_csv_is_used_and_not_asked(
    zns_world: tuple[OAWorld, FakeZns], tmp_path: Path,
) -> None:
    from storage import admin

    world, _ = zns_world
    header = "name,abbreviation,governing_body,place,signer_name,phone\n"
    bad = tmp_path / "bad.csv"
    bad.write_text(header + "Sở Công Thương,SCT,UBND TỈNH ĐỒNG NAI,Đồng Nai,Nguyễn A,0912\n",
                   encoding="utf-8")
    async with world.boot.uow_factory() as uow:
        with pytest.raises(admin.AdminError, match=r"bad.csv:2: số điện thoại '0912' chưa đúng"):
            await admin.import_agencies_csv(uow, bad)
    good = tmp_path / "good.csv"
    good.write_text(header + "Sở Công Thương,SCT,UBND TỈNH ĐỒNG NAI,Đồng Nai,Nguyễn A,"
                    "+84 98 765 4321\n", encoding="utf-8")
    async with world.boot.uow_factory() as uow:
        await admin.import_agencies_csv(uow, good)
        await uow.commit()
    user = world.user("zalo-csv")
    await user.send(world.invites["SCT"])
    assert "đã được liên kết" in user.text and "số di động" not in user.text
    assert user.last[-1].text.startswith("Câu 1/")
    async with world.boot.uow_factory() as uow:
        officer = await uow.identities.officer_for("zalo_oa", "zalo-csv")
        assert officer is not None
        assert await uow.phones.get(officer.id) == "84987654321"
