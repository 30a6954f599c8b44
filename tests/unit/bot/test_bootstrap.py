"""``build_app`` wires a working engine over a real, migrated database."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import httpx

from bot.bootstrap import build_app
from bot.clock import FixedClock
from bot.demo import fresh_invites, seed_demo
from bot.settings import Settings
from bot.webapp import create_web_app
from dialogs.messages import Inbound


async def test_build_app_seed_and_bind(database_url: str, tmp_path: Path) -> None:
    settings = Settings(database_url=database_url, data_dir=tmp_path, secret_key="k")
    clock = FixedClock(dt.datetime(2026, 11, 2, 2, 0, tzinfo=dt.UTC))
    boot = await build_app(settings, clock=clock)
    try:
        assert "annual_it" in boot.templates
        seeded = await seed_demo(boot.uow_factory, boot.templates, clock)
        assert seeded.round is not None and seeded.round.deadline == dt.date(2026, 12, 18)
        assert (seeded.round.period_start, seeded.round.period_end) == (
            dt.date(2025, 12, 15), dt.date(2026, 12, 14)
        )
        again = await seed_demo(boot.uow_factory, boot.templates, clock)
        assert again.created_agencies == [] and not again.round_created
        assert again.round is not None and again.round.id == seeded.round.id

        invites = {i.agency.abbreviation: i for i in await fresh_invites(boot.uow_factory, clock)}
        assert invites["SKHCN"].role == "dic" and invites["SCT"].role == "officer"

        replies = await boot.engine.handle(
            Inbound(channel="web", user_id="s" * 20, text=invites["SYT"].code)
        )
        assert any("Sở Y tế" in r.text for r in replies)
        assert replies[-1].text.startswith("Câu 1/")

        transport = httpx.ASGITransport(app=create_web_app(boot))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            health = await http.get("/healthz")
            assert health.json() == {"status": "ok"}
            resumed = await http.post("/api/chat", json={"session": "s" * 20,
                                                          "callback": "cmd:continue"})
            assert resumed.json()["messages"][-1]["text"].startswith("Câu 1/")
    finally:
        await boot.aclose()
