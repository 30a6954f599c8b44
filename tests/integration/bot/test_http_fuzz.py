"""The whole HTTP surface, fuzzed: random methods, headers and bodies to every route of
the web app (web chat, inbox, downloads, dashboard with and without a live session,
health, static files, the Telegram and Zalo webhooks). Whatever arrives, the answer
is never a 5xx, and the process does not grow.

The app runs on its own event loop in a thread (it owns the database engine there);
hypothesis drives it from the test's thread.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.bootstrap import Bootstrapped, build_app
from bot.channels.telegram.runtime import webhook_secret
from bot.dashboard_auth import COOKIE, SESSION_TTL
from bot.settings import Settings
from bot.webapp import create_web_app
from storage import admin

UNREACHABLE = "http://127.0.0.1:9"  # no platform API is called before a response
ZALO_BOT_SECRET = "zalo-bot-webhook-secret"


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Server:
    """The app on a private event loop; :meth:`request` from any thread."""

    def __init__(self, database_url: str, data_dir: Path) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.settings = Settings(
            database_url=database_url, data_dir=data_dir, secret_key="fuzz" * 10,
            public_url="http://testserver",
            telegram_bot_token="123456:" + "A" * 35, telegram_api_url=UNREACHABLE,
            telegram_webhook_url="https://testserver/telegram/hook",
            zalo_bot_token="1:zalo", zalo_bot_api_url=UNREACHABLE,
            zalo_bot_webhook_url="https://testserver/zalo/bot/webhook",
            zalo_bot_webhook_secret=ZALO_BOT_SECRET,
            zalo_oa_access_token="oa-token", zalo_oa_secret_key="oa-secret",
            zalo_oa_app_id="1234", zalo_oa_api_url=UNREACHABLE,
        )
        self.boot: Bootstrapped = self.run(build_app(self.settings, run_migrations=False))
        self.cookie, self.submission = self.run(self._seed())
        self.client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_web_app(self.boot)),
            base_url="http://testserver")

    def run(self, coroutine: Any) -> Any:
        future: Future[Any] = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        return future.result(timeout=60)

    async def _seed(self) -> tuple[str, int]:
        now = dt.datetime.now(dt.UTC)
        async with self.boot.uow_factory() as uow:
            dic = await admin.add_agency(
                uow, name="Sở Khoa học và Công nghệ", abbreviation="SKHCN",
                governing_body="UBND TỈNH ĐỒNG NAI", place="Đồng Nai", signer_name="Trần Văn B",
                is_collector=True)
            code = await admin.create_invite(uow, dic.id, role="dic", now=now)
            await uow.commit()
        await self.boot.engine.handle(_inbound("dic-session-0000000001", code))
        async with self.boot.uow_factory() as uow:
            officer = await uow.identities.officer_for("web", "dic-session-0000000001")
            assert officer is not None
            cookie = await uow.dashboard_sessions.start(officer.id, now=now, ttl=SESSION_TTL)
            await uow.commit()
        return cookie, 1

    def request(self, method: str, path: str, headers: dict[str, str], body: bytes
                ) -> httpx.Response:
        return self.run(self.client.request(method, path, headers=headers, content=body))

    def close(self) -> None:
        self.run(self.client.aclose())
        self.run(self.boot.aclose())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


def _inbound(session: str, text: str) -> Any:
    from dialogs.messages import Inbound

    return Inbound("web", session, text=text, anonymous_until_bound=True)


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[Server]:
    served = Server(database_url, tmp_path)
    try:
        yield served
    finally:
        served.close()


NUMBERS = st.one_of(st.integers(-5, 5).map(str), st.integers(0, 2**70).map(str),
                    st.sampled_from(["²", "0x10", "1e3", "", "１２", "-0", " 1"]))
SEGMENTS = st.one_of(NUMBERS, st.text(min_size=0, max_size=12),
                     st.sampled_from(["..", "docx", "xlsx", "\x00", "a/b"])).map(
    lambda s: quote(s, safe="", errors="surrogatepass"))
METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]
ROUTES = ["/", "/chat", "/api/chat", "/api/chat/inbox", "/healthz", "/readyz", "/admin",
          "/admin/login", "/admin/logout", "/admin/rounds", "/admin/sessions",
          "/static/chat.js", "/static/admin/admin.css", "/telegram/hook", "/zalo/bot/webhook",
          "/zalo/oa/webhook", "/no/such/page", "/download/1/a.docx", "/admin/rounds/1",
          "/admin/rounds/1/deadline", "/admin/rounds/1/nudge", "/admin/rounds/1/rollup.docx",
          "/admin/rounds/1/rollup.xlsx", "/admin/assignments/1", "/admin/assignments/1/return",
          "/admin/submissions/1/docx", "/admin/sessions/1/revoke"]
PATHS = st.one_of(
    st.sampled_from(ROUTES),
    st.builds("/download/{}/{}".format, NUMBERS, SEGMENTS),
    st.builds("/admin/rounds/{}".format, NUMBERS),
    st.builds("/admin/rounds/{}/{}".format, NUMBERS,
              st.sampled_from(["deadline", "nudge", "rollup.docx", "rollup.xlsx", "rollup.x"])),
    st.builds("/admin/assignments/{}".format, NUMBERS),
    st.builds("/admin/assignments/{}/return".format, NUMBERS),
    st.builds("/admin/submissions/{}/docx".format, NUMBERS),
    st.builds("/admin/sessions/{}/revoke".format, NUMBERS),
)
QUERIES = st.one_of(st.just(""), st.builds("?token={}&sig={}&exp={}&notice={}".format,
                                          SEGMENTS, SEGMENTS, NUMBERS, SEGMENTS))
JSON_LEAVES = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(),
                        st.text(max_size=40), st.sampled_from(["\ud800", "cmd:edit:²"]))
JSON_VALUES = st.recursive(JSON_LEAVES, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)),
    max_leaves=20)
CHAT_BODIES = st.fixed_dictionaries(
    {"session": st.one_of(st.just("fuzz-session-000000000001"), st.text(max_size=70))},
    optional={"text": JSON_VALUES, "callback": st.one_of(
        st.sampled_from(["cmd:edit:²", "cmd:continue", "ans:x:1", "cmd:edit:99999999999"]),
        st.text(max_size=30)), "message_id": JSON_VALUES})
BODIES = st.one_of(
    st.binary(max_size=300),
    JSON_VALUES.map(lambda v: json.dumps(v).encode("utf-8", "surrogatepass")),
    CHAT_BODIES.map(lambda v: json.dumps(v).encode("utf-8", "surrogatepass")),
    st.integers(1, 3000).map(lambda n: b"[" * n + b"]" * n),
    st.builds(lambda t, c: f"token={t}&csrf={c}&comment=x&deadline=2026-13-40".encode(),
              SEGMENTS, SEGMENTS),
)
HEADER_VALUES = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=30)


@st.composite
def requests(draw: st.DrawFn) -> tuple[str, str, dict[str, str], bytes, str]:
    method = draw(st.sampled_from(METHODS))
    path = draw(PATHS) + draw(QUERIES)
    body = draw(BODIES) if method not in ("GET", "HEAD") or draw(st.booleans()) else b""
    headers: dict[str, str] = {}
    if draw(st.booleans()):
        headers["content-type"] = draw(st.sampled_from([
            "application/json", "application/x-www-form-urlencoded", "text/plain",
            "multipart/form-data; boundary=x", "application/json; charset=latin-1"]))
    if draw(st.booleans()):
        headers["origin"] = draw(st.sampled_from(["http://testserver", "https://evil.example",
                                                  "null"]))
    cookie = draw(st.sampled_from(["live", "none", "random"]))
    for name in draw(st.lists(st.sampled_from([
            "x-telegram-bot-api-secret-token", "x-bot-api-secret-token", "x-zevent-signature",
            "accept", "user-agent", "range", "if-none-match", "content-encoding"]),
            max_size=3, unique=True)):
        headers[name] = draw(HEADER_VALUES)
    return method, path, headers, body, cookie


def test_no_route_answers_5xx_and_memory_stays_bounded(server: Server) -> None:
    secrets_by_header = {
        "x-telegram-bot-api-secret-token": webhook_secret(server.settings),
        "x-bot-api-secret-token": ZALO_BOT_SECRET,
    }
    seen: list[tuple[str, str, int]] = []

    @settings(max_examples=250, deadline=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(requests(), st.booleans())
    def probe(request: tuple[str, str, dict[str, str], bytes, str], right_secret: bool) -> None:
        method, path, headers, body, cookie = request
        headers = dict(headers)
        if right_secret:
            for name in headers.keys() & secrets_by_header.keys():
                headers[name] = secrets_by_header[name]
        if cookie == "live":
            headers["cookie"] = f"{COOKIE}={server.cookie}"
        elif cookie == "random":
            headers["cookie"] = f"{COOKIE}=forged-{len(body)}"
        response = server.request(method, path, headers, body)
        seen.append((method, path, response.status_code))
        assert response.status_code < 500, (method, path, headers, body[:200], response.text)

    # every route once with each method and a live session, then the fuzz twice
    for path in ROUTES:
        for method in METHODS:
            body = b'{"session": "fuzz-session-000000000001", "text": "xin ch\\u00e0o"}'
            response = server.request(method, path, {"cookie": f"{COOKIE}={server.cookie}",
                                                     "origin": "http://testserver"}, body)
            seen.append((method, path, response.status_code))
            assert response.status_code < 500, (method, path, response.text)
    assert {status for method, path, status in seen if method == "GET"} >= {200, 307, 404, 405}
    assert server.request("GET", "/admin", {"cookie": f"{COOKIE}={server.cookie}"},
                          b"").status_code == 200
    probe()  # warms up: the first pass through each handler allocates its caches
    before = _rss_mb()
    probe()
    grown = _rss_mb() - before
    assert grown < 40, f"the process grew by {grown:.0f} MB over {len(seen)} requests"
