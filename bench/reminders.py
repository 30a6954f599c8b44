"""Bench: fan out one reminder to 3,000 Telegram officers and print JSON figures.

    .venv/bin/python bench/reminders.py [--officers 3000] [--dispatchers 4]
        [--database-url postgresql://postgres@127.0.0.1/bench] [--throttle 5] [--mixed]

``--mixed`` runs the mixed Telegram / Zalo OA / ZNS fan-out of bench/reminders_mixed.py.

What runs is the production path: ``send_due_reminders`` records each reminder
under its unique key and queues the notice in the outbox (one transaction per
batch), then ``Dispatcher`` workers deliver through the real ``TelegramChannel``
(python-telegram-bot with its flood limiter, which the workers share) to the fake
Telegram Bot API of the tests over loopback HTTP. Each worker drains the outbox
(``Dispatcher.drain``): it sends a batch side by side and leases the next one
meanwhile. The fake answers ``429 retry_after=1`` to the first ``--throttle``
sends. Default database: a fresh SQLite file in a temporary folder (a PostgreSQL
URL must name an empty, existing database).

Figures: ``plan_and_queue_s`` (recording + queueing every reminder),
``messages_per_s`` (delivered messages over the delivery phase), ``http_429``,
``duplicates`` (chats that got the reminder more than once), ``busiest_second``
(the most messages the fake accepted within any sliding second; the limiter keeps
it at most 30, and ``busiest_second_all_requests`` counts refused sends too).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import platform
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.channels.telegram import TelegramBot  # noqa: E402
from bot.outbox import Dispatcher  # noqa: E402
from bot.reminders import (  # noqa: E402
    Calendar,
    ReminderDeps,
    ReminderPolicy,
    plan_round,
    save_policy,
    send_due_reminders,
)
from dialogs.loader import load_templates  # noqa: E402
from dialogs.messages import Inbound, Outbound  # noqa: E402
from storage.db import create_engine, upgrade_async  # noqa: E402
from storage.models import AgencyRow, IdentityRow, OfficerRow  # noqa: E402
from storage.uow import uow_factory  # noqa: E402
from tests.fakes.telegram_api import FakeTelegramAPI, busiest_second  # noqa: E402

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DUE = dt.datetime(2026, 12, 11, 8, 30, tzinfo=TZ).astimezone(dt.UTC)  # 7 days before 18/12
OFFICERS_PER_AGENCY = 3


class ShiftedClock:
    """Real time moved to the bench's fake morning (the outbox compares with it)."""

    def __init__(self, start: dt.datetime) -> None:
        self.offset = start - dt.datetime.now(dt.UTC)

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self.offset


async def _no_reply(_: Inbound) -> list[Outbound]:
    return []


async def seed(make_uow, officers: int, now: dt.datetime) -> int:
    template = load_templates()["annual_it"]
    agencies = max(1, officers // OFFICERS_PER_AGENCY)
    async with make_uow() as uow:
        session = uow.session
        rows = [AgencyRow(name=f"Cơ quan {i:04d}", abbreviation=f"CQ{i:04d}",
                          governing_body="UBND TỈNH ĐỒNG NAI", place="Đồng Nai",
                          signer_name="Nguyễn Văn A", signer_position="GIÁM ĐỐC",
                          signer_authority=None, drafting_unit="VP", level="province",
                          is_collector=False) for i in range(agencies)]
        session.add_all(rows)
        await session.flush()
        chat = 1_000_000
        people = []
        for n in range(officers):
            people.append(OfficerRow(agency_id=rows[n % agencies].id, full_name=f"Cán bộ {n}",
                                     role="officer", created_at=now))
        session.add_all(people)
        await session.flush()
        session.add_all(IdentityRow(channel="telegram", user_id=str(chat + n), officer_id=p.id,
                                    display_name=None, last_seen_at=now)
                        for n, p in enumerate(people))
        await session.flush()
        from storage import admin

        round_ = await admin.open_round(
            uow, template_id=template.id, template_version=template.version,
            period_label="năm 2026", period_start=dt.date(2025, 12, 15),
            period_end=dt.date(2026, 12, 14), deadline=dt.date(2026, 12, 18),
            agency_ids=[r.id for r in rows], province="Đồng Nai",
            collector="Sở Khoa học và Công nghệ", now=now,
        )
        await save_policy(uow, round_.id, ReminderPolicy(), now=now)
        await plan_round(uow, round_.id, calendar=Calendar(), now=now)
        await uow.commit()
    return agencies


async def bench(args: argparse.Namespace) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{tmp}/bench.sqlite3"
        await upgrade_async(url)
        engine = create_engine(url)
        make_uow = uow_factory(engine)
        agencies = await seed(make_uow, args.officers, DUE - dt.timedelta(days=10))
        with FakeTelegramAPI() as fake:
            clock = ShiftedClock(DUE + dt.timedelta(minutes=1))
            bot = TelegramBot(token=fake.token, handle=_no_reply, uow_factory=make_uow,
                              clock=clock, api_url=fake.url)
            await bot.application.initialize()
            try:
                deps = ReminderDeps(make_uow, clock, {"telegram": bot.channel},
                                    load_templates(), Calendar(), batch=100)
                started = time.perf_counter()
                result = await send_due_reminders(deps, clock.now())
                planned = time.perf_counter() - started
                again = await send_due_reminders(deps, clock.now())  # a second run: nothing
                fake.rate_limit("sendMessage", times=args.throttle, retry_after=1)
                dispatchers = [Dispatcher({"telegram": bot.channel}, make_uow, clock, batch=50)
                               for _ in range(args.dispatchers)]
                started = time.perf_counter()

                delivered = sum(await asyncio.gather(*(d.drain() for d in dispatchers)))
                elapsed = time.perf_counter() - started
            finally:
                await bot.application.shutdown()
            sent = fake.sent()
            per_chat = Counter(m.chat_id for m in sent)
            figures = {
                "officers": args.officers,
                "agencies": agencies,
                "reminders_sent": result.sent,
                "second_run_sent": again.sent,
                "plan_and_queue_s": round(planned, 2),
                "delivered": delivered,
                "telegram_messages": len(sent),
                "delivery_s": round(elapsed, 2),
                "messages_per_s": round(len(sent) / elapsed, 1) if elapsed else None,
                "busiest_second": busiest_second(sent),
                "busiest_second_all_requests": busiest_second(fake.calls_to("sendMessage")),
                "http_429": sum(1 for c in fake.calls if c.status == 429),
                "duplicates": sum(n - 1 for n in per_chat.values() if n > 1),
                "chats_missing": args.officers - len(per_chat),
                "database": url.split(":", 1)[0],
                "dispatchers": args.dispatchers,
                "machine": f"{platform.machine()} {platform.processor() or ''}".strip()
                + f", Python {platform.python_version()}",
                "date": dt.date.today().isoformat(),
            }
        await engine.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--officers", type=int, default=3000)
    parser.add_argument("--dispatchers", type=int, default=4)
    parser.add_argument("--throttle", type=int, default=5, help="sends answered 429 first")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--mixed", action="store_true",
                        help="Telegram, Zalo OA (inside/outside the window) and ZNS: "
                             "see bench/reminders_mixed.py")
    args = parser.parse_args()
    if args.mixed:
        from bench.reminders_mixed import bench_mixed

        figures = asyncio.run(bench_mixed(args, DUE, ShiftedClock(DUE + dt.timedelta(minutes=1))))
    else:
        figures = asyncio.run(bench(args))
    print(json.dumps(figures, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
