"""``GET /metrics`` on a real application (both backends)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot import metrics
from bot.bootstrap import Bootstrapped, build_app
from bot.clock import FixedClock
from bot.outbox import Dispatcher
from bot.settings import Settings
from bot.webapp import create_web_app
from dialogs.messages import Outbound
from dialogs.ports import DeliveryError

SESSION = "0123456789abcdef0123456789abcdef"
NOW = dt.datetime(2026, 12, 7, 3, 0, tzinfo=dt.UTC)


@pytest.fixture
async def boot(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
               ) -> AsyncIterator[Bootstrapped]:
    for name in ("TELEGRAM_BOT_TOKEN", "ZALO_OA_ACCESS_TOKEN", "ZALO_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings(database_url=database_url, data_dir=tmp_path, secret_key="k" * 40)
    boot = await build_app(settings, clock=FixedClock(NOW), run_migrations=False)
    try:
        yield boot
    finally:
        await boot.aclose()


def sample(text: str, name: str, **labels: str) -> float:
    """A sample's value in a /metrics answer (0 when absent)."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    pattern = rf"^{re.escape(name)}{re.escape('{' + wanted + '}') if labels else ''} (\S+)$"
    found = re.search(pattern, text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


class Throttled:
    """A channel whose platform answers every send with 429."""

    name = "telegram"
    reply_window = None

    async def deliver(self, user_id: str, messages: list[Outbound]) -> None:
        raise DeliveryError("Flood control exceeded (429). Retry after 7 seconds")


async def test_metrics_count_turns_and_read_the_outbox(boot: Bootstrapped) -> None:
    app = create_web_app(boot)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bot") as client:
        before = (await client.get("/metrics")).text
        for text in ("xin chào", "ABC-123"):
            assert (await client.post("/api/chat", json={"session": SESSION, "text": text}
                                      )).status_code == 200
        async with boot.uow_factory() as uow:
            for user in ("1", "2", "3"):
                await uow.outbox.enqueue("telegram", user, [Outbound("Nhắc hạn")],
                                  now=NOW - dt.timedelta(minutes=10))
            await uow.commit()
        await Dispatcher({"telegram": Throttled()}, boot.uow_factory, boot.clock,
                         batch=1).run_once()

        response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    after = response.text
    turns = "baocao_turns_total"
    assert sample(after, turns, channel="web", outcome="ok") \
        - sample(before, turns, channel="web", outcome="ok") == 2
    count = "baocao_turn_seconds_count"
    assert sample(after, count, channel="web") - sample(before, count, channel="web") == 2
    assert sample(after, "baocao_outbox_depth") == 3  # the failed one waits for its retry
    assert sample(after, "baocao_outbox_oldest_age_seconds") == 600
    assert sample(after, "baocao_sends_total", platform="telegram", result="error") \
        - sample(before, "baocao_sends_total", platform="telegram", result="error") == 1
    assert sample(after, "baocao_rate_limited_total", platform="telegram") \
        - sample(before, "baocao_rate_limited_total", platform="telegram") == 1


async def test_a_registered_gauge_source_is_read_at_scrape_time(boot: Bootstrapped) -> None:
    depth = {"value": 4.0}

    async def inbox_depth(uow_factory: object) -> float:
        return depth["value"]

    metrics.add_gauge_source("baocao_test_inbox_depth", "test", inbox_depth)
    body, _ = await metrics.exposition(boot.uow_factory, NOW)
    assert sample(body.decode(), "baocao_test_inbox_depth") == 4
    depth["value"] = 0.0
    body, _ = await metrics.exposition(boot.uow_factory, NOW)
    assert sample(body.decode(), "baocao_test_inbox_depth") == 0
