"""Issue #22, "several processes": two ``baocao run`` on one PostgreSQL database behind a
round-robin proxy serve 200 officers over the web chat, the Telegram webhook and the
Zalo OA webhook (the real channel clients against the fakes in tests/fakes/), while
both processes' schedulers send the day's reminders.

What the officers and the DIC may rely on:

- every answer is stored once (one history row, the value typed);
- every reply is sent once (each prompt reaches the officer once, whichever process
  handled the turn);
- every reminder goes out once (one per officer, from whichever process's scheduler
  took the job);
- the roll-up holds exactly the reports submitted meanwhile;
- both processes did part of the work (their own /metrics say so).

The officers are bound beforehand in the test's own process (binding is not what this
is about); each then answers question 1 and opens the first item of question 2, or
— the submitters, whose questionnaires were filled beforehand — submits.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bot.bootstrap import build_app
from bot.channels import zalo_oa
from bot.demo import template_source
from bot.settings import Settings
from dialogs.messages import Inbound
from storage import admin
from storage.db import create_engine
from storage.models import AnswerHistoryRow, ReminderRow
from tests.e2e.support import baocao, cli_env, free_port, start_server
from tests.fakes.loopback import serve
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.zalo_oa_api import FakeZaloOA
from tests.support.seed003 import answer_everything
from tests.support.zalo import oa_env, step_reader

pytestmark = pytest.mark.slow

OFFICERS = 200
SUBMITTERS = 2  # per channel
CHANNELS = ("web", "telegram", "zalo_oa")
TEMPLATE = "annual_it"
HOOK_PATH = "/telegram/hook"
TG_SECRET = "replica-test-secret_1"
TG_HEADER = "X-Telegram-Bot-Api-Secret-Token"
IN_FLIGHT = 24  # officers acting at once
WAIT = 120.0  # seconds a reply or a reminder may take under load
GATE = "Đã nhập 0 mục"  # the reply to answer 1: question 2, a list still empty
REMINDER_MARK = "🔔 Nhắc hạn nộp báo cáo"
SUBMITTED = re.compile(r"Đã nộp báo cáo \(bản 1\)|đã được nộp \(bản 1")


@dataclass
class Officer:
    index: int
    channel: str
    submitter: bool
    agency: str = ""
    code: str = ""
    assignment_id: int = 0
    web_replies: list[str] = field(default_factory=list)
    web_inbox: list[str] = field(default_factory=list)

    @property
    def user_id(self) -> str:
        if self.channel == "web":
            return f"{self.index:032x}"
        if self.channel == "telegram":
            return str(770_000 + self.index)
        return str(8_461_527_390_000_000_000 + self.index)

    @property
    def summary(self) -> str:
        return f"Cơ quan số {self.index} đã ban hành kế hoạch chuyển đổi số năm 2026."


class RoundRobin:
    """A reverse proxy that sends each request to the next backend in turn."""

    def __init__(self) -> None:
        self.backends: list[str] = []
        self.count = 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        backend = self.backends[self.count % len(self.backends)]
        self.count += 1
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]
                   if k.lower() not in (b"host", b"content-length")]
        url = backend + scope["path"] + (("?" + scope["query_string"].decode())
                                         if scope["query_string"] else "")
        async with httpx.AsyncClient(timeout=WAIT) as client:  # nothing left open at the end
            answer = await client.request(scope["method"], url, content=body, headers=headers)
        await send({"type": "http.response.start", "status": answer.status_code,
                    "headers": [(k.encode(), v.encode()) for k, v in answer.headers.items()
                                if k.lower() not in ("content-length", "transfer-encoding",
                                                     "content-encoding")]})
        await send({"type": "http.response.body", "body": answer.content})


async def prepare(database_url: str, workdir: Path, officers: list[Officer]) -> None:
    """Agencies, a round opened yesterday whose deadline is today (so each officer has
    one reminder due now, "due_day"), every officer bound to their agency; the
    submitters' questionnaires filled (seed 003's figures)."""
    settings = Settings(database_url=database_url, data_dir=workdir / "setup",
                        secret_key="replica-secret-key-0123456789", telegram_bot_token=None,
                        zalo_oa_access_token=None, zalo_bot_token=None)
    boot = await build_app(settings, run_migrations=False)
    try:
        template = boot.templates[TEMPLATE]
        now = boot.clock.now()
        today = now.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).date()
        async with boot.uow_factory() as uow:
            ids = {}
            for o in officers:
                o.agency = f"S{o.index:03d}"
                agency = await admin.add_agency(
                    uow, name=f"Sở thử nghiệm {o.index:03d}", abbreviation=o.agency,
                    governing_body="UBND TỈNH ĐỒNG NAI", place="Đồng Nai",
                    signer_name=f"Nguyễn Văn {o.index:03d}")
                ids[agency.id] = o
            await admin.add_agency(uow, name="Sở Khoa học và Công nghệ", abbreviation="SKHCN",
                                   governing_body="UBND TỈNH ĐỒNG NAI", place="Đồng Nai",
                                   signer_name="Trần Văn B", is_collector=True)
            await admin.save_template_source(uow, template.id, template.version, template.name,
                                             template_source(template.id), now=now)
            round_ = await admin.open_round(
                uow, template_id=template.id, template_version=template.version,
                period_label="năm 2026", period_start=dt.date(2026, 1, 1),
                period_end=dt.date(2026, 12, 31), deadline=today, agency_ids=list(ids),
                province="Đồng Nai", collector="Sở Khoa học và Công nghệ",
                now=now - dt.timedelta(days=1))
            for agency_id, o in ids.items():
                o.code = await admin.create_invite(uow, agency_id, now=now)
            await uow.commit()
        async with boot.uow_factory() as uow:
            for assignment in await admin.list_assignments(uow, round_.id):
                ids[assignment.agency_id].assignment_id = assignment.id

        async def bind(o: Officer) -> None:
            text = f"/start {o.code}" if o.channel == "telegram" else o.code
            replies = await boot.engine.handle(Inbound(o.channel, o.user_id, text=text,
                                                       display_name=f"Cán bộ {o.index}"))
            assert "Câu 1/" in "\n".join(r.text for r in replies), replies
            if o.channel == "zalo_oa":  # the OA webhook opens the messaging window
                async with boot.uow_factory() as uow:
                    await uow.windows.interacted(o.channel, o.user_id, boot.clock.now())
                    await uow.commit()
            if o.submitter:
                async def say(text: str) -> Any:
                    return await boot.engine.handle(Inbound(o.channel, o.user_id, text=text))

                await answer_everything(say, step_reader(boot.uow_factory, o.channel,
                                                         o.user_id))

        for start in range(0, len(officers), 20):
            await asyncio.gather(*(bind(o) for o in officers[start:start + 20]))
    finally:
        await boot.aclose()


class Traffic:
    """The officers' side: what each sends through the proxy, and what reached them."""

    def __init__(self, proxy: str, telegram: FakeTelegramAPI, oa: FakeZaloOA) -> None:
        self.proxy = proxy
        self.telegram = telegram
        self.oa = oa
        self.http = httpx.AsyncClient(base_url=proxy, timeout=WAIT)
        self.msg_ids = 0

    def received(self, o: Officer) -> list[str]:
        """Every text the bot sent this officer so far (replies and pushed messages)."""
        if o.channel == "web":
            return o.web_replies + o.web_inbox
        if o.channel == "telegram":
            return [m.text or m.caption or "" for m in self.telegram.sent(int(o.user_id))]
        return [m.text for m in self.oa.messages_to(o.user_id)]

    async def wait_for(self, o: Officer, pattern: str, count: int = 1) -> None:
        deadline = time.monotonic() + WAIT
        while sum(bool(re.search(pattern, t)) for t in self.received(o)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{o.channel} {o.user_id}: no {pattern!r} in "
                                     f"{self.received(o)[-3:]}")
            await asyncio.sleep(0.05)  # another process is working on it

    async def say(self, o: Officer, text: str | None = None, callback: str | None = None
                  ) -> None:
        if o.channel == "web":
            payload: dict[str, Any] = {"session": o.user_id}
            payload.update({"text": text} if text is not None else {"callback": callback})
            answer = await self.http.post("/api/chat", json=payload)
            assert answer.status_code == 200, answer.text
            o.web_replies.extend(m["text"] for m in answer.json()["messages"])
        elif o.channel == "telegram":
            chat = int(o.user_id)
            if callback is not None:
                shown = next(m for m in reversed(self.telegram.sent(chat))
                             if callback in json.dumps(m.reply_markup or {}))
                update = self.telegram.callback_update(chat, shown.message_id, callback)
            else:
                update = self.telegram.text_update(chat, text or "")
            answer = await self.http.post(HOOK_PATH, json=update, headers={TG_HEADER: TG_SECRET})
            assert answer.status_code == 200, answer.text
        else:
            if callback is not None:  # a tapped OA button comes back as its payload text
                text = next(b["payload"] for m in reversed(self.oa.messages_to(o.user_id))
                            for b in m.buttons if b["payload"] == callback or
                            callback in str(b["payload"]))
            self.msg_ids += 1
            body, headers = self.oa.event(o.user_id, text or "", msg_id=f"m{self.msg_ids}",
                                          timestamp=int(time.time() * 1000))
            answer = await self.http.post(zalo_oa.WEBHOOK_PATH, content=body, headers=headers)
            assert answer.status_code == 200, answer.text

    async def answer(self, o: Officer) -> None:
        await self.say(o, o.summary)
        await self.wait_for(o, GATE)
        await self.say(o, "thêm")
        await self.wait_for(o, r"Mục 1 ·")

    async def submit(self, o: Officer) -> None:
        await self.say(o, "nộp")
        await self.wait_for(o, "Xác nhận nộp|xác nhận")
        await self.say(o, callback="cmd:confirm")
        await self.wait_for(o, SUBMITTED.pattern)

    async def poll_inbox(self, o: Officer) -> None:
        answer = await self.http.post("/api/chat/inbox", json={"session": o.user_id})
        assert answer.status_code == 200, answer.text
        o.web_inbox.extend(m["text"] for m in answer.json()["messages"])


async def stored(database_url: str) -> tuple[list[Any], list[Any]]:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            history = (await connection.execute(select(
                AnswerHistoryRow.assignment_id, AnswerHistoryRow.question_id,
                AnswerHistoryRow.new))).all()
            reminders = (await connection.execute(select(
                ReminderRow.assignment_id, ReminderRow.kind, ReminderRow.status))).all()
    finally:
        await engine.dispose()
    return history, reminders


async def test_two_processes_behind_a_proxy_serve_200_officers_once(
    database_url: str, tmp_path: Path
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("several processes share a PostgreSQL database")
    officers = []
    for i in range(OFFICERS):
        channel = CHANNELS[i % len(CHANNELS)]
        officers.append(Officer(i + 1, channel, submitter=i < SUBMITTERS * len(CHANNELS)))
    await prepare(database_url, tmp_path, officers)

    proxy = RoundRobin()
    oa = FakeZaloOA()
    with FakeTelegramAPI() as telegram, serve(oa.app()) as oa_url, serve(proxy) as proxy_url:
        for o in officers:
            if o.channel == "telegram":
                telegram.user(int(o.user_id), f"Cán bộ {o.index}")
        servers = []
        try:
            for name in ("bot-a", "bot-b"):
                port = free_port()
                env = cli_env(database_url, tmp_path, port) | oa_env(oa, oa_url) | {
                    "BAOCAO_SECRET_KEY": "replica-secret-key-0123456789",
                    "BAOCAO_PUBLIC_URL": proxy_url,
                    "TELEGRAM_BOT_TOKEN": telegram.token,
                    "TELEGRAM_API_URL": telegram.url,
                    "TELEGRAM_WEBHOOK_URL": proxy_url + HOOK_PATH,
                    "TELEGRAM_WEBHOOK_SECRET": TG_SECRET,
                    # the whole day is working time, so the reminders due today go out now
                    "BAOCAO_REMINDER_TIME": "00:00", "BAOCAO_REMINDER_UNTIL": "23:59",
                    "BAOCAO_WORKING_DAYS": "mon,tue,wed,thu,fri,sat,sun",
                    "BAOCAO_HOLIDAYS": "", "BAOCAO_REMINDER_CHECK_SECONDS": "2",
                }
                servers.append(await asyncio.to_thread(start_server, env, tmp_path, port, name))
                proxy.backends.append(servers[-1].base_url)

            traffic = Traffic(proxy_url, telegram, oa)
            slots = asyncio.Semaphore(IN_FLIGHT)

            async def act(o: Officer) -> None:
                async with slots:
                    await (traffic.submit(o) if o.submitter else traffic.answer(o))

            await asyncio.wait_for(asyncio.gather(*(act(o) for o in officers)), WAIT * 3)

            # every reminder goes out, once: wait until each non-submitter has one
            for o in officers:
                if o.channel == "web":
                    deadline = time.monotonic() + WAIT
                    while not any(REMINDER_MARK in t for t in o.web_inbox):
                        assert time.monotonic() < deadline, f"no reminder for web {o.index}"
                        await traffic.poll_inbox(o)
                        await asyncio.sleep(0.2)  # the scheduler of another process
                elif not o.submitter:
                    await traffic.wait_for(o, REMINDER_MARK)
            await asyncio.sleep(3)  # a duplicate would arrive within the check interval
            for o in officers:
                if o.channel == "web":
                    await traffic.poll_inbox(o)
            metrics = [httpx.get(s.base_url + "/metrics", timeout=10).text for s in servers]
            await traffic.http.aclose()
        finally:
            for server in servers:
                server.stop()
        logs = "\n".join(s.log() for s in servers)
        assert "Traceback" not in logs, logs[-3000:]

    history, reminders = await stored(database_url)
    by_assignment: dict[int, list[tuple[str, Any]]] = {}
    for assignment_id, question, new in history:
        by_assignment.setdefault(assignment_id, []).append((question, new))
    for o in officers:
        seen = traffic.received(o)
        if not o.submitter:
            # the answer: stored once, as typed
            assert by_assignment.get(o.assignment_id) == [("phap_ly_tong_quan", o.summary)]
            # each reply reached the officer once
            assert sum(GATE in t for t in seen) == 1, (o.channel, seen)
            assert sum("Mục 1 ·" in t for t in seen) == 1, (o.channel, seen)
            assert sum(REMINDER_MARK in t for t in seen) == 1, (o.channel, seen)
        else:
            assert sum(bool(SUBMITTED.search(t)) for t in seen) == 1, (o.channel, seen)
            assert sum(REMINDER_MARK in t for t in seen) <= 1, (o.channel, seen)
    due_day = [r for r in reminders if r.kind == "due_day"]
    assert len(due_day) == OFFICERS  # planned once per assignment, by either process
    assert sum(r.status == "sent" for r in due_day) >= OFFICERS - SUBMITTERS * len(CHANNELS)

    # both processes took turns and the proxy spread them
    for text in metrics:
        handled = sum(float(v) for v in re.findall(
            r'^baocao_turns_total\{channel="[^"]+",outcome="ok"\} (\S+)$', text, re.MULTILINE))
        assert handled > 50, text[:2000]

    # the roll-up holds exactly the submitted reports
    env = cli_env(database_url, tmp_path)
    out = tmp_path / "rollup.docx"
    baocao("rollup", "1", "-o", str(out), "--xlsx", str(tmp_path / "rollup.xlsx"),
           env=env, cwd=tmp_path)
    book = load_workbook(io.BytesIO((tmp_path / "rollup.xlsx").read_bytes()), read_only=True)
    raw = [row for row in book["Số liệu gốc"].iter_rows(values_only=True)][1:]
    names = sorted(str(cell) for row in raw for cell in row[:3]
                   if cell and str(cell).startswith("Sở thử nghiệm"))
    assert names == sorted(f"Sở thử nghiệm {o.index:03d}" for o in officers if o.submitter)
