"""The DIC dashboard over HTTP with the real engine and storage: the set-up the dashboard
tests share (a world with a DIC officer, logging in through the bot's link, the forms)."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from bot.bootstrap import Bootstrapped
from bot.rollup_service import dashboard_login_url
from bot.settings import Settings
from dialogs.engine import Engine
from dialogs.loader import load_template
from dialogs.schema import Template
from renderers.report import render_report
from storage import admin
from tests.integration.dialogs.conftest import World, fill_all, make_world

LINK = re.compile(r"https?://\S+/admin/login\?token=[\w-]+")
MINI = Path(__file__).parents[2] / "dialogs" / "mini.yaml"


@pytest.fixture
def mini_template() -> Template:
    return load_template(MINI)


async def _setup(uow_factory, engine, mini_template, tmp_path: Path, **world_fields):
    """The world (``world_fields``: ``make_world``'s ``agencies``, ``round_fields``),
    the app's boot and the DIC officer's invite code."""
    world: World = await make_world(uow_factory, mini_template, render=render_report,
                                    **world_fields)
    settings = Settings(secret_key="k" * 32, data_dir=tmp_path, database_url="sqlite+aiosqlite://",
                        public_url="http://testserver")
    async with uow_factory() as uow:
        dic = await admin.add_agency(
            uow, name="Sở Khoa học và Công nghệ", abbreviation="SKHCN",
            governing_body="UBND TỈNH ĐỒNG NAI", place="Đồng Nai", signer_name="Trần Văn B",
            is_collector=True)
        code = await admin.create_invite(uow, dic.id, role="dic", now=world.clock.now())
        await uow.commit()
    from functools import partial
    world.engine = Engine(
        templates={mini_template.id: mini_template}, uow_factory=uow_factory, clock=world.clock,
        render=render_report, collector=settings.collector,
        dashboard_link=partial(dashboard_login_url, public_url=settings.public_url))
    boot = Bootstrapped(settings=settings, db=engine, uow_factory=uow_factory,
                        templates={mini_template.id: mini_template}, engine=world.engine,
                        clock=world.clock)
    return world, boot, code


async def _submit(chat) -> None:
    await fill_all(chat)
    await chat.send("nộp")
    await chat.tap_label("Xác nhận nộp")


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


async def _logged_in(world: World, boot: Bootstrapped, dic_code: str,
                     http: httpx.AsyncClient) -> str:
    """Log the DIC officer in through the bot's link; the CSRF token of the session."""
    dic = world.chat("dic-user")
    await dic.send(dic_code)
    await dic.send("quản trị")
    token = LINK.search(dic.text).group(0).split("token=")[1]
    assert (await http.post("/admin/login", data={"token": token})).status_code == 303
    return _csrf((await http.get("/admin")).text)


def _checked(html: str) -> set[str]:
    return set(re.findall(r'name="agency" value="([^"]+)" checked', html))


def _round_form(csrf: str, **fields: str | list[str] | None) -> dict[str, str | list[str]]:
    """The open-round form as a browser posts it; ``None`` leaves a box unticked."""
    form = {"csrf": csrf, "template": "mini", "period_kind": "annual", "year": "2027",
            "deadline": "2027-12-20", "agency": ["SCT", "STC"], "reminders": "1",
            "remind_days": "7,3,1", "overdue": "1", **fields}
    return {k: v for k, v in form.items() if v is not None}
