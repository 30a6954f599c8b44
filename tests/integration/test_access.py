"""Who may do what: every refusal in one matrix.

Each case is one attempt a person (or a forger) could make: an unbound chat writing
answers and commands, an officer of one agency reaching for another agency's report,
expired and used invite codes, a non-DIC officer asking for the dashboard, the
dashboard without, with a forged or with somebody else's session, and webhook calls
without the channel's secret or signature. For each one: it is refused (HTTP status
or the Vietnamese reply), the refusal is LOGGED as a warning, and nothing changed in
the database (officers, chat identities, invites, answers and their history,
submissions, conversation bindings, audit log, outbox). The web app runs in-process
with every channel configured against its fake; SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bot.bootstrap import Bootstrapped, build_app
from bot.channels import zalo_bot, zalo_oa
from bot.channels.telegram.webhook import SECRET_HEADER
from bot.dashboard_auth import COOKIE, SESSION_TTL
from bot.downloads import sign_submission
from bot.webapp import create_web_app
from dialogs.loader import load_template, load_templates
from storage import admin
from storage.login_tokens import issue_login_token
from storage.models import (
    AnswerHistoryRow,
    AnswerRow,
    AssignmentRow,
    AuditRow,
    ConversationRow,
    IdentityRow,
    InviteRow,
    OfficerRow,
    OutboxRow,
    SubmissionRow,
)
from tests.fakes.loopback import serve
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.zalo_bot_api import FakeZaloBot
from tests.fakes.zalo_oa_api import FakeZaloOA
from tests.integration.dialogs.conftest import (
    DEFAULT_AGENCIES,
    DEFAULT_ROUND,
    HERE,
    FakeClock,
)
from tests.support.zalo import bot_env, oa_env, settings_with

HOOK = "https://bot.test/telegram/hook"
TELEGRAM_SECRET = "access-Matrix_secret"
ZALO_BOT_HOOK = "https://bot.test/zalo/bot/webhook"
SECRET_KEY = "test-secret"  # settings_with's BAOCAO_SECRET_KEY

A_CHAT = "officer-a-session-0001"  # web chat sessions (the web channel's user ids)
B_CHAT = "officer-b-session-0001"
DIC_CHAT = "officer-dic-session-01"
STRANGER = "stranger-session-00001"
TELEGRAM_USER = 990_077
ZALO_USER = "8461527390184620999"


# --------------------------------------------------------------------------- the world


@dataclass
class Fakes:
    telegram: FakeTelegramAPI
    oa: FakeZaloOA
    bot: FakeZaloBot
    env: dict[str, str]

    def sent(self) -> tuple[int, int, int]:
        """Messages every fake accepted so far."""
        return len(self.telegram.sent()), self.oa.count(), self.bot.count()


@pytest.fixture(scope="module")
def fakes() -> Iterator[Fakes]:
    """The three channel APIs, shared by the module's tests (none is meant to be sent
    anything: the test checks their counts did not move)."""
    oa, bot = FakeZaloOA(), FakeZaloBot()
    with FakeTelegramAPI() as telegram, serve(oa.app()) as oa_url, serve(bot.app()) as bot_url:
        env = {**oa_env(oa, oa_url), **bot_env(bot, bot_url, webhook_url=ZALO_BOT_HOOK),
               "TELEGRAM_BOT_TOKEN": telegram.token, "TELEGRAM_API_URL": telegram.url,
               "TELEGRAM_WEBHOOK_URL": HOOK, "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET}
        yield Fakes(telegram, oa, bot, env)


@dataclass
class World:
    boot: Bootstrapped
    http: httpx.AsyncClient
    fakes: Fakes
    codes: dict[str, str]  # "used" (by officer A), "expired", "fresh" (SCT's, unused)
    officers: dict[str, int]  # "A" (SCT), "B" (STC), "DIC" (the collector) -> officer id
    transport: httpx.ASGITransport
    b_open: int = 0  # B's assignment in the second round (not started)
    b_submitted: int = 0  # B's assignment in the first round, submitted
    b_submission: int = 0  # its submitted version
    counter: int = 0

    async def chat(self, session: str, text: str | None = None, callback: str | None = None
                   ) -> tuple[int, str]:
        """One web chat message; (status, the reply's texts)."""
        self.counter += 1
        payload: dict[str, Any] = {"session": session, "message_id": f"m-{self.counter}"}
        payload.update({"text": text} if callback is None else {"callback": callback})
        response = await self.http.post("/api/chat", json=payload)
        texts = [m["text"] for m in response.json().get("messages", [])] \
            if response.status_code == 200 else [response.text]
        return response.status_code, "\n".join(texts)

    async def web(self, method: str, path: str, *, cookie: str | SessionOf | None = None,
                  **kwargs: Any) -> tuple[int, str]:
        if isinstance(cookie, SessionOf):  # a live server-side session, or a made-up token
            if cookie.forged:
                cookie = secrets.token_urlsafe(32)
            else:
                async with self.boot.uow_factory() as uow:
                    cookie = await uow.dashboard_sessions.start(
                        self.officers[cookie.officer], now=self.boot.clock.now(),
                        ttl=SESSION_TTL)
                    await uow.commit()
        cookies = {COOKIE: cookie} if cookie is not None else None
        async with httpx.AsyncClient(transport=self.transport, base_url="http://bot.test",
                                     cookies=cookies) as http:  # a fresh cookie jar
            response = await http.request(method, path, **kwargs)
        assert COOKIE not in response.headers.get("set-cookie", "")  # no session handed out
        return response.status_code, response.text


async def _seed(boot: Bootstrapped, clock: FakeClock) -> dict[str, Any]:
    now = clock.now()
    async with boot.uow_factory() as uow:
        sct = await admin.add_agency(uow, **DEFAULT_AGENCIES[0])
        stc = await admin.add_agency(uow, **DEFAULT_AGENCIES[1])
        dic = await admin.add_agency(
            uow, name="Sở Khoa học và Công nghệ", abbreviation="SKHCN",
            governing_body="UBND TỈNH ĐỒNG NAI", place="Đồng Nai", signer_name="Trần Văn B",
            is_collector=True)
        await admin.open_round(uow, template_id="mini", template_version=1,
                               agency_ids=[sct.id, stc.id], now=now, **DEFAULT_ROUND)
        codes = {
            "used": await admin.create_invite(uow, sct.id, now=now),
            "b": await admin.create_invite(uow, stc.id, now=now),
            "dic": await admin.create_invite(uow, dic.id, role="dic", now=now),
            "expired": await admin.create_invite(uow, sct.id, now=now - dt.timedelta(days=31)),
            "fresh": await admin.create_invite(uow, sct.id, now=now),
        }
        await uow.commit()
    return {"codes": codes, "stc": stc}


bundled_templates = cache(load_templates)  # parsed once, not for every case


@pytest.fixture
async def world(database_url: str, tmp_path: Path, fakes: Fakes,
                monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[World]:
    monkeypatch.setattr("bot.bootstrap.load_templates", bundled_templates)
    clock = FakeClock()
    boot = await build_app(settings_with(fakes.env, database_url, tmp_path), clock=clock,
                           run_migrations=False)
    try:
        assert {"telegram", "zalo_oa", "zalo_bot"} <= set(boot.channels)
        boot.templates = {**boot.templates, "mini": load_template(HERE / "mini.yaml")}
        boot.engine.templates = boot.templates
        seeded = await _seed(boot, clock)
        codes = seeded["codes"]
        transport = httpx.ASGITransport(app=create_web_app(boot))
        async with httpx.AsyncClient(transport=transport, base_url="http://bot.test") as http:
            w = World(boot, http, fakes, codes, {}, transport)
            # officers A and B (two agencies) and the DIC's officer bind; A answers a
            # question; B has submitted a report and has a second one to do
            assert "Sở Công Thương" in (await w.chat(A_CHAT, codes["used"]))[1]
            assert "Câu 2/12" in (await w.chat(A_CHAT, "56"))[1]
            assert "Sở Tài chính" in (await w.chat(B_CHAT, codes["b"]))[1]
            assert "Sở Khoa học và Công nghệ" in (await w.chat(DIC_CHAT, codes["dic"]))[1]
            async with boot.uow_factory() as uow:
                for name, chat in (("A", A_CHAT), ("B", B_CHAT), ("DIC", DIC_CHAT)):
                    officer = await uow.identities.officer_for("web", chat)
                    assert officer is not None
                    w.officers[name] = officer.id
                [submitted] = await uow.assignments.list_open(seeded["stc"].id)
                record = await uow.submissions.add(
                    submitted.id, {"staff": 40}, b"PK\x03\x04 report of STC", "BC-STC.docx",
                    w.officers["B"], clock.now())
                w.b_submitted, w.b_submission = submitted.id, record.id
                second = await admin.open_round(
                    uow, template_id="mini", template_version=1, agency_ids=[seeded["stc"].id],
                    now=clock.now(), **{**DEFAULT_ROUND, "period_label": "quý I năm 2027"})
                [opened] = await uow.assignments.list(second.id)
                w.b_open = opened.id
                await uow.commit()
            yield w
    finally:
        await boot.aclose()


# --------------------------------------------------------------------------- the snapshot


async def snapshot(boot: Bootstrapped) -> dict[str, list[tuple[Any, ...]]]:
    """What a refusal must not change."""
    queries = {
        "officers": select(OfficerRow.id, OfficerRow.agency_id, OfficerRow.role)
        .order_by(OfficerRow.id),
        "identities": select(IdentityRow.channel, IdentityRow.user_id, IdentityRow.officer_id)
        .order_by(IdentityRow.id),
        "invites": select(InviteRow.id, InviteRow.used_at, InviteRow.used_by_officer_id)
        .order_by(InviteRow.id),
        "assignments": select(AssignmentRow.id, AssignmentRow.status, AssignmentRow.submitted_at)
        .order_by(AssignmentRow.id),
        "answers": select(AnswerRow.assignment_id, AnswerRow.question_id, AnswerRow.value,
                          AnswerRow.version).order_by(AnswerRow.id),
        "answer_history": select(AnswerHistoryRow.id, AnswerHistoryRow.question_id)
        .order_by(AnswerHistoryRow.id),
        "submissions": select(SubmissionRow.id, SubmissionRow.assignment_id,
                              SubmissionRow.version).order_by(SubmissionRow.id),
        # a chat bound to an officer or working on a report (an unbound chat's row is not)
        "bindings": select(ConversationRow.channel, ConversationRow.user_id,
                           ConversationRow.officer_id, ConversationRow.assignment_id,
                           ConversationRow.state, ConversationRow.step)
        .where((ConversationRow.officer_id.is_not(None))
               | (ConversationRow.assignment_id.is_not(None)))
        .order_by(ConversationRow.id),
        "audit_log": select(AuditRow.id, AuditRow.action, AuditRow.entity, AuditRow.entity_id)
        .order_by(AuditRow.id),
        "outbox": select(OutboxRow.id, OutboxRow.channel, OutboxRow.user_id)
        .order_by(OutboxRow.id),
    }
    async with boot.db.connect() as conn:
        return {name: [tuple(row) for row in await conn.execute(query)]
                for name, query in queries.items()}


async def test_an_accepted_answer_does_change_the_snapshot(world: World) -> None:
    """The control: what the matrix's refusals do not do, a genuine answer does."""
    before = await snapshot(world.boot)
    status, reply = await world.chat(A_CHAT, "50")
    assert status == 200 and "Câu 3/12" in reply
    after = await snapshot(world.boot)
    assert after["answers"] != before["answers"]
    assert len(after["answer_history"]) == len(before["answer_history"]) + 1
    assert after["bindings"] != before["bindings"]  # the step moved on


# --------------------------------------------------------------------------- the matrix

Attempt = Callable[[World], Awaitable[tuple[int, str]]]


@dataclass(frozen=True)
class Case:
    attempt: Attempt
    status: int  # the HTTP status answered
    says: str  # in the reply (the chat's text or the page)
    logged: str  # in the warning logged
    audited: str | None = None  # an audit entry the refusal itself records


async def _telegram(w: World, headers: dict[str, str]) -> tuple[int, str]:
    update = w.fakes.telegram.text_update(TELEGRAM_USER, f"/start {w.codes['fresh']}")
    response = await w.http.post("/telegram/hook", json=update, headers=headers)
    return response.status_code, response.text


async def _zalo_oa(w: World, tamper: str) -> tuple[int, str]:
    body, headers = w.fakes.oa.event(ZALO_USER, w.codes["fresh"])
    if tamper == "no signature":
        del headers[zalo_oa.SIGNATURE_HEADER]
    else:
        headers[zalo_oa.SIGNATURE_HEADER] = w.fakes.oa.sign(body, "1764000000000",
                                                            secret="not-the-oa-key")
    response = await w.http.post(zalo_oa.WEBHOOK_PATH, content=body, headers=headers)
    return response.status_code, response.text


async def _zalo_bot(w: World, secret: str) -> tuple[int, str]:
    body, headers = w.fakes.bot.webhook_request(ZALO_USER, w.codes["fresh"], secret=secret)
    if not secret:
        del headers[zalo_bot.SECRET_HEADER]
    response = await w.http.post(zalo_bot.WEBHOOK_PATH, content=body, headers=headers)
    return response.status_code, response.text


async def _login_link(w: World, officer: str) -> tuple[int, str]:
    async with w.boot.uow_factory() as uow:
        token = await issue_login_token(uow, w.officers[officer], now=w.boot.clock.now(),
                                        ttl=dt.timedelta(minutes=15))
        await uow.commit()
    return await w.web("POST", "/admin/login", data={"token": token})


@dataclass(frozen=True)
class SessionOf:
    officer: str
    forged: bool = False


def _cookie(w: World, officer: str, key: str = SECRET_KEY) -> SessionOf:
    return SessionOf(officer, forged=key != SECRET_KEY)


NOT_BOUND = "Vui lòng nhập mã mời do Sở Khoa học và Công nghệ cung cấp"
NO_SESSION = "Phiên đăng nhập không còn hiệu lực."
DIC_ONLY = "Trang quản trị chỉ dành cho cán bộ của cơ quan tổng hợp."

CASES: dict[str, Case] = {
    # an unbound chat: its answers are taken for invite codes, its commands and taps refused
    "unbound sends an answer": Case(
        lambda w: w.chat(STRANGER, "56"), 200, "Mã mời không đúng", "invite refused (unknown)"),
    "unbound sends a command": Case(
        lambda w: w.chat(STRANGER, "nộp"), 200, NOT_BOUND, "command submit refused"),
    "unbound taps an answer button": Case(
        lambda w: w.chat(STRANGER, callback="ans:1@q:has_lan"), 200,
        "Vui lòng nhập mã mời để bắt đầu", "button refused"),
    "unbound asks for the dashboard": Case(
        lambda w: w.chat(STRANGER, "quản trị"), 200, NOT_BOUND, "command dashboard refused"),
    # invite codes
    "an expired invite": Case(
        lambda w: w.chat(STRANGER, w.codes["expired"]), 200, "Mã mời đã hết hạn",
        "invite refused (expired)"),
    "an already-used invite": Case(
        lambda w: w.chat(STRANGER, w.codes["used"]), 200, "Mã mời này đã được sử dụng",
        "invite refused (used)"),
    # agency A reaching for agency B's report
    "A opens B's report (crafted button)": Case(
        lambda w: w.chat(A_CHAT, callback=f"cmd:continue:{w.b_open}"), 200,
        "Nút này không còn hiệu lực.", "refused: not open for officer"),
    "A downloads B's report (guessed link)": Case(
        lambda w: w.web("GET", f"/download/{w.b_submission}/BC-STC.docx"
                               f"?exp=4102444800"
                               f"&sig={sign_submission('a-guess', w.b_submission, 4102444800)}"),
        403, "Liên kết tải về không hợp lệ.", "refused: bad signature"),
    # DIC-only: the dashboard link in chat, the dashboard itself
    "a non-DIC officer asks for the dashboard": Case(
        lambda w: w.chat(A_CHAT, "quản trị"), 200,
        "Trang quản trị chỉ dành cho cán bộ của Sở Khoa học và Công nghệ.",
        "dashboard link refused: officer"),
    "a non-DIC officer's login link": Case(
        lambda w: _login_link(w, "A"), 403, DIC_ONLY, "dashboard login refused: officer",
        audited="dashboard.login"),
    "a forged login link": Case(
        lambda w: w.web("POST", "/admin/login", data={"token": "x" * 43}), 403,
        "Liên kết đăng nhập không hợp lệ", "dashboard login refused: unknown"),
    "the dashboard without a cookie": Case(
        lambda w: w.web("GET", "/admin"), 401, NO_SESSION, "(no session cookie)"),
    "the dashboard with a forged cookie": Case(
        lambda w: w.web("GET", "/admin", cookie=_cookie(w, "DIC", key="guessed-key")), 401,
        NO_SESSION, "(invalid session cookie)"),
    "the dashboard with a non-DIC officer's session": Case(
        lambda w: w.web("GET", "/admin", cookie=_cookie(w, "A")), 403, DIC_ONLY,
        "is not dic"),
    "returning B's report without a cookie": Case(
        lambda w: w.web("POST", f"/admin/assignments/{w.b_submitted}/return",
                        data={"comment": "x"}), 401, NO_SESSION, "(no session cookie)"),
    "returning B's report without the form's token": Case(
        lambda w: w.web("POST", f"/admin/assignments/{w.b_submitted}/return",
                        cookie=_cookie(w, "DIC"), data={"comment": "x"}), 403,
        "Biểu mẫu đã hết hạn", "(no valid CSRF token)"),
    # channel webhooks
    "Telegram webhook without the secret": Case(
        lambda w: _telegram(w, {}), 403, "forbidden", "request refused (no secret token)"),
    "Telegram webhook with a wrong secret": Case(
        lambda w: _telegram(w, {SECRET_HEADER: "access-Matrix_secreT"}), 403, "forbidden",
        "request refused (wrong secret token)"),
    "Zalo OA event without a signature": Case(
        lambda w: _zalo_oa(w, "no signature"), 403, "invalid signature",
        "event refused (no signature)"),
    "Zalo OA event with a wrong signature": Case(
        lambda w: _zalo_oa(w, "wrong signature"), 403, "invalid signature",
        "event refused (wrong signature)"),
    "Zalo Bot update without the secret": Case(
        lambda w: _zalo_bot(w, ""), 403, "invalid secret token",
        "update refused (no secret token)"),
    "Zalo Bot update with a wrong secret": Case(
        lambda w: _zalo_bot(w, "not-the-secret-token"), 403, "invalid secret token",
        "update refused (wrong secret token)"),
}


@pytest.mark.parametrize("name", list(CASES))
async def test_refused_logged_and_nothing_changed(world: World, name: str,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    case = CASES[name]
    before = await snapshot(world.boot)
    sent = world.fakes.sent()
    caplog.clear()
    caplog.set_level(logging.INFO)

    status, reply = await case.attempt(world)

    assert status == case.status, reply
    assert case.says in reply, reply
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert any(case.logged in message for message in warnings), warnings
    after = await snapshot(world.boot)
    if case.audited is not None:  # the refused attempt is on record, nothing else
        [entry] = after["audit_log"][len(before["audit_log"]):]
        assert entry[1] == case.audited
        after["audit_log"] = before["audit_log"]
        async with world.boot.uow_factory() as uow:
            recorded = (await uow.audit.entries(entity="officer"))[-1]
        assert recorded.detail == {"allowed": False}
    assert after == before
    assert world.fakes.sent() == sent  # and nothing went out on any channel

