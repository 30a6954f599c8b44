"""Probes of the web chat with hostile and unlucky input, over HTTP with the real engine
and storage (SQLite and PostgreSQL): throttled invite guessing, nothing stored for an
unbound session, message ids scoped to the session with replayed replies, inputs
that used to give 500, expiring download links."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text as sql_text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.bind_throttle import BindThrottle, ThrottleLimits
from bot.bootstrap import Bootstrapped
from bot.inbound_purge import purge_processed_inbound
from bot.settings import Settings
from bot.webapp import create_web_app
from dialogs.engine import Engine
from dialogs.loader import load_template
from renderers.report import render_report
from tests.integration.dialogs.conftest import World, make_world

MINI = Path(__file__).parents[1] / "dialogs" / "mini.yaml"


@dataclass
class Web:
    world: World
    boot: Bootstrapped
    app: Any
    db: AsyncEngine

    def client(self, address: str = "203.0.113.7") -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.app, client=(address, 50000))
        return httpx.AsyncClient(transport=transport, base_url="http://testserver")

    async def count(self, table: str) -> int:
        async with self.db.connect() as conn:
            return (await conn.execute(sql_text(f"SELECT count(*) FROM {table}"))).scalar_one()


@pytest.fixture
async def web(uow_factory, engine: AsyncEngine, tmp_path: Path) -> AsyncIterator[Web]:
    template = load_template(MINI)
    world = await make_world(uow_factory, template, render=render_report)
    world.engine = Engine(templates={template.id: template}, uow_factory=uow_factory,
                          clock=world.clock, render=render_report,
                          bind_gate=BindThrottle(ThrottleLimits(per_address=5, overall=50)))
    settings = Settings(secret_key="k" * 32, data_dir=tmp_path, public_url="http://testserver",
                        database_url="sqlite+aiosqlite://")
    boot = Bootstrapped(settings=settings, db=engine, uow_factory=uow_factory,
                        templates={template.id: template}, engine=world.engine,
                        clock=world.clock)
    yield Web(world, boot, create_web_app(boot), engine)


def new_session() -> str:
    return uuid.uuid4().hex


async def say(http: httpx.AsyncClient, session: str, text: str | None = None,
              message_id: str | None = None, **extra: Any) -> httpx.Response:
    payload: dict[str, Any] = {"session": session, **extra}
    if text is not None:
        payload["text"] = text
    if message_id is not None:
        payload["message_id"] = message_id
    return await http.post("/api/chat", json=payload)


def texts(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    return "\n".join(m["text"] for m in response.json()["messages"])


# ---------------------------------------------------------------- 2. binding


async def test_invite_guesses_with_a_new_session_each_are_throttled_by_address(web: Web) -> None:
    async with web.client("203.0.113.7") as attacker, web.client("198.51.100.2") as officer:
        for n in range(5):
            reply = await say(attacker, new_session(), f"SAIMA{n:04d}", f"g{n}")
            assert "Mã mời không đúng" in texts(reply)
        blocked = await say(attacker, new_session(), "SAIMA9999", "g9")
        assert "Vui lòng chờ 15 phút" in texts(blocked)
        # even a right code waits: the address is throttled, not the code
        right = await say(attacker, new_session(), web.world.invites["SCT0"], "g10")
        assert "Vui lòng chờ" in texts(right)
        # another address is not affected
        bound = await say(officer, new_session(), web.world.invites["SCT1"], "b1")
        assert "đã được liên kết với Sở Công Thương" in texts(bound)
        # after the window the address may try again
        web.world.clock.advance(dt.timedelta(minutes=15, seconds=1))
        later = await say(attacker, new_session(), web.world.invites["SCT0"], "g11")
        assert "đã được liên kết" in texts(later)


async def test_overall_throttle_gives_the_wait_in_seconds(web: Web) -> None:
    web.world.engine.bind_gate = BindThrottle(ThrottleLimits(per_address=100, overall=3))
    for n in range(3):
        async with web.client(f"192.0.2.{n + 1}") as http:
            assert "Mã mời không đúng" in texts(await say(http, new_session(), "SAIMA0000"))
    web.world.clock.advance(dt.timedelta(seconds=20))
    async with web.client("192.0.2.99") as fresh:
        reply = texts(await say(fresh, new_session(), "SAIMA0001"))
    assert "Vui lòng chờ 40 giây" in reply


async def test_an_unbound_web_session_stores_nothing_until_it_binds(web: Web) -> None:
    async with web.client() as http:
        for n in range(4):
            session = new_session()
            assert texts(await say(http, session, "/start", f"s{n}"))
            assert texts(await say(http, session, "xin chào", f"t{n}"))
            assert texts(await say(http, session, callback="cmd:review", message_id=f"c{n}"))
            poll = await http.post("/api/chat/inbox", json={"session": session})
            assert poll.status_code == 200
        assert await web.count("conversations") == 0
        assert await web.count("inbound_messages") == 0
        session = new_session()
        assert "đã được liên kết" in texts(
            await say(http, session, web.world.invites["STC0"], "bind"))
        assert await web.count("conversations") == 1
        assert texts(await say(http, session, "tiếp tục", "go"))
        assert await web.count("inbound_messages") == 1  # bound: ids are de-duplicated again


async def test_processed_inbound_ids_are_purged_after_the_redelivery_window(
        web: Web, uow_factory) -> None:
    async with web.client() as http:
        session = new_session()
        await say(http, session, web.world.invites["SCT0"], "bind")
        await say(http, session, "tiếp tục", "old")
        web.world.clock.advance(dt.timedelta(days=3))
        await say(http, session, "xem lại", "new")
    assert await web.count("inbound_messages") == 2
    assert await purge_processed_inbound(uow_factory, web.world.clock.now(), batch=1) == 1
    async with web.db.connect() as conn:
        left = (await conn.execute(sql_text("SELECT message_id FROM inbound_messages"))).all()
    assert [row[0] for row in left] == [f"{session}:new"]


# ----------------------------------------------------- 3. de-duplication scope


async def test_a_message_id_used_by_another_session_is_answered(web: Web) -> None:
    async with web.client() as http:
        a, b = new_session(), new_session()
        assert "đã được liên kết" in texts(await say(http, a, web.world.invites["SCT0"], "1"))
        assert "đã được liên kết" in texts(await say(http, b, web.world.invites["STC0"], "1"))
        first_a = texts(await say(http, a, "tiếp tục", "2"))
        first_b = texts(await say(http, b, "tiếp tục", "2"))
    assert "Tổng số cán bộ" in first_a and "Tổng số cán bộ" in first_b


async def test_a_retried_message_id_gets_the_replies_of_the_first_handling(
        web: Web, uow_factory) -> None:
    async with web.client() as http:
        session = new_session()
        await say(http, session, web.world.invites["SCT0"], "1")
        await say(http, session, "tiếp tục", "2")
        first = await say(http, session, "56", "3")
        retry = await say(http, session, "56", "3")
        assert retry.status_code == 200
        assert retry.json() == first.json() and "CBCC được trang bị máy tính" in texts(first)
        next_question = texts(await say(http, session, "50", "4"))
    assert "mạng LAN" in next_question  # the retry did not answer a second question
    assert (await web.world.answers("SCT")) == {"staff": 56, "computers": 50}


# --------------------------------------------------------- 5. inputs that gave 500


async def test_a_lone_surrogate_gets_a_vietnamese_reply(web: Web) -> None:
    async with web.client() as http:
        session = new_session()
        await say(http, session, web.world.invites["SCT0"], "1")
        await say(http, session, "tiếp tục", "2")
        body = '{"session": "' + session + '", "text": "\\ud800", "message_id": "3"}'
        response = await http.post("/api/chat", content=body,
                                   headers={"content-type": "application/json"})
        unbound = await http.post("/api/chat", content=body.replace(session, new_session()),
                                  headers={"content-type": "application/json"})
    assert "số" in texts(response).lower()  # the integer question explains itself
    assert unbound.status_code == 200


@pytest.mark.parametrize("path", ["/api/chat", "/api/chat/inbox"])
async def test_json_nested_ten_thousand_deep_is_400(web: Web, path: str) -> None:
    deep = "[" * 10_000 + "]" * 10_000
    async with web.client() as http:
        as_value = await http.post(
            path, content='{"session": "' + new_session() + '", "text": ' + deep + "}")
        as_body = await http.post(path, content=deep)
    for response in (as_value, as_body):
        assert response.status_code == 400
        assert "không hợp lệ" in response.json()["error"]


@pytest.mark.parametrize("data", ["cmd:edit:²", "cmd:edit:" + "9" * 40, "ans:f:²:x:y"])
async def test_odd_digits_in_a_button_get_a_vietnamese_reply(web: Web, data: str) -> None:
    async with web.client() as http:
        session = new_session()
        await say(http, session, web.world.invites["SCT0"], "1")
        await say(http, session, "tiếp tục", "2")
        reply = await say(http, session, callback=data, message_id="3")
    assert reply.status_code == 200 and texts(reply)


# ------------------------------------------------------- 7. expiring download links


async def test_download_link_expires_and_a_fresh_one_is_one_message_away(web: Web) -> None:
    from tests.integration.dialogs.conftest import fill_all

    class WebChat:
        def __init__(self, http: httpx.AsyncClient, session: str) -> None:
            self.http, self.session, self.n, self.last = http, session, 0, None

        async def send(self, text: str) -> None:
            self.n += 1
            self.last = await say(self.http, self.session, text, f"m{self.n}")

        async def tap_label(self, label: str) -> None:
            buttons = [b for m in self.last.json()["messages"] for row in m["buttons"]
                       for b in row if b["label"] == label]
            self.n += 1
            self.last = await say(self.http, self.session, callback=buttons[0]["data"],
                                  message_id=f"m{self.n}")

    async with web.client() as http:
        chat = WebChat(http, new_session())
        await chat.send(web.world.invites["SCT0"])
        await chat.send("tiếp tục")
        await fill_all(chat)
        await chat.send("nộp")
        await chat.tap_label("Xác nhận nộp")
        link = next(m["document"]["url"] for m in chat.last.json()["messages"] if m["document"])
        assert (await http.get(link)).status_code == 200
        web.world.clock.advance(dt.timedelta(days=7, seconds=1))
        expired = await http.get(link)
        assert expired.status_code == 410
        assert "hết hạn" in expired.json()["error"] and "tải lại" in expired.json()["error"]
        await chat.send("tải lại")
        fresh = next(m["document"]["url"] for m in chat.last.json()["messages"] if m["document"])
        assert fresh != link and (await http.get(fresh)).status_code == 200

