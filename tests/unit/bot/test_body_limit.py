"""Every route reads at most its limit while the body streams in (413 beyond),
enforced by one middleware: a handler that reads the whole body cannot be made to
hold more than its limit."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import create_async_engine
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.bootstrap import Bootstrapped
from bot.clock import FixedClock
from bot.settings import Settings
from bot.webapp import create_web_app
from tests.unit.bot.test_webapp import FakeEngine, FakeUow

MB = 1024 * 1024


class Body:
    """A chunked request body that counts how much of it the server pulled."""

    def __init__(self, total: int, chunk: int = 16 * 1024) -> None:
        self.total, self.chunk, self.sent = total, chunk, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while self.sent < self.total:
            self.sent += self.chunk
            yield b"a" * self.chunk


@pytest.fixture
async def http(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    seen: list[int] = []

    async def greedy_webhook(request: Request) -> Response:  # reads without any limit
        body = await request.body()
        seen.append(len(body))
        return JSONResponse({"ok": True, "size": len(body)})

    settings = Settings(secret_key="s", data_dir=tmp_path, public_url="http://testserver",
                        database_url=f"sqlite+aiosqlite:///{tmp_path}/x.sqlite3",
                        telegram_webhook_url="https://bot.example.vn/tg/hook")
    db = create_async_engine(settings.database_url)
    boot = Bootstrapped(settings=settings, db=db, uow_factory=FakeUow, templates={},
                        engine=FakeEngine(), clock=FixedClock())  # type: ignore[arg-type]
    boot.routes.extend([Route("/zalo/bot/webhook", greedy_webhook, methods=["POST"]),
                        Route("/tg/hook", greedy_webhook, methods=["POST"])])
    transport = httpx.ASGITransport(app=create_web_app(boot))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        client.seen = seen  # type: ignore[attr-defined]
        yield client
    await db.dispose()


async def test_a_chunked_login_body_is_cut_at_4_kb(http: httpx.AsyncClient) -> None:
    body = Body(8 * MB)
    response = await http.post("/admin/login", content=body,
                               headers={"content-type": "application/x-www-form-urlencoded"})
    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    assert response.json()["error"] == "Nội dung gửi lên quá lớn (tối đa 4 kB)."
    assert body.sent <= 4096 + body.chunk  # the rest was never read


async def test_a_webhook_reading_a_chunked_body_without_limit_gets_at_most_64_kb(
        http: httpx.AsyncClient) -> None:
    body = Body(8 * MB)
    response = await http.post("/zalo/bot/webhook", content=body)
    assert response.status_code == 413
    assert body.sent <= 64 * 1024 + body.chunk
    assert http.seen == []  # type: ignore[attr-defined]


async def test_a_declared_length_over_the_limit_is_refused_before_reading(
        http: httpx.AsyncClient) -> None:
    response = await http.post("/api/chat", content=b"x" * (64 * 1024 + 1))
    assert response.status_code == 413
    assert "tối đa 64 kB" in response.json()["error"]


@pytest.mark.parametrize("length", ["abc", "-1", "1, 2"])
async def test_a_malformed_content_length_is_400(http: httpx.AsyncClient, length: str) -> None:
    async def body() -> AsyncIterator[bytes]:
        yield b"{}"

    response = await http.post("/api/chat", content=body(), headers={"content-length": length})
    assert response.status_code == 400


async def test_the_telegram_webhook_may_carry_up_to_1_mb(http: httpx.AsyncClient) -> None:
    fits = await http.post("/tg/hook", content=Body(MB - 16 * 1024))
    assert fits.status_code == 200 and fits.json()["size"] == MB - 16 * 1024
    over = await http.post("/tg/hook", content=Body(2 * MB))
    assert over.status_code == 413 and "tối đa 1 MB" in over.json()["error"]


async def test_bodies_within_the_limit_reach_the_handler_whole(
        http: httpx.AsyncClient) -> None:
    response = await http.post("/zalo/bot/webhook", content=Body(48 * 1024))
    assert response.status_code == 200 and response.json()["size"] == 48 * 1024
