"""Notices queued for a web-chat session are shown when the page polls, once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.bootstrap import Bootstrapped
from bot.clock import FixedClock
from bot.settings import Settings
from bot.webapp import create_web_app
from dialogs.messages import Button, Outbound

SESSION = "s" * 24


async def test_poll_returns_queued_notices_once(uow_factory, engine: AsyncEngine, tmp_path: Path):
    clock = FixedClock(dt.datetime(2026, 12, 11, 1, 30, tzinfo=dt.UTC))
    settings = Settings(secret_key="k", data_dir=tmp_path, database_url="sqlite+aiosqlite://")
    boot = Bootstrapped(settings=settings, db=engine, uow_factory=uow_factory, templates={},
                        engine=None, clock=clock)  # type: ignore[arg-type]
    notice = Outbound("Nhắc hạn: còn 7 ngày", [[Button("Tiếp tục", "cmd:continue")]])
    async with uow_factory() as uow:
        await uow.outbox.enqueue("web", SESSION, [notice], now=clock.now(), dedupe_key="n1")
        await uow.outbox.enqueue("web", "other" * 4, [Outbound("không phải của bạn")],
                                 now=clock.now())
        await uow.commit()
    app = create_web_app(boot)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver") as http:
        first = await http.post("/api/chat/inbox", json={"session": SESSION})
        second = await http.post("/api/chat/inbox", json={"session": SESSION})
        bad = await http.post("/api/chat/inbox", json={"session": "x"})
    assert first.status_code == 200
    assert first.json()["messages"] == [
        {"text": "Nhắc hạn: còn 7 ngày", "buttons": [[{"label": "Tiếp tục",
                                                         "data": "cmd:continue"}]],
         "document": None}
    ]
    assert second.json()["messages"] == []
    assert bad.status_code == 400 and "Phiên" in bad.json()["error"]
    async with uow_factory() as uow:
        assert await uow.outbox.status("n1") == "delivered"
