"""The dashboard's channel panel and the banner when Zalo refused the OA's token."""

from __future__ import annotations

from pathlib import Path

import httpx

from bot.channels import zalo_oa
from bot.webapp import create_web_app
from tests.integration.bot.dashboard.support import _logged_in, _setup, mini_template  # noqa: F401


async def test_the_panel_shows_each_channel_and_a_banner_when_the_oa_token_is_refused(
    uow_factory, engine, mini_template, tmp_path: Path  # noqa: F811
) -> None:
    world, boot, dic_code = await _setup(uow_factory, engine, mini_template, tmp_path)
    boot.settings = boot.settings.model_copy(update={
        "zalo_oa_app_id": "1", "zalo_oa_secret_key": "s", "zalo_oa_app_secret": "a",
        "zalo_oa_access_token": "t", "zalo_oa_refresh_token": "r", "zalo_bot_token": "9:x"})
    app = create_web_app(boot)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver") as http:
        await _logged_in(world, boot, dic_code, http)
        page = (await http.get("/admin")).text
        assert 'id="channel-health"' in page and "Zalo OA" in page and "Zalo Bot" in page
        assert "channel-alert-zalo_oa" not in page
        async with uow_factory() as uow:
            await uow.channel_state.put(zalo_oa.TOKENS_KEY, {
                "access_token": "t", "refresh_token": "r", "refused_at": "2026-12-01T00:00:00",
                "refused_reason": "-14014"}, world.clock.now())
            await uow.commit()
        page = (await http.get("/admin")).text
    assert 'id="channel-alert-zalo_oa"' in page
    assert "Kênh Zalo OA đang gặp sự cố" in page and "baocao zalo set-token" in page
