"""Zalo Bot Platform: a failed setWebhook is retried with back-off and shown in
``baocao channels status``; the status report for the operator."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from bot.channel_health import channel_health
from bot.channels import zalo_bot
from bot.channels.webhook_state import record_webhook
from bot.cli import cli
from tests.fakes.zalo_bot_api import FakeZaloBot
from tests.support.zalo import BotWorld


async def test_set_webhook_is_retried_with_back_off_and_reported(bot_world: BotWorld) -> None:
    fake = bot_world.fake
    fake.webhook = None
    fake.set_webhook_failures = 3
    boot = bot_world.boot
    api = bot_world.channel.api
    waits: list[float] = []
    seen: list[bool | None] = []

    async def sleep(seconds: float) -> None:  # the back-off, without waiting
        waits.append(seconds)
        [health] = [h for h in await channel_health(boot) if h.channel == "zalo_bot"]
        seen.append(health.webhook_registered)
        assert not health.up and health.problem is not None and "500" in health.problem

    async def record(url: str, error: str | None) -> None:
        await record_webhook(boot.uow_factory, boot.clock, zalo_bot.CHANNEL, url, error)

    tries = await zalo_bot.register_webhook(api, record=record, sleep=sleep)
    assert tries == 4 and waits == [5.0, 10.0, 20.0]
    assert seen == [False, False, False]
    assert fake.webhook is not None and fake.webhook["url"] == api.config.webhook_url
    [health] = [h for h in await channel_health(boot) if h.channel == "zalo_bot"]
    assert health.up and health.webhook_registered


def test_channels_status_lists_configured_channels(database_url: str, tmp_path: Path,
                                                   monkeypatch: object) -> None:
    fake = FakeZaloBot()
    env = {"BAOCAO_DATABASE_URL": database_url, "BAOCAO_DATA_DIR": str(tmp_path),
           "BAOCAO_SECRET_KEY": "k" * 40, "ZALO_BOT_TOKEN": fake.token,
           "ZALO_BOT_API_URL": "http://127.0.0.1:9", "TELEGRAM_BOT_TOKEN": "1:abc"}
    runner = CliRunner()
    as_json = runner.invoke(cli, ["channels", "status", "--json"], env=env)
    assert as_json.exit_code == 0, as_json.output
    data = json.loads(as_json.output)
    assert [d["channel"] for d in data] == ["telegram", "zalo_bot"]
    assert all(d["sent_today"] == 0 and d["last_error"] is None for d in data)
    table = runner.invoke(cli, ["channels", "status"], env=env)
    assert table.exit_code == 0 and "Zalo Bot" in table.output and "Gửi hôm nay" in table.output


def test_set_token_installs_a_new_pair_every_process_uses(database_url: str,
                                                          tmp_path: Path) -> None:
    env = {"BAOCAO_DATABASE_URL": database_url, "BAOCAO_DATA_DIR": str(tmp_path),
           "BAOCAO_SECRET_KEY": "k" * 40, "ZALO_OA_APP_ID": "1", "ZALO_OA_SECRET_KEY": "s",
           "ZALO_OA_APP_SECRET": "a", "ZALO_OA_ACCESS_TOKEN": "old",
           "ZALO_OA_REFRESH_TOKEN": "old-r"}
    runner = CliRunner()
    empty = runner.invoke(cli, ["zalo", "set-token", "--access-token", " ",
                                "--refresh-token", "r"], env=env)
    assert empty.exit_code != 0 and "không được để trống" in empty.output
    done = runner.invoke(cli, ["zalo", "set-token", "--access-token", "new-a",
                               "--refresh-token", "new-r", "--expires-in", "90000"], env=env)
    assert done.exit_code == 0 and "Đã cài cặp mã mới" in done.output, done.output
    status = runner.invoke(cli, ["channels", "status", "--json"], env=env)
    [oa] = json.loads(status.output)
    assert oa["channel"] == "zalo_oa" and oa["up"] and oa["token_expires_at"]
