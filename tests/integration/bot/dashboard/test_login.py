"""Logging in to the DIC dashboard by a single-use link from the bot: a non-DIC
officer's link and an expired link are refused."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import httpx
import pytest

from bot.dashboard_auth import COOKIE
from bot.rollup_service import dashboard_login_url
from bot.webapp import create_web_app
from storage.login_tokens import issue_login_token
from tests.integration.bot.dashboard.support import LINK, _setup


async def test_a_non_dic_officers_link_is_refused(uow_factory, engine, mini_template,
                                                  tmp_path: Path) -> None:
    world, boot, _ = await _setup(uow_factory, engine, mini_template, tmp_path)
    sct = world.chat("sct-user")
    await sct.send(world.invites["SCT0"])
    async with uow_factory() as uow:
        officer = await uow.identities.officer_for("web", "sct-user")
        with pytest.raises(ValueError):
            await dashboard_login_url(uow, officer, world.clock.now(), public_url="http://x")
        token = await issue_login_token(uow, officer.id, now=world.clock.now(),
                                        ttl=dt.timedelta(minutes=5))
        await uow.commit()
    app = create_web_app(boot)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver") as http:
        refused = await http.post("/admin/login", data={"token": token})
        assert refused.status_code == 403 and COOKIE not in refused.headers.get("set-cookie", "")
        assert "chỉ dành cho cán bộ" in refused.text


async def test_an_expired_link_is_refused(uow_factory, engine, mini_template, tmp_path: Path):
    world, boot, dic_code = await _setup(uow_factory, engine, mini_template, tmp_path)
    dic = world.chat("dic-user")
    await dic.send(dic_code)
    await dic.send("dashboard")
    token = LINK.search(dic.text).group(0).split("token=")[1]
    world.clock.advance(dt.timedelta(minutes=16))
    app = create_web_app(boot)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver") as http:
        assert (await http.post("/admin/login", data={"token": token})).status_code == 403
