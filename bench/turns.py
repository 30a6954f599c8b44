"""Turn latency of the conversation engine under many concurrent officers.

N officers (default 500), each with their own agency's report, bind with an
invite and answer the annual report's first T steps (default 10) with seed
003's figures through the real engine and storage (in-process channel). Every
turn is a full transaction: de-duplication claim, turn load, validation, answer
+ history write, conversation save, commit.

The figures (``p50_ms``, ``p99_ms``) are over the questionnaire turns, the
same turns the PTB comparison times; each officer's first turn, binding with
the invite code (once per officer, in reality days before a round), is timed
apart (``binds``) and with them (``all_turns_with_binds``). Binding still runs
inside the timed window, so its load weighs on the questionnaire turns.

Officers are people: each waits a think time (uniform, default 2-6 s, seeded)
before every message, so 500 officers offer ~125 turns/s — far above a real
province (a few hundred officers over days) and a real chat, where reading a
question and typing an answer takes longer. A second, closed-loop run (no think
time: every officer sends the next message as soon as the reply comes) measures
the most turns per second the process can take; its latency is queueing.

Each backend runs twice: ``durable`` (the default: every commit waits for the
disk) and ``relaxed`` (``BAOCAO_DURABLE_COMMIT=false``: no fsync per commit).

For comparison the same questionnaire runs through python-telegram-bot's
ConversationHandler in memory without persistence (its callbacks validate with
the same parser and keep answers in ``user_data``).

Prints one JSON object. Usage:
    .venv/bin/python bench/turns.py [--officers 500] [--turns 10] [--think 2,6]
                                    [--backends sqlite,postgresql] [--modes durable,relaxed]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import random
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.cli import run as run_loop  # the event loop `baocao` runs on (uvloop)
from dialogs.engine import Engine
from dialogs.loader import load_templates
from dialogs.messages import Inbound
from dialogs.values import parse_answer
from renderers.report import render_report
from storage import admin
from storage.db import create_engine, upgrade_async
from storage.uow import uow_factory
from tests.support.seed003 import SCALARS, reply_for

NOW = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)
PG_ADMIN = os.environ.get(
    "BAOCAO_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test"
).replace("postgresql+asyncpg://", "postgresql://", 1)


class Clock:
    def now(self) -> dt.datetime:
        return NOW


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def summary(latencies: list[float], wall: float) -> dict[str, float]:
    ms = [x * 1000 for x in latencies]
    return {
        "turns": len(ms),
        "p50_ms": round(percentile(ms, 50), 3),
        "p99_ms": round(percentile(ms, 99), 3),
        "mean_ms": round(statistics.fmean(ms), 3),
        "turns_per_s": round(len(ms) / wall, 1),
    }


async def setup(factory: Any, template: Any, officers: int) -> list[str]:
    """One agency, assignment and invite per officer (plus one for the rehearsal)."""
    async with factory() as uow:
        agencies = [
            await admin.add_agency(
                uow, name=f"Cơ quan {i}", abbreviation=f"CQ{i}",
                governing_body="UBND TỈNH ĐỒNG NAI", place="Đồng Nai", signer_name="Nguyễn Văn A")
            for i in range(officers + 1)
        ]
        await admin.open_round(
            uow, template_id=template.id, template_version=template.version,
            period_label="năm 2026", period_start=dt.date(2025, 12, 15),
            period_end=dt.date(2026, 12, 14), deadline=dt.date(2026, 12, 18),
            agency_ids=[a.id for a in agencies], province="Đồng Nai", collector="Sở KH&CN",
            now=NOW)
        codes = [await admin.create_invite(uow, a.id, now=NOW) for a in agencies]
        await uow.commit()
    return codes


async def rehearse(engine: Engine, factory: Any, code: str, turns: int) -> list[str]:
    """What an officer types at each of the first ``turns`` steps: every officer gives
    seed 003's answers, so every officer walks the same path (found once, untimed)."""
    script, text = [], code
    for n in range(turns):
        script.append(text)
        await engine.handle(Inbound("web", "rehearsal", text=text, message_id=f"r-{n}"))
        async with factory() as uow:
            conv = await uow.conversations.get("web", "rehearsal")
            answers = await uow.answers.get(conv.assignment_id)
        text = reply_for(conv.step, answers)
    return script


async def engine_run(url: str, officers: int, turns: int, think: tuple[float, float],
                     durable: bool) -> dict[str, Any]:
    await upgrade_async(url)
    db = create_engine(url, durable=durable)  # the product's pool and gate
    factory = uow_factory(db)
    template = load_templates()["annual_it"]
    codes = await setup(factory, template, 2 * officers)
    engine = Engine(templates={template.id: template}, uow_factory=factory, clock=Clock(),
                    render=render_report)
    script = await rehearse(engine, factory, codes[-1], turns + 1)

    async def run(first: int, pause: tuple[float, float]) -> dict[str, Any]:
        latencies: list[float] = []
        binds: list[float] = []  # each officer's first turn: the invite code
        rng = random.Random(7)

        async def officer(i: int) -> None:
            user = f"officer-{i}"
            for n, text in enumerate(script):
                if pause[1]:
                    await asyncio.sleep(rng.uniform(*pause))
                started = time.perf_counter()
                replies = await engine.handle(Inbound(
                    "web", user, text=codes[i] if n == 0 else text, message_id=f"{user}-{n}",
                    display_name=f"Cán bộ {i}"))  # as Telegram and Zalo give
                (binds if n == 0 else latencies).append(time.perf_counter() - started)
                if not replies or "Câu" not in replies[-1].text:
                    raise RuntimeError(f"unexpected reply: {replies}")

        started, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(officer(i) for i in range(first, first + officers)))
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        return {**summary(latencies, wall), "all_turns_with_binds": summary(
            latencies + binds, wall), "binds": summary(binds, wall),
            # this process's CPU (engine, storage, driver; not the PostgreSQL server)
            "cpu_ms_per_turn_with_binds": round(cpu * 1000 / (len(latencies) + len(binds)), 3)}

    paced = await run(0, think)
    closed = await run(officers, (0.0, 0.0))  # other officers, no pauses
    await db.dispose()
    return {"paced": paced, "closed_loop": closed}


async def ptb_run(officers: int, turns: int) -> dict[str, float]:
    """The same questionnaire through a PTB ConversationHandler kept in memory."""
    from telegram import Update
    from telegram.ext import Application, ConversationHandler, MessageHandler, filters

    template = load_templates()["annual_it"]
    questions = [q for q in template.iter_questions() if q.id in SCALARS][:turns]

    def make_callback(index: int):
        async def callback(update: Update, context: Any) -> int:
            """Validate the answer like the engine does; keep it in user_data."""
            question = questions[index]
            context.user_data[question.id] = parse_answer(question, update.message.text)
            nxt = index + 1
            return nxt if nxt < len(questions) else ConversationHandler.END
        return callback

    handler = ConversationHandler(
        entry_points=[MessageHandler(filters.TEXT, make_callback(0))],
        states={i: [MessageHandler(filters.TEXT, make_callback(i))]
                for i in range(1, len(questions))},
        fallbacks=[],
    )
    application = Application.builder().token("1:bench").updater(None).build()
    bot = application.bot
    latencies: list[float] = []
    update_id = 0

    async def officer(i: int) -> None:
        nonlocal update_id
        for question in questions:
            update_id += 1
            update = Update.de_json({
                "update_id": update_id,
                "message": {"message_id": update_id, "date": 0, "text": SCALARS[question.id],
                            "chat": {"id": 1000 + i, "type": "private"},
                            "from": {"id": 1000 + i, "is_bot": False, "first_name": "A"}},
            }, bot)
            started = time.perf_counter()
            check = handler.check_update(update)
            context = application.context_types.context.from_update(update, application)
            await handler.handle_update(update, application, check, context)
            latencies.append(time.perf_counter() - started)
            await asyncio.sleep(0)

    started = time.perf_counter()
    await asyncio.gather(*(officer(i) for i in range(officers)))
    wall = time.perf_counter() - started
    return summary(latencies, wall)


def _pg_admin(sql: str) -> None:
    import asyncpg

    async def run() -> None:
        connection = await asyncpg.connect(PG_ADMIN)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    asyncio.run(run())


def pg_database() -> tuple[str, str]:
    name = f"baocao_bench_{secrets.token_hex(4)}"
    _pg_admin(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN.rsplit("/", 1)[0]
    return name, f"{base}/{name}".replace("postgresql://", "postgresql+asyncpg://", 1)


def drop_pg(name: str) -> None:
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--officers", type=int, default=500)
    parser.add_argument("--turns", type=int, default=10)
    parser.add_argument("--think", default="2,6", help="think time range in seconds, lo,hi")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--modes", default="durable,relaxed")
    args = parser.parse_args()
    lo, hi = (float(x) for x in args.think.split(","))
    result: dict[str, Any] = {
        "bench": "turns", "officers": args.officers, "turns_per_officer": args.turns + 1,
        "think_s": [lo, hi],
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
                   f"Python {platform.python_version()}",
        "date": dt.date.today().isoformat(),
    }
    ptb = run_loop(ptb_run(args.officers, args.turns))
    result["ptb_conversationhandler_memory"] = ptb
    for backend in args.backends.split(","):
        for mode in args.modes.split(","):
            key = f"engine_{backend}_{mode}"
            if backend == "sqlite":
                with tempfile.TemporaryDirectory() as tmp:
                    url = f"sqlite+aiosqlite:///{tmp}/bench.sqlite3"
                    figures = run_loop(engine_run(
                        url, args.officers, args.turns, (lo, hi), mode == "durable"))
            else:
                name, url = pg_database()
                try:
                    figures = run_loop(engine_run(
                        url, args.officers, args.turns, (lo, hi), mode == "durable"))
                finally:
                    drop_pg(name)
            figures["p50_ratio_to_ptb_memory"] = round(
                figures["paced"]["p50_ms"] / (ptb["p50_ms"] or 1e-9), 1)
            result[key] = figures
    result["targets"] = {"p50_ms": 3, "p99_ms": 15}
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
