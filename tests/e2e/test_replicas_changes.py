"""Issue #22, "several processes": a change made through one ``baocao run`` is seen by
the other at once — nothing a process keeps in memory hides it.

Two processes, A and B, on one PostgreSQL database, each with its dashboard and web
chat. The DIC works on A's dashboard; an officer chats with B, and B's dashboard is
read right after each change (no waiting, no retry):

- the deadline moved on A is B's deadline (B's round page);
- the round closed (``baocao round close``, a third process) is closed for the officer
  chatting with B;
- a template uploaded and published on A is listed by B and B opens a round with it;
  the officer chatting with A is asked that template's first question.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from bot.bootstrap import build_app
from bot.demo import template_source
from bot.settings import Settings
from storage import admin
from tests.e2e.support import baocao, cli_env, free_port, start_server

pytestmark = pytest.mark.slow

TEMPLATE = "annual_it"
MINI = Path(__file__).parents[1] / "integration" / "dialogs" / "mini.yaml"
NEW = MINI.read_text(encoding="utf-8").replace("id: mini\n", "id: khao_sat\n", 1).replace(
    "name: Báo cáo thử nghiệm\n", "name: Khảo sát chuyển đổi số\n", 1)
SECRET = "replica-secret-key-0123456789"
LINK = re.compile(r"/admin/login\?token=([\w-]+)")
OFFICER, DIC = "0" * 31 + "1", "0" * 31 + "2"  # web chat sessions


async def prepare(database_url: str, workdir: Path) -> tuple[str, str, dt.date]:
    """An agency and the collector, round 1 of the annual template for the agency
    (deadline in 20 days); invites for its officer and for the DIC."""
    settings = Settings(database_url=database_url, data_dir=workdir / "setup",
                        secret_key=SECRET, telegram_bot_token=None,
                        zalo_oa_access_token=None, zalo_bot_token=None)
    boot = await build_app(settings, run_migrations=False)
    try:
        template = boot.templates[TEMPLATE]
        now = boot.clock.now()
        today = now.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).date()
        deadline = today + dt.timedelta(days=20)
        async with boot.uow_factory() as uow:
            agency = await admin.add_agency(
                uow, name="Sở Công Thương", abbreviation="SCT",
                governing_body="UBND TỈNH ĐỒNG NAI", place="Đồng Nai", signer_name="Lê Văn C")
            collector = await admin.add_agency(
                uow, name="Sở Khoa học và Công nghệ", abbreviation="SKHCN",
                governing_body="UBND TỈNH ĐỒNG NAI", place="Đồng Nai",
                signer_name="Trần Văn B", is_collector=True)
            await admin.save_template_source(uow, template.id, template.version, template.name,
                                             template_source(template.id), now=now)
            await admin.open_round(
                uow, template_id=template.id, template_version=template.version,
                period_label="năm 2026", period_start=dt.date(2026, 1, 1),
                period_end=dt.date(2026, 12, 31), deadline=deadline, agency_ids=[agency.id],
                province="Đồng Nai", collector="Sở Khoa học và Công nghệ", now=now)
            officer = await admin.create_invite(uow, agency.id, now=now)
            dic = await admin.create_invite(uow, collector.id, role="dic", now=now)
            await uow.commit()
    finally:
        await boot.aclose()
    return officer, dic, deadline


async def chat(http: httpx.AsyncClient, server: str, session: str, text: str) -> str:
    answer = await http.post(f"{server}/api/chat", json={"session": session, "text": text})
    assert answer.status_code == 200, answer.text
    return "\n".join(m["text"] for m in answer.json()["messages"])


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, html[:2000]
    return match.group(1)


async def test_a_change_through_one_process_is_seen_by_the_other_at_once(
    database_url: str, tmp_path: Path
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("several processes share a PostgreSQL database")
    officer_code, dic_code, deadline = await prepare(database_url, tmp_path)
    servers = []
    try:
        for name in ("bot-a", "bot-b"):
            port = free_port()
            env = cli_env(database_url, tmp_path, port) | {
                "BAOCAO_SECRET_KEY": SECRET, "BAOCAO_PUBLIC_URL": f"http://127.0.0.1:{port}"}
            servers.append(await asyncio.to_thread(start_server, env, tmp_path, port, name))
        a, b = (s.base_url for s in servers)
        async with httpx.AsyncClient(timeout=60) as http, \
                httpx.AsyncClient(timeout=60) as dic_a, httpx.AsyncClient(timeout=60) as dic_b:
            bound = await chat(http, b, OFFICER, officer_code)
            assert "Sở Công Thương" in bound and "Câu 1/" in bound
            await chat(http, a, DIC, dic_code)
            for client, server in ((dic_a, a), (dic_b, b)):  # one login link per process
                link = LINK.search(await chat(http, server, DIC, "quản trị"))
                assert link, "no login link"
                login = await client.post(f"{server}/admin/login", data={"token": link[1]})
                assert login.status_code == 303, login.text
            csrf = csrf_of((await dic_a.get(f"{a}/admin")).text)
            page = (await dic_b.get(f"{b}/admin/rounds/1")).text
            assert f"hạn nộp {deadline:%d/%m/%Y}" in page

            # the deadline moved on A is B's at once
            later = deadline + dt.timedelta(days=7)
            moved = await dic_a.post(f"{a}/admin/rounds/1/deadline",
                                     data={"csrf": csrf, "deadline": later.isoformat()})
            assert moved.status_code == 303
            page = (await dic_b.get(f"{b}/admin/rounds/1")).text
            assert f"hạn nộp {later:%d/%m/%Y}" in page
            assert f"hạn nộp {deadline:%d/%m/%Y}" not in page

            # the round closed elsewhere is closed for the officer chatting with B
            open_reply = await chat(http, b, OFFICER, "tiếp tục")
            assert "Câu 1/" in open_reply
            await asyncio.to_thread(baocao, "round", "close", "1",
                                    env=cli_env(database_url, tmp_path), cwd=tmp_path)
            closed = await chat(http, b, OFFICER, "tiếp tục")
            assert "Hiện chưa có đợt báo cáo nào đang mở cho Sở Công Thương" in closed, closed

            # a template published on A: B lists it and opens a round with it
            uploaded = await dic_a.post(
                f"{a}/admin/templates/upload", data={"csrf": csrf},
                files={"file": ("mau.yaml", NEW.encode(), "application/yaml")})
            assert uploaded.status_code == 303, uploaded.text[:2000]
            draft = uploaded.headers["location"]
            assert (await dic_a.get(f"{a}{draft}")).status_code == 200  # previewed
            published = await dic_a.post(f"{a}{draft}/publish", data={"csrf": csrf})
            assert published.status_code == 303
            listed = (await dic_b.get(f"{b}/admin/templates")).text
            assert "Khảo sát chuyển đổi số" in listed
            csrf_b = csrf_of((await dic_b.get(f"{b}/admin")).text)
            opened = await dic_b.post(f"{b}/admin/rounds", data={
                "csrf": csrf_b, "template": "khao_sat", "period_kind": "annual", "year": "2027",
                "deadline": "2027-12-20", "agency": ["SCT"], "reminders": "1",
                "remind_days": "7,3,1", "overdue": "1"})
            assert opened.status_code == 303, opened.text[:3000]
            asked = await chat(http, a, OFFICER, "tiếp tục")
            assert "Khảo sát chuyển đổi số" in asked or "Tổng số cán bộ, công chức" in asked, asked
            assert "Tổng số cán bộ, công chức của đơn vị?" in asked, asked
    finally:
        for server in servers:
            server.stop()
    logs = "\n".join(s.log() for s in servers)
    assert "Traceback" not in logs, logs[-3000:]
