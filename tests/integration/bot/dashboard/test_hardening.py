"""Dashboard sessions are server-side: logout and the DIC's "end session" take effect
at once, sessions expire on the application clock, the login form is accepted only
from the dashboard's own origin; ids beyond the database's range are a 404."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import httpx
import pytest

from bot.dashboard_auth import COOKIE
from bot.webapp import create_web_app
from dialogs.loader import load_template
from dialogs.schema import Template
from tests.integration.bot.dashboard.support import LINK, MINI, _csrf, _setup

BASE = "http://testserver"


@pytest.fixture
def mini_template() -> Template:
    return load_template(MINI)


async def _app_and_links(uow_factory, engine, mini_template, tmp_path: Path, n: int = 1):
    world, boot, dic_code = await _setup(uow_factory, engine, mini_template, tmp_path)
    dic = world.chat("dic-user")
    await dic.send(dic_code)
    tokens = []
    for _ in range(n):
        await dic.send("quản trị")
        tokens.append(LINK.search(dic.text).group(0).split("token=")[1])
    return world, create_web_app(boot), tokens


def _client(app, agent: str = "Firefox/140") -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE,
                             headers={"user-agent": agent})


async def _login(http: httpx.AsyncClient, token: str, **headers: str) -> httpx.Response:
    return await http.post("/admin/login", data={"token": token},
                           headers={"origin": BASE, **headers})


async def test_chromium_posting_its_own_form_is_let_in(
        uow_factory, engine, mini_template, tmp_path: Path) -> None:
    """Under ``Referrer-Policy: no-referrer`` Chromium sends ``Origin: null`` with
    ``Sec-Fetch-Site: same-origin`` for the login page's own form."""
    _, app, (token,) = await _app_and_links(uow_factory, engine, mini_template, tmp_path)
    async with _client(app) as http:
        response = await http.post("/admin/login", data={"token": token}, headers={
            "origin": "null", "sec-fetch-site": "same-origin"})
    assert response.status_code == 303


async def test_logout_ends_the_session_for_a_copied_cookie(
        uow_factory, engine, mini_template, tmp_path: Path) -> None:
    _, app, (token,) = await _app_and_links(uow_factory, engine, mini_template, tmp_path)
    async with _client(app) as http:
        assert (await _login(http, token)).status_code == 303
        cookie = http.cookies[COOKIE]
        async with _client(app) as copy:
            copied = await copy.get("/admin", headers={"cookie": f"{COOKIE}={cookie}"})
            assert copied.status_code == 200  # the copy works until…
        index = await http.get("/admin")
        out = await http.post("/admin/logout", data={"csrf": _csrf(index.text)})
        assert out.status_code == 200 and "Đã đăng xuất" in out.text
    async with _client(app) as thief:
        again = await thief.get("/admin", headers={"cookie": f"{COOKIE}={cookie}"})
    assert again.status_code == 401 and "Phiên đăng nhập không còn hiệu lực" in again.text


async def test_a_session_expires_after_8_hours(uow_factory, engine, mini_template,
                                               tmp_path: Path) -> None:
    world, app, (token,) = await _app_and_links(uow_factory, engine, mini_template, tmp_path)
    async with _client(app) as http:
        await _login(http, token)
        world.clock.advance(dt.timedelta(hours=7, minutes=59))
        assert (await http.get("/admin")).status_code == 200
        world.clock.advance(dt.timedelta(minutes=2))
        assert (await http.get("/admin")).status_code == 401


async def test_the_dic_lists_sessions_and_ends_another_one(uow_factory, engine, mini_template,
                                                           tmp_path: Path) -> None:
    _, app, (first, second) = await _app_and_links(
        uow_factory, engine, mini_template, tmp_path, n=2)
    async with _client(app, "Firefox/140") as office, _client(app, "Chrome/131") as laptop:
        await _login(office, first)
        await _login(laptop, second)
        page = await office.get("/admin/sessions")
        assert page.status_code == 200
        assert "Firefox/140" in page.text and "Chrome/131" in page.text
        assert page.text.count("Kết thúc phiên</button>") == 2 and "(phiên này)" in page.text
        rows = page.text.split('<tr data-session="')[1:]
        laptop_id = next(r.split('"')[0] for r in rows if "Chrome/131" in r)
        ended = await office.post(f"/admin/sessions/{laptop_id}/revoke",
                                  data={"csrf": _csrf(page.text)})
        assert ended.status_code == 303 and ended.headers["location"].startswith(
            "/admin/sessions?notice=")
        assert (await laptop.get("/admin")).status_code == 401
        listed = await office.get("/admin/sessions")
        assert "Chrome/131" not in listed.text and "Firefox/140" in listed.text


@pytest.mark.parametrize("headers", [
    {"origin": "https://evil.example"}, {"origin": "null"},
    {"sec-fetch-site": "cross-site", "origin": "https://evil.example"},
    {"sec-fetch-site": "same-site", "origin": "https://other.testserver"},
    {"sec-fetch-site": "cross-site", "origin": "null"},  # a sandboxed frame elsewhere
])
async def test_login_posted_from_another_site_is_refused(
        uow_factory, engine, mini_template, tmp_path: Path, headers: dict[str, str]) -> None:
    _, app, (token,) = await _app_and_links(uow_factory, engine, mini_template, tmp_path)
    async with _client(app) as http:
        forged = await http.post("/admin/login", data={"token": token}, headers=headers)
        assert forged.status_code == 403 and "không đến từ trang quản trị" in forged.text
        assert COOKIE not in http.cookies
        # the link was not used up: the officer can still log in from the dashboard's page
        assert (await _login(http, token)).status_code == 303


@pytest.mark.parametrize("path", [
    "/admin/rounds/9223372036854775808", "/admin/rounds/99999999999999999999999",
    "/admin/assignments/18446744073709551616", "/admin/submissions/9223372036854775809/docx",
    "/admin/rounds/9223372036854775808/rollup.docx", "/admin/rounds/²",
])
async def test_ids_beyond_the_database_range_are_404(uow_factory, engine, mini_template,
                                                     tmp_path: Path, path: str) -> None:
    world, app, (token,) = await _app_and_links(uow_factory, engine, mini_template, tmp_path)
    async with _client(app) as http:
        await _login(http, token)
        response = await http.get(path)
        index = await http.get("/admin")
        nudge = await http.post(f"/admin/rounds/{world.round_id}/nudge", data={
            "csrf": _csrf(index.text), "agency_id": "9223372036854775808"})
    assert response.status_code == 404 and "Không tìm thấy" in response.text
    assert nudge.status_code == 303
