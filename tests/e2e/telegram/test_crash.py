"""Issue #8, "Crash": 100 officers answer the annual questionnaire on Telegram while the
bot process (``baocao run``, long polling against the fake Bot API) is SIGKILLed at
random points and restarted on the same database, on SQLite and PostgreSQL.

What an officer may rely on afterwards:

- an answer the bot acknowledged (its reply, the next question, reached Telegram) is
  stored, and stored once;
- no message is lost: the bot confirms an update to Telegram only once it has been
  handled, so a restarted bot gets from Telegram every update the dead one took but did
  not finish, and processes it; one the dead bot had processed already (its turn
  committed, its reply not sent) is a no-op (de-duplicated by update id, or by the
  tapped keyboard): its answer is stored once, and "tiếp tục" shows the question after it;
- a submission is whole: its row has the DOCX, the assignment says submitted, and a
  re-delivered "Xác nhận nộp" does not submit twice;
- after the last restart every officer resumes at the question shown last.

Where the kills land comes from a seeded RNG; the seed is printed and
``BAOCAO_CRASH_SEED=<seed>`` replays the same plan (thread timing still varies).

Throughput is bounded by the bot's own flood control (30 Bot API requests a second;
each turn is a sendMessage plus the edit that retires the previous keyboard), so each
officer gives only a few answers (:data:`ANSWERS`) to keep a run under a minute.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import itertools
import os
import random
import re
import secrets
import signal
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from docx import Document
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import NullPool

from bot.bootstrap import Bootstrapped, build_app
from bot.channels.telegram.handlers import SYSTEM_ERROR
from bot.demo import template_source
from bot.settings import Settings
from bot.template_info import describe_template
from dialogs import texts
from dialogs.messages import Inbound, Outbound
from storage import admin
from storage.db import create_engine
from storage.models import (
    AnswerHistoryRow,
    AnswerRow,
    AssignmentRow,
    InboundMessageRow,
    SubmissionRow,
)
from tests.e2e.support import Server, cli_env, free_port, start_server
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.support.seed003 import answer_everything
from tests.support.zalo import step_reader

pytestmark = pytest.mark.slow

OFFICERS = 100
SUBMITTERS = 3  # of the officers: questionnaire filled beforehand, they submit meanwhile
ANSWERS = (2, 5)  # each other officer gives this many answers over Telegram (seeded)
FIRST_CHAT = 880_001
TEMPLATE = "annual_it"
REPLY_TIMEOUT = 90.0  # seconds an officer waits for a reply that must come
SCENARIO_TIMEOUT = 300.0

QUESTION_LINE = re.compile(r"^Câu (\d+)/\d+ · ", re.MULTILINE)
ITEM_FIELD = re.compile(r"^Mục (\d+) · (.+)$", re.MULTILINE)
ITEM_COUNT = re.compile(r"Đã nhập (\d+) mục")


def crash_seed() -> int:
    """``BAOCAO_CRASH_SEED`` if set (to replay a failure), else a fresh one."""
    configured = os.environ.get("BAOCAO_CRASH_SEED")
    return int(configured) if configured else secrets.randbelow(2**31)


# ------------------------------------------------------------------- what officers see


@dataclass(frozen=True)
class Seen:
    """A bot message as it reached the chat (before later edits)."""

    message_id: int
    text: str
    buttons: tuple[tuple[str, str], ...]  # (label, callback data)
    document: bytes | None = None

    @property
    def question(self) -> str | None:
        """The question it asks, from its "Câu N/T · …" line to the end."""
        match = QUESTION_LINE.search(self.text)
        return self.text[match.start():] if match else None


class Step(NamedTuple):
    """Where a question prompt stands in the questionnaire."""

    number: int
    item: int | None  # the repeat item (from 1) of a field's prompt
    field: str | None  # the field's label
    gate: int | None  # at a repeat's "add another or done": items entered so far


def step_of(message: Seen) -> Step | None:
    prompt = message.question
    if prompt is None:
        return None
    line = QUESTION_LINE.match(prompt)
    assert line is not None
    number = int(line.group(1))
    datas = {data for _, data in message.buttons}
    if {"cmd:add", "cmd:done"} <= datas:
        count = ITEM_COUNT.search(prompt)
        return Step(number, None, None, int(count.group(1)) if count else 0)
    item = ITEM_FIELD.search(prompt)
    if item:
        return Step(number, int(item.group(1)), item.group(2).strip(), None)
    return Step(number, None, None, None)


def complete(reply: list[Seen]) -> bool:
    """A whole reply: it ends in a keyboard or a document, or says the bot is busy."""
    return any(m.buttons or m.document is not None or m.text in (texts.BUSY, SYSTEM_ERROR)
               for m in reply)


def typed_answer(officer: int, question: str, field_id: str | None) -> tuple[str, Any]:
    """What officer number ``officer`` types, and the value that stores; different for
    every officer and every question, so a misplaced answer cannot go unnoticed."""
    day = officer % 28 + 1
    numbers = {"so_cbcc": 100 + officer, "so_cbcc_co_may_tinh": 50 + officer,
               "so_don_vi_truc_thuoc": officer % 9 + 1, "so_may_tinh": 300 + officer,
               "so_may_chu": officer % 7 + 1}
    if question in numbers:
        return str(numbers[question]), numbers[question]
    if (question, field_id) == ("van_ban_chi_dao", "ngay"):
        return f"{day:02d}/03/2026", f"2026-03-{day:02d}"
    typed = {
        ("phap_ly_tong_quan", None):
            f"Đơn vị thử nghiệm số {officer} đã ban hành kế hoạch chuyển đổi số năm 2026.",
        ("van_ban_chi_dao", "so_ky_hieu"): f"{officer + 1}/KH-TN",
        ("van_ban_chi_dao", "trich_yeu"):
            f"triển khai chuyển đổi số tại đơn vị thử nghiệm số {officer}",
        ("ten_don_vi_truc_thuoc", None): f"Trung tâm thử nghiệm số {officer}",
        ("ket_noi_mang", None): f"Đường truyền số liệu chuyên dùng của đơn vị số {officer}",
    }[(question, field_id)]
    return typed, typed


# ------------------------------------------------------------------------ officers


class Answer(NamedTuple):
    question: str
    field: str | None  # a repeat field (of item 1), or None for the whole question
    value: Any  # as stored


@dataclass
class Sent:
    """One message (typed or tapped) an officer sent, and what became of it."""

    update_id: int
    key: str  # what the bot de-duplicates it by
    what: str  # the typed text or the tapped button's data
    step: Step | None
    answer: Answer | None
    start: int  # the officer's inbox length when it was sent
    bot: int  # the bot process running then (1, 2, …)
    reply: list[Seen] = field(default_factory=list)
    lost: bool = False  # processed by a bot that died before replying; none will come
    cut: bool = False  # the bot died in the middle of the reply
    taken: bool | None = None  # did the conversation move past ``step``?

    @property
    def acknowledged(self) -> bool:
        """Its own reply showed the next question."""
        return self.answer is not None and bool(self.reply) and bool(self.taken)


@dataclass
class Officer:
    index: int
    chat: int
    agency: str
    submitter: bool = False
    budget: int = 0  # answers still to give
    starts_at: float = 0.0  # progress at which a submitter starts submitting
    assignment_id: int = 0
    inbox: list[Seen] = field(default_factory=list)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    log: list[Sent] = field(default_factory=list)
    waiting: Sent | None = None
    view: list[Seen] | None = None  # the last whole reply; None: it never came
    prompt: str | None = None  # the question shown last
    submitted: Seen | None = None

    def __str__(self) -> str:
        lines = [f"officer {self.index} (chat {self.chat}, {self.agency}):"]
        for s in self.log:
            state = "lost" if s.lost else "cut" if s.cut else "replied" if s.reply else "?"
            shown = (s.reply[-1].question or s.reply[-1].text)[:70] if s.reply else ""
            lines.append(f"  [{s.update_id} bot {s.bot}] {s.what[:40]!r} -> {state}"
                         f" taken={s.taken} {shown!r}")
        return "\n".join(lines)


@dataclass
class Kill:
    bot: int
    waiting: int = 0  # officers waiting for a reply when it died
    lost: int = 0  # … whose message it had taken: no reply will come
    cut: int = 0  # … who got part of their reply
    redelivered: int = 0  # … whose update goes to the next bot
    processed: int = 0  # … of those lost: processed (turn committed), reply not sent
    dropped: int = 0  # … of those lost: confirmed to Telegram, never processed (a bug)


# ------------------------------------------------------------------------ database


class Database:
    """The test's own look at the bot's database (no pooled connections left open)."""

    def __init__(self, url: str) -> None:
        self.engine: AsyncEngine = create_engine(url, poolclass=NullPool)
        self.postgres = url.startswith("postgresql")

    async def quiesce(self, timeout: float = 15.0) -> None:
        """PostgreSQL: wait until the dead bot's server processes are gone, so nothing
        it sent can still commit after we look."""
        if not self.postgres:
            return
        deadline = asyncio.get_running_loop().time() + timeout
        query = text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                     " AND pid <> pg_backend_pid() AND backend_type = 'client backend'")
        while True:
            async with self.engine.connect() as conn:
                if not (await conn.execute(query)).scalar_one():
                    return
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError("the killed bot's database sessions did not end")
            await asyncio.sleep(0.05)  # waiting for PostgreSQL to notice, not app time

    async def rows(self, statement: Any) -> list[Any]:
        async with self.engine.connect() as conn:
            return list((await conn.execute(statement)).all())

    async def claimed(self) -> set[str]:
        rows = await self.rows(select(InboundMessageRow.message_id)
                               .where(InboundMessageRow.channel == "telegram"))
        return {r.message_id for r in rows}

    async def history(self) -> dict[int, list[tuple[str, Any]]]:
        rows = await self.rows(select(AnswerHistoryRow.assignment_id, AnswerHistoryRow.question_id,
                                      AnswerHistoryRow.new).order_by(AnswerHistoryRow.id))
        out: dict[int, list[tuple[str, Any]]] = {}
        for row in rows:
            out.setdefault(row.assignment_id, []).append((row.question_id, row.new))
        return out

    async def answers(self) -> dict[int, dict[str, Any]]:
        rows = await self.rows(select(AnswerRow.assignment_id, AnswerRow.question_id,
                                      AnswerRow.value))
        out: dict[int, dict[str, Any]] = {}
        for row in rows:
            out.setdefault(row.assignment_id, {})[row.question_id] = row.value
        return out

    async def statuses(self) -> dict[int, str]:
        rows = await self.rows(select(AssignmentRow.id, AssignmentRow.status))
        return {r.id: r.status for r in rows}

    async def submissions(self) -> list[Any]:
        return await self.rows(select(SubmissionRow.assignment_id, SubmissionRow.version,
                                      SubmissionRow.docx, SubmissionRow.filename))


def holds(value: Any, answer: Answer) -> bool:
    """Does a stored (or history) value carry ``answer``?"""
    if answer.field is None:
        return bool(value == answer.value)
    return isinstance(value, list) and bool(value) and value[0].get(answer.field) == answer.value


# ------------------------------------------------------------------------ the run


class CrashRun:
    def __init__(self, fake: FakeTelegramAPI, env: dict[str, str], workdir: Path,
                 database_url: str, rng: random.Random, officers: list[Officer]) -> None:
        self.fake = fake
        self.env = env
        self.workdir = workdir
        self.database_url = database_url
        self.rng = rng
        self.officers = officers
        self.total = sum(o.budget for o in officers)  # answers all officers will give
        self.by_chat = {o.chat: o for o in officers}
        self.db = Database(database_url)
        self.bots: list[Server] = []
        self.routed = 0  # messages of fake.sent() handed to officers
        self.kills: list[Kill] = []
        self.progress = 0  # answers (and repeat gates) given so far, all officers together
        self.moved = asyncio.Event()
        self.confirming = asyncio.Event()  # a submitter tapped "Xác nhận nộp"
        self.done = asyncio.Event()  # every officer is through
        self.filled = asyncio.Event()  # the submitters' questionnaires are filled
        self.questions: dict[int, dict[str, Any]] = {}
        self.boot: Bootstrapped | None = None  # the app in this process, for the set-up

    # --------------------------------------------------------------- set-up
    async def prepare(self) -> None:
        """Agencies, the annual round and invites (as the operator's CLI would create
        them), and every officer bound to their agency (the bot's reply: question 1)."""
        settings = Settings(database_url=self.database_url, data_dir=self.workdir / "var",
                            secret_key="crash-test-secret", telegram_bot_token=None,
                            zalo_oa_access_token=None, zalo_bot_token=None)
        self.boot = boot = await build_app(settings, run_migrations=False)
        template = boot.templates[TEMPLATE]
        self.questions = {q["number"]: q for q in describe_template(template)["questions"]
                          if q["number"] is not None}
        now = boot.clock.now()
        async with boot.uow_factory() as uow:
            agencies = {}
            for o in self.officers:
                agency = await admin.add_agency(
                    uow, name=f"Sở thử nghiệm {o.index:03d}", abbreviation=o.agency,
                    governing_body="UBND TỈNH ĐỒNG NAI", place="Đồng Nai",
                    signer_name=f"Nguyễn Văn {o.index:03d}")
                agencies[agency.id] = o
            await admin.save_template_source(uow, template.id, template.version, template.name,
                                             template_source(template.id), now=now)
            round_ = await admin.open_round(
                uow, template_id=template.id, template_version=template.version,
                period_label="năm 2026", period_start=dt.date(2026, 1, 1),
                period_end=dt.date(2026, 12, 31), deadline=now.date() + dt.timedelta(days=200),
                agency_ids=list(agencies), province="Đồng Nai",
                collector="Sở Khoa học và Công nghệ", now=now)
            codes = {o.chat: await admin.create_invite(uow, agency_id, now=now)
                     for agency_id, o in agencies.items()}
            await uow.commit()
        async with boot.uow_factory() as uow:
            for assignment in await admin.list_assignments(uow, round_.id):
                agencies[assignment.agency_id].assignment_id = assignment.id

        async def bind(o: Officer) -> None:
            replies = await boot.engine.handle(Inbound(
                "telegram", str(o.chat), text=f"/start {codes[o.chat]}",
                display_name=f"Cán bộ {o.index}"))
            o.view = [Seen(0, "\n\n".join(r.text for r in replies), ())]
            o.prompt = o.view[0].question
            assert o.prompt is not None and o.prompt.startswith("Câu 1/"), replies

        for start in range(0, len(self.officers), 10):
            await asyncio.gather(*(bind(o) for o in self.officers[start:start + 10]))

    async def fill(self) -> None:
        """The submitters answered every question earlier (seed 003's figures, through
        the engine in this process: not what this test is about), so only submitting is
        left. Runs while the others start answering; then this process's app is closed
        (no connection of the test's own then disturbs :meth:`Database.quiesce`)."""
        boot = self.boot
        assert boot is not None

        async def one(o: Officer) -> None:
            async def say(text: str) -> list[Outbound]:
                return await boot.engine.handle(Inbound("telegram", str(o.chat), text=text))

            await answer_everything(say, step_reader(boot.uow_factory, "telegram", str(o.chat)))
            o.view, o.prompt = [], None

        await asyncio.gather(*(one(o) for o in self.officers if o.submitter))
        self.boot = None
        await boot.aclose()
        self.filled.set()

    # ------------------------------------------------------------- the bot
    async def start_bot(self) -> None:
        port = free_port()
        self.env["BAOCAO_PORT"] = str(port)
        bot = await asyncio.to_thread(start_server, self.env, self.workdir, port,
                                      f"bot-{len(self.bots) + 1}")
        self.bots.append(bot)

    async def crash(self) -> Kill:
        """SIGKILL the bot; once all it sent has arrived, settle every waiting officer's
        fate; check nothing acknowledged is missing; start a new bot."""
        bot = self.bots[-1]
        await asyncio.to_thread(bot.kill)
        assert bot.process.returncode == -signal.SIGKILL
        kill = Kill(len(self.bots))
        await asyncio.to_thread(self.fake.wait_idle)
        self.route_once()  # all the dead bot sent is in the officers' hands
        await self.db.quiesce()
        claimed = await self.db.claimed()
        self.check_acknowledged(await self.db.history(), f"after kill {len(self.kills) + 1}")
        for o in self.officers:
            sent = o.waiting
            if sent is None:
                continue
            kill.waiting += 1
            if len(o.inbox) > sent.start:
                sent.cut, kill.cut = True, kill.cut + 1
            elif sent.key in claimed:
                # processed, no reply sent: if the dead bot did not confirm it, the next bot
                # gets it again and must ignore it
                sent.lost, kill.lost, kill.processed = True, kill.lost + 1, kill.processed + 1
            elif self.fake.is_delivered(sent.update_id):
                # confirmed to Telegram by the dead bot but never processed: lost for good
                sent.lost, kill.lost, kill.dropped = True, kill.lost + 1, kill.dropped + 1
            else:
                kill.redelivered += 1  # the next bot gets it from getUpdates
            o.wake.set()
        self.kills.append(kill)
        await self.start_bot()
        return kill

    async def chaos(self) -> None:
        """Three kills mid-questionnaire: two at random points of the officers' progress,
        one shortly after a submitter confirms (so a submission may be cut)."""
        await self.filled.wait()
        await self.reached(self.rng.uniform(0.08, 0.25) * self.total)
        await asyncio.sleep(self.rng.uniform(0.0, 0.3))  # a random instant, not app time
        await self.crash()
        await self.first_of(self.confirming)
        await asyncio.sleep(self.rng.uniform(0.0, 1.2))
        await self.crash()
        await self.reached(self.rng.uniform(0.6, 0.85) * self.total)
        await asyncio.sleep(self.rng.uniform(0.0, 0.3))
        await self.crash()

    async def reached(self, progress: float) -> None:
        while self.progress < progress and not self.done.is_set():
            self.moved.clear()
            await self.first_of(self.moved)

    async def first_of(self, event: asyncio.Event) -> None:
        """Until ``event`` is set, or every officer is through."""
        waits = [asyncio.ensure_future(event.wait()), asyncio.ensure_future(self.done.wait())]
        _, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()

    def route_once(self) -> None:
        """Hand every message the bot sent since last time to its officer."""
        messages = self.fake.sent()
        for m in messages[self.routed:]:
            officer = self.by_chat.get(m.chat_id)
            if officer is None:
                continue
            officer.inbox.append(Seen(m.message_id, m.body, tuple(m.buttons),
                                      m.document.data if m.document else None))
            officer.wake.set()
        self.routed = len(messages)

    async def route(self) -> None:
        while True:
            self.route_once()
            await asyncio.sleep(0.02)  # polling the fake's record, not waiting on app time

    # ------------------------------------------------------------- officers
    async def send(self, o: Officer, *, typed: str | None = None,
                   tap: tuple[Seen, str] | None = None, step: Step | None = None,
                   answer: Answer | None = None) -> Sent:
        """Send and wait until the whole reply is in, or the bot died without one."""
        if tap is not None:
            message, data = tap
            update_id = self.fake.press(o.chat, message.message_id, data)
            key, what = f"kb:{o.chat}:{message.message_id}", data
        else:
            assert typed is not None
            update_id = self.fake.send_text(o.chat, typed)
            key, what = str(update_id), typed
        sent = Sent(update_id, key, what, step, answer, len(o.inbox), len(self.bots))
        o.log.append(sent)
        o.waiting = sent
        try:
            async with asyncio.timeout(REPLY_TIMEOUT):
                while not (sent.lost or sent.cut or complete(o.inbox[sent.start:])):
                    o.wake.clear()
                    await o.wake.wait()
        except TimeoutError:
            calls = Counter((c.method, c.status) for c in self.fake.calls)
            raise AssertionError(f"no reply in {REPLY_TIMEOUT} s\n{o}\nBot API calls: {calls}; "
                                 f"updates not confirmed: {self.fake.pending_updates()}"
                                 ) from None
        finally:
            o.waiting = None
        sent.reply = o.inbox[sent.start:]
        o.view = sent.reply or None
        shown = next((m for m in reversed(sent.reply) if m.question), None)
        if shown is not None:
            o.prompt = shown.question
            now_at = step_of(shown)
            for earlier in o.log:
                if earlier.answer is not None and earlier.taken is None:
                    earlier.taken = now_at != earlier.step
        return sent

    async def answer(self, o: Officer) -> None:
        """Give ``o.budget`` answers from where the conversation stands; "tiếp tục"
        whenever a reply did not come."""
        while True:
            shown = next((m for m in reversed(o.view or []) if m.question), None)
            if shown is None:
                await self.send(o, typed="tiếp tục")
                continue
            if o.budget <= 0:
                return
            o.budget -= 1
            self.progress += 1
            self.moved.set()
            step = step_of(shown)
            assert step is not None
            if step.gate is not None:
                await self.send(o, tap=(shown, "cmd:done" if step.gate else "cmd:add"),
                                step=step)
                continue
            question = self.questions[step.number]
            field_id = None
            if step.field is not None:
                field_id = next(f["id"] for f in question["fields"] if f["label"] == step.field)
            choice = next((d for _, d in shown.buttons if d.startswith("ans:")), None)
            if choice is not None:
                stored = choice.removeprefix("ans:").split("@", 1)[0]
                await self.send(o, tap=(shown, choice), step=step,
                                answer=Answer(question["id"], field_id, stored))
            else:
                typed, stored = typed_answer(o.index, question["id"], field_id)
                await self.send(o, typed=typed, step=step,
                                answer=Answer(question["id"], field_id, stored))

    async def submit(self, o: Officer) -> None:
        """Ask to submit and confirm, until the bot says the report is in."""
        await self.filled.wait()
        await self.reached(o.starts_at)
        while True:
            view = o.view or []
            document = next((m for m in view if m.document is not None), None)
            if document is not None and ("Đã nộp báo cáo (bản 1)" in document.text
                                         or "đã được nộp (bản 1" in document.text):
                o.submitted = document
                return
            confirm = next((m for m in view if ("Xác nhận nộp", "cmd:confirm") in m.buttons),
                           None)
            if confirm is not None:
                self.confirming.set()
                await self.send(o, tap=(confirm, "cmd:confirm"))
            elif o.view is None:
                await self.send(o, typed="tiếp tục")
            else:
                await self.send(o, typed="nộp")

    async def everyone(self) -> None:
        await asyncio.gather(self.fill(), *(self.submit(o) if o.submitter else self.answer(o)
                                            for o in self.officers))
        self.done.set()

    # ------------------------------------------------------------- checks
    def check_acknowledged(self, history: dict[int, list[tuple[str, Any]]], when: str) -> None:
        for o in self.officers:
            stored = history.get(o.assignment_id, [])
            for s in o.log:
                if s.acknowledged:
                    assert s.answer is not None
                    assert any(q == s.answer.question and holds(new, s.answer)
                               for q, new in stored), (
                        f"{when}: acknowledged answer {s.answer} not stored\n{o}")

    async def final_restart(self) -> list[Sent]:
        """Everyone is through: one more kill at rest. Telegram then hands the new bot a
        sample of updates the bots processed already (as if never confirmed)."""
        bot = self.bots[-1]
        await asyncio.to_thread(bot.kill)
        await asyncio.to_thread(self.fake.wait_idle)
        again = []
        for o in self.officers:
            acked = [s for s in o.log if s.acknowledged or (
                s.what == "cmd:confirm" and any(m.document for m in s.reply))]
            if acked and (o.submitter or o.index % 4 == 0):
                again.append(acked[-1])
                update = self.fake.update(acked[-1].update_id)
                assert update is not None
                self.fake.inject(update)
        await self.start_bot()
        return again


# ------------------------------------------------------------------------ the test


async def test_sigkilled_bot_loses_no_acknowledged_answer(database_url: str,
                                                           tmp_path: Path) -> None:
    seed = crash_seed()
    print(f"\ncrash seed {seed} (BAOCAO_CRASH_SEED={seed} replays it)")
    rng = random.Random(seed)
    officers = [Officer(i, FIRST_CHAT + i, f"TN{i:03d}") for i in range(OFFICERS)]
    for o in rng.sample(officers, SUBMITTERS):
        o.submitter = True
    for o in officers:
        o.budget = 0 if o.submitter else rng.randint(*ANSWERS)
    total = sum(o.budget for o in officers)
    for o in officers:
        o.starts_at = rng.uniform(0.3, 0.5) * total  # submitters start meanwhile

    with FakeTelegramAPI(max_poll=0.5) as fake:
        env = cli_env(database_url, tmp_path)
        env["TELEGRAM_BOT_TOKEN"] = fake.token
        env["TELEGRAM_API_URL"] = fake.url
        run = CrashRun(fake, env, tmp_path, database_url, rng, officers)
        router = asyncio.create_task(run.route())
        try:
            clock = asyncio.get_running_loop().time
            phases = [clock()]
            async with asyncio.timeout(SCENARIO_TIMEOUT):
                await asyncio.gather(run.prepare(), run.start_bot())
                phases.append(clock())
                async with asyncio.TaskGroup() as group:  # a failure anywhere stops all
                    group.create_task(run.chaos())
                    group.create_task(run.everyone())
                phases.append(clock())
                again = await run.final_restart()
                resumed = await asyncio.gather(
                    *(run.send(o, typed="tiếp tục") for o in officers))
                phases.append(clock())
            print("set-up {:.1f} s, officers {:.1f} s, resume {:.1f} s".format(
                *(b - a for a, b in itertools.pairwise(phases))))
            await verify(run, dict(zip((o.chat for o in officers), resumed, strict=True)),
                         again, seed)
        finally:
            router.cancel()
            for bot in run.bots:
                bot.stop()
            if run.boot is not None:
                await run.boot.aclose()
            await run.db.engine.dispose()


async def verify(run: CrashRun, resumed: dict[int, Sent], again: list[Sent], seed: int) -> None:
    where = f"(seed {seed})"
    lost = sum(k.lost for k in run.kills)
    stored_anyway = sum(1 for o in run.officers for s in o.log if s.lost and s.taken)
    print(f"kills: {run.kills}\nmessages sent: {sum(len(o.log) for o in run.officers)}; "
          f"replies lost to kills: {lost} (answers among them stored anyway: "
          f"{stored_anyway}); submissions hit by a kill: "
          f"{sum(1 for o in run.officers for s in o.log if s.what == 'cmd:confirm' and s.lost)}"
          f"; re-delivered as no-ops: {len(again)}")
    kills = run.kills[:3]
    assert len(kills) == 3 and all(k.waiting for k in kills), (where, run.kills)
    assert not any(k.dropped for k in run.kills), f"{where} updates lost: {run.kills}"

    # every officer resumes where the conversation stood when they last heard from it
    for o in run.officers:
        reply = resumed[o.chat].reply
        if o.submitter:
            assert o.submitted is not None, f"{where} never submitted\n{o}"
            assert any(m.document is not None and "đã được nộp (bản 1" in m.text
                       for m in reply), f"{where} resumed\n{o}"
        else:
            shown = next((m.question for m in reversed(reply) if m.question), None)
            assert shown == o.prompt, f"{where} resumed at\n{shown}\ninstead of\n{o.prompt}\n{o}"
        # nothing but the answer to "tiếp tục": a re-delivered update said nothing
        assert len(reply) == 1, f"{where} {reply}\n{o}"
    # the re-delivered updates (handled before "tiếp tục", same chat) changed nothing:
    # no reply of their own came, no question moved on, nothing was stored again (below)
    assert again
    refused = [(c.method, {k: str(v)[:80] for k, v in c.params.items()}) for c in run.fake.calls
               if c.status >= 400 and c.method.startswith("send")]
    assert not refused, f"{where} the Bot API refused {refused}"

    history = await run.db.history()
    answers = await run.db.answers()
    # every officer message was processed (by the bot that took it or, after a kill, by
    # the next one), except those the bot answered "busy, send it again"
    claimed = await run.db.claimed()
    unprocessed = [(o.index, s.update_id, s.what) for o in run.officers for s in o.log
                   if s.key not in claimed
                   and not any(m.text in (texts.BUSY, SYSTEM_ERROR) for m in s.reply)]
    assert not unprocessed, f"{where} messages never processed: {unprocessed}"
    run.check_acknowledged(history, "at the end")
    for o in run.officers:
        if o.submitter:
            continue
        assert all(s.taken is not None for s in o.log if s.answer), f"{where} unsettled\n{o}"
        # a valid answer whose reply came was never refused (after a restart neither)
        assert all(s.taken for s in o.log if s.answer and any(m.question for m in s.reply)), (
            f"{where} refused\n{o}")
        taken = [s.answer for s in o.log if s.answer is not None and s.taken]
        stored = history.get(o.assignment_id, [])
        # each answer the conversation moved past is in the history exactly once
        assert Counter(q for q, _ in stored) == Counter(a.question for a in taken), (
            f"{where} history {stored}\n{o}")
        for a in taken:
            assert holds(answers[o.assignment_id].get(a.question), a), (
                f"{where} {a} vs {answers[o.assignment_id]}\n{o}")

    # submissions are whole: one per submitter, DOCX present, status agrees
    statuses = await run.db.statuses()
    submissions = await run.db.submissions()
    submitters = {o.assignment_id: o for o in run.officers if o.submitter}
    assert sorted(s.assignment_id for s in submissions) == sorted(submitters), (
        where, [(s.assignment_id, s.version) for s in submissions])
    assert {a for a, status in statuses.items() if status == "submitted"} == set(submitters)
    for s in submissions:
        officer = submitters[s.assignment_id]
        assert s.version == 1 and s.filename.endswith(".docx")
        assert officer.submitted is not None and officer.submitted.document == s.docx
        document = Document(io.BytesIO(s.docx))
        assert any(f"Sở thử nghiệm {officer.index:03d}".upper() in p.text.upper()
                   for p in document.paragraphs), where

    # and no bot process logged an error on the way
    errors = {bot.log_path.name: bot.log() for bot in run.bots if "Traceback" in bot.log()}
    assert not errors, "\n\n".join(f"{name}:\n{log[log.index('Traceback'):][:3000]}"
                                   for name, log in errors.items())
