"""The operator's view: with TELEGRAM_BOT_TOKEN set, ``baocao invite`` prints the deep
link and ``baocao run`` answers on Telegram (long polling) beside the web chat and
delivers queued notices there."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest

from dialogs.messages import Button, Outbound
from storage.db import create_engine
from storage.uow import uow_factory
from tests.e2e.support import baocao, cli_env, free_port, running_server
from tests.fakes.telegram_api import FakeTelegramAPI

pytestmark = pytest.mark.slow

CHAT = 660_001


def telegram_env(database_url: str, tmp_path: Path, fake: FakeTelegramAPI) -> dict[str, str]:
    env = cli_env(database_url, tmp_path, port=free_port())
    env["TELEGRAM_BOT_TOKEN"] = fake.token
    env["TELEGRAM_API_URL"] = fake.url
    return env


async def queue_notice(database_url: str, user_id: str) -> None:
    engine = create_engine(database_url)
    try:
        async with uow_factory(engine)() as uow:
            await uow.outbox.enqueue("telegram", user_id,
                              [Outbound("Nhắc hạn: còn 3 ngày để nộp báo cáo.",
                                        [[Button("Tiếp tục trả lời", "cmd:continue")]])],
                              now=dt.datetime.now(dt.UTC), dedupe_key="cli-test:reminder")
            await uow.commit()
    finally:
        await engine.dispose()


def test_invite_prints_the_deep_link_and_run_answers_on_telegram(
    database_url: str, tmp_path: Path, fake: FakeTelegramAPI
) -> None:
    env = telegram_env(database_url, tmp_path, fake)
    baocao("init", "--demo", env=env, cwd=tmp_path)
    lines = baocao("invite", "SCT", env=env, cwd=tmp_path).stdout.strip().splitlines()
    code = lines[0]
    assert lines[1] == f"Telegram: https://t.me/{fake.username}?start={code}"

    with running_server(env, tmp_path, int(env["BAOCAO_PORT"])) as server:
        fake.send_text(CHAT, f"/start {code}")
        [bound] = fake.wait_for(lambda: fake.sent(CHAT), timeout=30)
        assert "đã được liên kết với Sở Công Thương" in bound.body
        assert "Câu 1/" in bound.body

        asyncio.run(queue_notice(database_url, str(CHAT)))
        notice = fake.wait_for(
            lambda: [m for m in fake.sent(CHAT) if m.body.startswith("Nhắc hạn")], timeout=30)
        assert len(notice) == 1
        # the question's keyboard is retired: only the newest buttons can be tapped
        fake.wait_for(lambda: fake.message(CHAT, bound.message_id).reply_markup is None)
        assert "Telegram: đã cấu hình" in server.log()
    assert "Traceback" not in server.log(), server.log()
    assert fake.calls_to("getUpdates")  # long polling by default


def test_invite_without_a_reachable_bot_api_still_prints_the_code(
    database_url: str, tmp_path: Path, fake: FakeTelegramAPI
) -> None:
    env = telegram_env(database_url, tmp_path, fake)
    env["TELEGRAM_BOT_TOKEN"] = "999:wrong-token"
    baocao("init", "--demo", env=env, cwd=tmp_path)
    lines = baocao("invite", "SCT", env=env, cwd=tmp_path).stdout.strip().splitlines()
    assert len(lines) == 2 and len(lines[0]) >= 11
    assert lines[1].startswith("Telegram: không lấy được tên bot")
    assert lines[1].endswith(f"/start {lines[0]}")
