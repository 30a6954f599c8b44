"""Turn latency of the conversation engine under many concurrent officers.

N officers (default 500) each bind with an invite and answer the annual report's
first T steps (default 20) with seed 003's figures, all at once, through the
real engine and storage (in-process channel). Every turn is a full transaction:
de-duplication claim, conversation load, validation, answer + history + audit
write, conversation save, commit.

For comparison the same questionnaire runs through python-telegram-bot's
ConversationHandler in memory without persistence (its callbacks validate with
the same parser and keep answers in ``user_data``).

Prints one JSON object. Usage:
    .venv/bin/python bench/turns.py [--officers 500] [--turns 20] [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

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
PG_ADMIN = os.environ.get("BAOCAO_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


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


async def engine_run(url: str, officers: int, turns: int) -> dict[str, float]:
    await upgrade_async(url)
    db = create_engine(url, pool_size=20, max_overflow=20) if url.startswith("postgresql") \
        else create_engine(url)
    factory = uow_factory(db)
    template = load_templates()["annual_it"]
    async with factory() as uow:  # one agency per officer: each fills its own report
        agencies = [
            await admin.add_agency(
                uow, name=f"Cơ quan {i}", abbreviation=f"CQ{i}",
                governing_body="UBND TỈNH ĐỒNG NAI", place="Đồng Nai", signer_name="Nguyễn Văn A")
            for i in range(officers)
        ]
        await admin.open_round(
            uow, template_id=template.id, template_version=template.version,
            period_label="năm 2026", period_start=dt.date(2025, 12, 15),
            period_end=dt.date(2026, 12, 14), deadline=dt.date(2026, 12, 18),
            agency_ids=[a.id for a in agencies], province="Đồng Nai", collector="Sở KH&CN",
            now=NOW)
        codes = [await admin.create_invite(uow, a.id, now=NOW) for a in agencies]
        await uow.commit()
    engine = Engine(templates={template.id: template}, uow_factory=factory, clock=Clock(),
                    render=render_report)
    latencies: list[float] = []

    async def next_reply(user: str) -> str:
        """Seed 003's answer to the step this officer is at (read outside the timing)."""
        async with factory() as uow:
            conv = await uow.get_conversation("web", user)
            answers = await uow.get_answers(conv.assignment_id)
        return reply_for(conv.step, answers)

    async def officer(i: int) -> None:
        user = f"officer-{i}"
        text = codes[i]
        for n in range(turns + 1):
            started = time.perf_counter()
            await engine.handle(Inbound("web", user, text=text, message_id=f"{user}-{n}"))
            latencies.append(time.perf_counter() - started)
            text = await next_reply(user)

    started = time.perf_counter()
    await asyncio.gather(*(officer(i) for i in range(officers)))
    wall = time.perf_counter() - started
    await db.dispose()
    return summary(latencies, wall)


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


def pg_database() -> tuple[str, str]:
    import psycopg

    name = f"baocao_bench_{secrets.token_hex(4)}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN.rsplit("/", 1)[0]
    return name, f"{base}/{name}".replace("postgresql://", "postgresql+asyncpg://", 1)


def drop_pg(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--officers", type=int, default=500)
    parser.add_argument("--turns", type=int, default=20)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    result: dict[str, Any] = {
        "bench": "turns", "officers": args.officers, "turns_per_officer": args.turns + 1,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
                   f"Python {platform.python_version()}",
        "date": dt.date.today().isoformat(),
    }
    backends = args.backends.split(",")
    if "sqlite" in backends:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite+aiosqlite:///{tmp}/bench.sqlite3"
            result["engine_sqlite"] = asyncio.run(engine_run(url, args.officers, args.turns))
    if "postgresql" in backends:
        name, url = pg_database()
        try:
            result["engine_postgresql"] = asyncio.run(engine_run(url, args.officers, args.turns))
        finally:
            drop_pg(name)
    result["ptb_conversationhandler_memory"] = asyncio.run(ptb_run(args.officers, args.turns))
    ptb = result["ptb_conversationhandler_memory"]["p50_ms"] or 1e-9
    for key in ("engine_sqlite", "engine_postgresql"):
        if key in result:
            result[f"{key}_p50_ratio_to_ptb_memory"] = round(result[key]["p50_ms"] / ptb, 1)
    result["targets"] = {"p50_ms": 3, "p99_ms": 15}
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
