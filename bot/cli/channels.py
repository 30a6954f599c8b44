"""``baocao zalo set-token`` and ``baocao channels status [--json]``."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from zoneinfo import ZoneInfo

import click

from bot.cli.common import BaocaoGroup, Fail, database_option, load_settings, run, table, with_app


@click.group("zalo", cls=BaocaoGroup)
def zalo_group() -> None:
    """Kênh Zalo OA: cài cặp mã truy cập."""


@zalo_group.command("set-token")
@click.option("--access-token", required=True, help="Mã truy cập (access token) mới của OA.")
@click.option("--refresh-token", required=True, help="Mã làm mới (refresh token) đi kèm.")
@click.option("--expires-in", type=int, default=None,
              help="Số giây mã truy cập còn hiệu lực (Zalo trả về expires_in; thường 90000).")
@database_option
def set_token(access_token: str, refresh_token: str, expires_in: int | None,
              database_url: str | None) -> None:
    """Cài cặp mã mới khi Zalo đã từ chối mã làm mới (mọi tiến trình dùng ngay)."""
    from bot.channels.zalo_oa import install_tokens

    settings = load_settings(database_url)
    if not access_token.strip() or not refresh_token.strip():
        raise Fail("Mã truy cập và mã làm mới không được để trống.")

    async def work(boot: Any) -> None:
        await install_tokens(boot.uow_factory, boot.clock, access_token.strip(),
                             refresh_token.strip(), expires_in)

    run(with_app(settings, work))
    click.echo("Đã cài cặp mã mới cho Zalo OA.")


@click.group("channels", cls=BaocaoGroup)
def channels_group() -> None:
    """Các kênh nhắn tin: tình trạng hoạt động."""


def _when(instant: dt.datetime | None, tz: ZoneInfo) -> str:
    return "" if instant is None else instant.astimezone(tz).strftime("%d/%m/%Y %H:%M")


@channels_group.command("status")
@click.option("--json", "as_json", is_flag=True, help="In ra JSON.")
@database_option
def channels_status(as_json: bool, database_url: str | None) -> None:
    """Tình trạng từng kênh đã cấu hình: hoạt động, webhook, mã truy cập, lỗi gần nhất."""
    from bot.channel_health import channel_health

    settings = load_settings(database_url)
    health = run(with_app(settings, channel_health))
    if as_json:
        click.echo(json.dumps([h.to_json() for h in health], ensure_ascii=False, indent=2))
        return
    if not health:
        click.echo("Chưa cấu hình kênh nào ngoài trò chuyện trên web.")
        return
    tz = ZoneInfo(settings.timezone)
    yes_no = {True: "có", False: "KHÔNG", None: "—"}
    rows = [[
        h.label,
        "hoạt động" if h.up else f"LỖI: {h.problem}",
        yes_no[h.webhook_registered],
        _when(h.token_expires_at, tz),
        _when(h.last_event_at, tz),
        f"{_when(h.last_error_at, tz)} {h.last_error or ''}".strip(),
        str(h.sent_today),
        "" if h.quota_left is None else str(h.quota_left),
    ] for h in health]
    click.echo(table(rows, ["Kênh", "Tình trạng", "Webhook", "Mã hết hạn", "Sự kiện cuối",
                             "Lỗi gửi gần nhất", "Gửi hôm nay", "Hạn mức còn"]))
