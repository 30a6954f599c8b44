"""Officer-perceived reply time on Telegram with many officers, this code beside older code.

N officers (default 300), each bound on Telegram for their own agency's annual report,
type seed 003's answers to the first T questions (default 6), waiting a think time
(uniform, default 2-20 s, seeded) before every message. Some also ask for the review
(every 4th officer, after their second answer; then "tiếp tục") and some edit an answer
from the review (every 7th officer: "xem lại", "sửa 2", the answer, "tiếp tục").

The bot runs in a child process — the real python-telegram-bot application with the
project's rate limiter (30 messages/s overall, one a second per chat: Telegram's
pacing included), the engine and SQLite — against the fake Telegram Bot API
(``tests/fakes/telegram_api.py``) served here, over loopback HTTP. Each run starts a
bot from a code tree (``--code`` trees, default: this one and ``/tmp/officers-old``), so
the figures of two trees come from one run of this script, the same officers, the
same instrument.

The figure is what an officer notices: from the moment an update is put in the fake
(the officer pressed send) to the first message the fake accepts in that chat after
it; ``p50_s``/``p99_s`` over every message typed. ``missing`` counts messages with
no reply within 60 s.

Each tree's bot runs with that tree's own ``.venv/bin/python`` when it has one (else
this interpreter) and ``PYTHONPATH`` set to the tree. ``/tmp/officers-old`` (the code
before issue 17, commit 2ac8ab2) is made with ``git worktree add`` when missing. The
load average is recorded before and after each run (the machine may be shared).

Prints one JSON object. Usage (repository root, project virtualenv):
    .venv/bin/python bench/officers.py [--officers 300] [--turns 6] [--think 2,20]
                                       [--code .,/tmp/officers-old] [--relaxed]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent.parent
OLD_TREE = Path("/tmp/officers-old")
OLD_COMMIT = "2ac8ab2"  # the code before issue 17
FIRST_CHAT = 800_000
REPLY_TIMEOUT = 60.0


# ------------------------------------------------------------------ the bot (child)


async def serve(root: Path, url: str, token: str, officers: int, turns: int,
                database: str, durable: bool) -> None:
    """Set up agencies, bind the officers, rehearse the script, run the bot until stdin
    closes. Imports come from ``root`` (the code tree measured)."""
    sys.path.insert(0, str(root))
    import datetime as dt

    from bot.channels.telegram import TelegramBot, TelegramRateLimiter
    from dialogs.engine import Engine
    from dialogs.loader import load_templates
    from dialogs.messages import Inbound
    from renderers.report import render_report
    from storage import admin
    from storage.db import create_engine, upgrade_async
    from storage.uow import uow_factory
    from tests.support.seed003 import reply_for

    measured = Path(sys.modules["bot"].__file__ or "").resolve()
    assert measured.is_relative_to(root), (measured, root)  # that tree's code, not this one's

    now = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)

    class Clock:
        def now(self) -> dt.datetime:
            return now

    if database == "sqlite":
        folder = tempfile.mkdtemp(prefix="bench-officers-")
        db_url = f"sqlite+aiosqlite:///{folder}/bench.sqlite3"
    else:
        db_url = database
    await upgrade_async(db_url)
    db = create_engine(db_url, durable=durable)
    factory = uow_factory(db)
    template = load_templates()["annual_it"]
    async with factory() as uow:
        agencies = [await admin.add_agency(
            uow, name=f"Cơ quan {i}", abbreviation=f"CQ{i}", governing_body="UBND TỈNH ĐỒNG NAI",
            place="Đồng Nai", signer_name="Nguyễn Văn A") for i in range(officers + 1)]
        await admin.open_round(
            uow, template_id=template.id, template_version=template.version,
            period_label="năm 2026", period_start=dt.date(2025, 12, 15),
            period_end=dt.date(2026, 12, 14), deadline=dt.date(2026, 12, 18),
            agency_ids=[a.id for a in agencies], province="Đồng Nai", collector="Sở KH&CN",
            now=now)
        codes = [await admin.create_invite(uow, a.id, now=now) for a in agencies]
        await uow.commit()
    engine = Engine(templates={template.id: template}, uow_factory=factory, clock=Clock(),
                    render=render_report)
    # what an officer types at each step (every officer walks seed 003's path)
    script: list[str] = []
    text = codes[-1]
    for n in range(turns + 1):
        await engine.handle(Inbound("web", "rehearsal", text=text, message_id=f"r-{n}"))
        async with factory() as uow:
            if hasattr(uow, "conversations"):  # a unit of work with repositories (#20)
                conv = await uow.conversations.get("web", "rehearsal")
                answers = await uow.answers.get(conv.assignment_id)
            else:  # the older trees' unit of work (methods named get_<thing>)
                old = uow
                conv = await old.get_conversation("web", "rehearsal")
                answers = await old.get_answers(conv.assignment_id)
        text = reply_for(conv.step, answers)
        script.append(text)
    for i in range(officers):  # bound days before the round, as in reality
        await engine.handle(Inbound("telegram", str(FIRST_CHAT + i), text=codes[i],
                                    message_id=f"bind-{i}", display_name=f"Cán bộ {i}"))
    bot = TelegramBot(token=token, handle=engine.handle, uow_factory=factory, clock=Clock(),
                      api_url=url, rate_limiter=TelegramRateLimiter(), poll_timeout=10)
    await bot.start()
    print(json.dumps({"ready": True, "script": script[:turns]}), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until closed
    await bot.stop()
    await db.dispose()


# ------------------------------------------------------------ the officers (parent)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def plan_for(i: int, script: list[str]) -> list[str]:
    """What officer ``i`` types, in order."""
    said = list(script)
    if i % 7 == 3 and len(said) > 3:  # an edit from the review
        said[3:3] = ["xem lại", "sửa 2", script[1], "tiếp tục"]
    elif i % 4 == 1 and len(said) > 2:  # a look at the review
        said[2:2] = ["xem lại", "tiếp tục"]
    return said


async def officers_run(fake: Any, officers: int, script: list[str],
                       think: tuple[float, float]) -> dict[str, Any]:
    rng = random.Random(17)
    pauses = {i: [rng.uniform(*think) for _ in range(len(script) + 4)] for i in range(officers)}
    latencies: list[float] = []
    by_kind: dict[str, list[float]] = {"answer": [], "review": []}
    missing = 0

    async def officer(i: int) -> None:
        nonlocal missing
        chat = FIRST_CHAT + i
        for n, text in enumerate(plan_for(i, script)):
            await asyncio.sleep(pauses[i][n])
            before = len(fake.of(chat))
            sent_at = time.monotonic()
            fake.send_text(chat, text)
            deadline = sent_at + REPLY_TIMEOUT
            while len(fake.of(chat)) <= before and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            replies = fake.of(chat)[before:]
            if not replies:
                missing += 1
                continue
            latency = replies[0].at - sent_at
            latencies.append(latency)
            by_kind["review" if text == "xem lại" else "answer"].append(latency)
            # the next message only once this one's replies are all out (as a person reads)
            while time.monotonic() < deadline:
                count = len(fake.of(chat))
                await asyncio.sleep(1.2)  # Telegram paces a chat at about one a second
                if len(fake.of(chat)) == count:
                    break

    started = time.monotonic()
    await asyncio.gather(*(officer(i) for i in range(officers)))
    wall = time.monotonic() - started
    sent = fake.sent()
    return {
        "messages_typed": len(latencies) + missing,
        "missing": missing,
        "p50_s": round(percentile(latencies, 50), 3),
        "p90_s": round(percentile(latencies, 90), 3),
        "p99_s": round(percentile(latencies, 99), 3),
        "max_s": round(max(latencies), 3),
        "review_p50_s": round(percentile(by_kind["review"], 50), 3) if by_kind["review"] else None,
        "bot_messages": len(sent),
        "review_messages_per_review": None,
        "wall_s": round(wall, 1),
    }


async def measure(root: Path, officers: int, turns: int, think: tuple[float, float],
                  database: str, durable: bool) -> dict[str, Any]:
    sys.path.insert(0, str(HERE))
    from tests.fakes.telegram_api import FakeTelegramAPI

    class Fake(FakeTelegramAPI):
        """The fake, with each chat's messages at hand (officers look often)."""

        def __init__(self) -> None:
            super().__init__(max_poll=10.0)
            self.by_chat: dict[int, list[Any]] = {}

        def _send(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
            answer = super()._send(*args, **kwargs)
            message = self._sent[-1]
            self.by_chat.setdefault(message.chat_id, []).append(message)
            return answer

        def of(self, chat: int) -> list[Any]:
            return self.by_chat.get(chat, [])

    with Fake() as fake:
        own = root / ".venv" / "bin" / "python"
        python = str(own) if own.exists() else sys.executable
        child = subprocess.Popen(
            [python, __file__, "--serve", "--root", str(root), "--url", fake.url,
             "--token", fake.token, "--officers", str(officers), "--turns", str(turns),
             "--database", database, *([] if durable else ["--relaxed"])],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=root,
            env={**os.environ, "PYTHONPATH": str(root)})
        try:
            assert child.stdout is not None and child.stdin is not None
            line = await asyncio.get_running_loop().run_in_executor(None, child.stdout.readline)
            ready = json.loads(line)
            load_before = os.getloadavg()
            result = await officers_run(fake, officers, ready["script"], think)
            result["load_average_before"] = [round(x, 2) for x in load_before]
            result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
            result["python"] = python
            reviews = [m for m in fake.sent() if m.text and m.text.startswith("XEM LẠI")]
            result["code"] = str(root)
            result["commit"] = subprocess.run(
                ["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True,
                text=True, check=False).stdout.strip()
            del result["review_messages_per_review"]
            result["review_headings_sent"] = len(reviews)
            child.stdin.close()
            child.wait(timeout=60)
        finally:
            if child.poll() is None:
                child.kill()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--officers", type=int, default=300)
    parser.add_argument("--turns", type=int, default=6)
    parser.add_argument("--think", default="2,20")
    parser.add_argument("--code", default=f".,{OLD_TREE}")
    parser.add_argument("--database", default="sqlite",
                        help="sqlite (a temporary file) or an empty PostgreSQL database URL")
    parser.add_argument("--relaxed", action="store_true",
                        help="commits without waiting for the disk (BAOCAO_DURABLE_COMMIT=false)")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--root", default=".", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--token", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(Path(args.root).resolve(), args.url, args.token, args.officers,
                          args.turns, args.database, not args.relaxed))
        return
    low, high = (float(x) for x in args.think.split(","))
    runs = {}
    for tree in args.code.split(","):
        root = (HERE / tree).resolve() if not Path(tree).is_absolute() else Path(tree)
        if root == OLD_TREE and not root.exists():
            subprocess.run(["git", "-C", str(HERE), "worktree", "add", "--detach", str(root),
                            OLD_COMMIT], check=True, capture_output=True)
        name = "this" if root == HERE else root.name
        runs[name] = asyncio.run(measure(root, args.officers, args.turns, (low, high),
                                         args.database, not args.relaxed))
    print(json.dumps({
        "bench": "officers", "officers": args.officers, "turns": args.turns,
        "think_s": [low, high], "database": args.database.split("@")[-1],
        "durable_commit": not args.relaxed, "python": platform.python_version(),
        "cpus": os.cpu_count(), "runs": runs,
    }, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
