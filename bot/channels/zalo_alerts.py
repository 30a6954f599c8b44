"""Telling the DIC's officers that the Zalo OA channel needs a person."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bot.notify import notify_agency
from dialogs.messages import Outbound
from dialogs.ports import Channel, Clock

TOKEN_REFUSED = ("Kênh Zalo OA đã ngừng gửi tin: Zalo từ chối mã làm mới (refresh token) "
                 "của OA ({reason}). Quản trị viên cần lấy cặp mã mới trong trang Zalo for "
                 "Developers rồi chạy lệnh: baocao zalo set-token --access-token … "
                 "--refresh-token …")


async def tell_dic_token_refused(uow_factory: Callable[[], Any], clock: Clock,
                                 channels: Mapping[str, Channel], reason: str) -> int:
    """Queue the notice for every DIC officer on a channel other than Zalo OA; how
    many officers it was queued for."""
    others = {name: channel for name, channel in channels.items() if name != "zalo_oa"}
    now = clock.now()
    queued = 0
    async with uow_factory() as uow:
        for agency in await uow.agencies.list():
            if not agency.is_collector:
                continue
            reach = await notify_agency(
                uow, agency.id, [Outbound(TOKEN_REFUSED.format(reason=reason))],
                channels=others, now=now, role="dic",
                dedupe_key=f"zalo_oa:token_refused:{now:%Y%m%d%H%M}")
            queued += len(reach.queued)
        await uow.commit()
    return queued
