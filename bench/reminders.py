"""Bench: fan out one reminder to 3,000 Telegram officers and print JSON figures.

    .venv/bin/python bench/reminders.py [--officers 3000] [--dispatchers 4]
        [--database-url postgresql://postgres@127.0.0.1/bench] [--throttle 5] [--mixed]

``--mixed``: the same reminder to officers split across Telegram, Zalo OA (inside and
outside the 48-hour window) and ZNS; see "Mixed run" below.

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

Mixed run (``--mixed``). Officers, by ``n % 20``: 0–7 Telegram; 8–12 Zalo OA inside the
free window; 13 Zalo OA inside the window but with its 8 free messages used (falls back
at delivery to ZNS, its phone); 14–17 Zalo OA outside the window with a phone (ZNS when
queued); 18–19 Zalo OA outside the window with a Telegram identity too (Telegram when
queued). The OA and ZNS channels deliver over httpx to the tests' fakes; the OA fake
enforces Zalo's window. Figures per platform: messages accepted by its fake, messages/s
over the delivery phase (first to last accepted send), duplicates; ``fallbacks`` counts
reminders that did not go on the officer's first channel (at queueing or at delivery).
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
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from sqlalchemy import select  # noqa: E402

from bot.channels import zalo_oa, zns  # noqa: E402
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
from dialogs.ports import OutboxItem  # noqa: E402
from storage import admin  # noqa: E402
from storage.db import create_engine, upgrade_async  # noqa: E402
from storage.models import (  # noqa: E402
    AgencyRow,
    IdentityRow,
    MessagingWindowRow,
    OfficerPhoneRow,
    OfficerRow,
    OutboxRow,
)
from storage.uow import uow_factory  # noqa: E402
from tests.fakes.loopback import serve  # noqa: E402
from tests.fakes.telegram_api import FakeTelegramAPI, busiest_second  # noqa: E402
from tests.fakes.zalo_oa_api import FakeZaloOA  # noqa: E402
from tests.fakes.zalo_zns_api import FakeZns  # noqa: E402

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DUE = dt.datetime(2026, 12, 11, 8, 30, tzinfo=TZ).astimezone(dt.UTC)  # 7 days before 18/12
OFFICERS_PER_AGENCY = 3
TELEGRAM_LIMIT = 30  # messages a second (Telegram's bulk limit)


class ShiftedClock:
    """Real time moved to the bench's fake morning (the outbox compares with it)."""

    def __init__(self, start: dt.datetime) -> None:
        self.offset = start - dt.datetime.now(dt.UTC)

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self.offset


def kind(n: int, mixed: bool) -> str:
    """Officer ``n``'s channels: everyone on Telegram, or (mixed) by ``n % 20``."""
    slot = n % 20 if mixed else 0
    if slot < 8:
        return "telegram"
    if slot < 13:
        return "oa_inside"
    if slot == 13:
        return "oa_saturated"
    if slot < 18:
        return "oa_outside_phone"
    return "oa_outside_telegram"


async def _no_reply(_: Inbound) -> list[Outbound]:
    return []


class Timed:
    """A channel that notes when each delivery succeeded (for messages/s)."""

    def __init__(self, channel: Any) -> None:
        self.inner = channel
        self.name = channel.name
        self.window = getattr(channel, "window", None)
        self.concurrency = getattr(channel, "concurrency", 1)
        self.done: list[float] = []

    async def deliver(self, user_id: str, messages: list[Outbound]) -> None:
        await self.inner.deliver(user_id, messages)
        self.done.append(time.perf_counter())

    async def deliver_item(self, item: OutboxItem) -> None:
        if hasattr(self.inner, "deliver_item"):
            await self.inner.deliver_item(item)
        else:
            await self.inner.deliver(item.user_id, item.messages)
        self.done.append(time.perf_counter())


async def seed(make_uow: Any, officers: int, now: dt.datetime, due: dt.datetime, *,
               mixed: bool) -> tuple[int, Counter[str]]:
    """Agencies of three officers each, their identities, one open round with its
    reminders planned. Returns the number of agencies and the officers by kind."""
    template = load_templates()["annual_it"]
    agencies = max(1, officers // OFFICERS_PER_AGENCY)
    kinds: Counter[str] = Counter()
    async with make_uow() as uow:
        session = uow.session
        rows = [AgencyRow(name=f"Cơ quan {i:04d}", abbreviation=f"CQ{i:04d}",
                          governing_body="UBND TỈNH ĐỒNG NAI", place="Đồng Nai",
                          signer_name="Nguyễn Văn A", signer_position="GIÁM ĐỐC",
                          signer_authority=None, drafting_unit="VP", level="province",
                          is_collector=False) for i in range(agencies)]
        session.add_all(rows)
        await session.flush()
        people = [OfficerRow(agency_id=rows[n % agencies].id, full_name=f"Cán bộ {n}",
                             role="officer", created_at=now) for n in range(officers)]
        session.add_all(people)
        await session.flush()
        for n, person in enumerate(people):
            k = kind(n, mixed)
            kinds[k] += 1
            if k == "telegram":
                session.add(IdentityRow(channel="telegram", user_id=str(1_000_000 + n),
                                        officer_id=person.id, display_name=None,
                                        last_seen_at=due if mixed else now))
                continue
            inside = k in ("oa_inside", "oa_saturated")
            last = due - (dt.timedelta(hours=1) if inside else dt.timedelta(days=3))
            session.add(IdentityRow(channel="zalo_oa", user_id=f"z{n}", officer_id=person.id,
                                    last_seen_at=last))
            session.add(MessagingWindowRow(channel="zalo_oa", user_id=f"z{n}",
                                           last_interaction_at=last,
                                           sent_since=8 if k == "oa_saturated" else 0,
                                           paid_sent=0, updated_at=last))
            if k in ("oa_saturated", "oa_outside_phone"):
                session.add(OfficerPhoneRow(officer_id=person.id, phone=f"849{n:08d}",
                                            source="csv", updated_at=now))
            if k == "oa_outside_telegram":
                session.add(IdentityRow(channel="telegram", user_id=str(1_000_000 + n),
                                        officer_id=person.id,
                                        last_seen_at=due - dt.timedelta(days=30)))
        await session.flush()
        round_ = await admin.open_round(
            uow, template_id=template.id, template_version=template.version,
            period_label="năm 2026", period_start=dt.date(2025, 12, 15),
            period_end=dt.date(2026, 12, 14), deadline=dt.date(2026, 12, 18),
            agency_ids=[r.id for r in rows], province="Đồng Nai",
            collector="Sở Khoa học và Công nghệ", now=now)
        await save_policy(uow, round_.id, ReminderPolicy(), now=now)
        await plan_round(uow, round_.id, calendar=Calendar(), now=now)
        await uow.commit()
    return agencies, kinds


def _rate(done: list[float]) -> float | None:
    if len(done) < 2:
        return None
    return round(len(done) / max(done[-1] - done[0], 1e-6), 1)


def _machine() -> dict[str, object]:
    return {
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip()
        + f", Python {platform.python_version()}",
        "date": dt.date.today().isoformat(),
    }


async def bench(args: argparse.Namespace) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{tmp}/bench.sqlite3"
        await upgrade_async(url)
        engine = create_engine(url)
        make_uow = uow_factory(engine)
        agencies, kinds = await seed(make_uow, args.officers, DUE - dt.timedelta(days=10), DUE,
                                     mixed=args.mixed)
        clock = ShiftedClock(DUE + dt.timedelta(minutes=1))
        run = _mixed if args.mixed else _telegram
        figures = await run(args, make_uow, clock, agencies, kinds)
        figures.update(database=url.split(":", 1)[0], dispatchers=args.dispatchers,
                       **_machine())
        await engine.dispose()
    return figures


async def _send(channels: dict[str, Any], make_uow: Any, clock: ShiftedClock,
                ) -> tuple[Any, Any, float]:
    """Record and queue every due reminder (timed), then run it again (sends nothing)."""
    deps = ReminderDeps(make_uow, clock, channels, load_templates(), Calendar(), batch=100)
    started = time.perf_counter()
    result = await send_due_reminders(deps, clock.now())
    planned = time.perf_counter() - started
    again = await send_due_reminders(deps, clock.now())
    return result, again, planned


async def _telegram(args: argparse.Namespace, make_uow: Any, clock: ShiftedClock,
                    agencies: int, kinds: Counter[str]) -> dict[str, object]:
    with FakeTelegramAPI() as fake:
        bot = TelegramBot(token=fake.token, handle=_no_reply, uow_factory=make_uow,
                          clock=clock, api_url=fake.url)
        await bot.application.initialize()
        try:
            channels = {"telegram": bot.channel}
            result, again, planned = await _send(channels, make_uow, clock)
            fake.rate_limit("sendMessage", times=args.throttle, retry_after=1)
            dispatchers = [Dispatcher(channels, make_uow, clock, batch=50)
                           for _ in range(args.dispatchers)]
            started = time.perf_counter()
            delivered = sum(await asyncio.gather(*(d.drain() for d in dispatchers)))
            elapsed = time.perf_counter() - started
        finally:
            await bot.application.shutdown()
        sent = fake.sent()
        per_chat = Counter(m.chat_id for m in sent)
        return {
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
        }


async def _mixed(args: argparse.Namespace, make_uow: Any, clock: ShiftedClock,
                 agencies: int, kinds: Counter[str]) -> dict[str, object]:
    oa_fake, zns_fake = FakeZaloOA(), FakeZns()
    oa_fake.now = clock.now
    for n in range(args.officers):  # what Zalo knows of each user's last message
        if kind(n, True).startswith("oa_"):
            inside = kind(n, True) in ("oa_inside", "oa_saturated")
            oa_fake.last_interaction[f"z{n}"] = DUE - (
                dt.timedelta(hours=1) if inside else dt.timedelta(days=3))
            oa_fake.sent_since[f"z{n}"] = 8 if kind(n, True) == "oa_saturated" else 0
    with FakeTelegramAPI() as tg, serve(oa_fake.app()) as oa_url, \
            serve(zns_fake.app()) as zns_url:
        bot = TelegramBot(token=tg.token, handle=_no_reply, uow_factory=make_uow,
                          clock=clock, api_url=tg.url)
        await bot.application.initialize()
        http = httpx.AsyncClient(timeout=20)
        try:
            config = zalo_oa.OAConfig(oa_fake.app_id, oa_fake.oa_secret_key,
                                      oa_fake.app_secret, oa_fake.access_token,
                                      oa_fake.refresh_token, oa_url, oa_url)
            tokens = zalo_oa.TokenStore(config, make_uow, clock, http)
            oa = zalo_oa.ZaloOAChannel(config, tokens, http, make_uow, clock, lambda r: "")
            zns_channel = zns.ZnsChannel(zns.ZnsConfig("301234", {"noi_dung": "text"},
                                                       zns_url), tokens, http)
            channels = {"telegram": Timed(bot.channel), "zalo_oa": Timed(oa),
                        "zns": Timed(zns_channel)}
            oa.peers = channels
            result, again, planned = await _send(channels, make_uow, clock)
            dispatchers = [Dispatcher(channels, make_uow, clock, batch=50)
                           for _ in range(args.dispatchers)]
            started = time.perf_counter()
            delivered = 0
            while True:  # fallbacks queued during delivery go out in the next pass
                done = sum(await asyncio.gather(*(d.drain() for d in dispatchers)))
                delivered += done
                if not done:
                    break
            elapsed = time.perf_counter() - started
        finally:
            await bot.application.shutdown()
            await http.aclose()
        async with make_uow() as uow:
            keys = [(r[0], r[1]) for r in (await uow.session.execute(
                select(OutboxRow.channel, OutboxRow.dedupe_key))).all()]
        tg_sent = tg.sent()
        per_chat = Counter(m.chat_id for m in tg_sent)
        oa_per_user = Counter(s.user_id for s in oa_fake.sent)
        zns_per_phone = Counter(s.phone for s in zns_fake.sent)
        at_delivery = sum(1 for _, key in keys if key and ":fb:" in key)
        at_queueing = (kinds["oa_outside_phone"] + kinds["oa_outside_telegram"])
        return {
            "mode": "mixed",
            "officers": args.officers,
            "officers_by_kind": dict(kinds),
            "reminders_sent": result.sent,
            "second_run_sent": again.sent,
            "plan_and_queue_s": round(planned, 2),
            "delivered_outbox_rows": delivered,
            "delivery_s": round(elapsed, 2),
            "telegram": {"messages": len(tg_sent),
                         "messages_per_s": _rate(channels["telegram"].done),
                         "limit_per_s": TELEGRAM_LIMIT,
                         "busiest_second": busiest_second(tg_sent),
                         "duplicates": sum(n - 1 for n in per_chat.values() if n > 1)},
            "zalo_oa": {"messages": len(oa_fake.sent),
                        "messages_per_s": _rate(channels["zalo_oa"].done),
                        "limit_per_s": None,  # -32 exists; no published figure
                        "refused_by_zalo": len(oa_fake.rejected),
                        "duplicates": sum(n - 1 for n in oa_per_user.values() if n > 1)},
            "zns": {"messages": len(zns_fake.sent),
                    "messages_per_s": _rate(channels["zns"].done),
                    "limit_per_s": None,  # quota per day; no published rate
                    "duplicates": sum(n - 1 for n in zns_per_phone.values() if n > 1),
                    "tracking_id_duplicates": zns_fake.duplicates},
            "fallbacks": {"at_queueing": at_queueing, "at_delivery": at_delivery},
            "officers_missing": args.officers - len(per_chat) - len(oa_per_user)
            - len(zns_per_phone),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--officers", type=int, default=3000)
    parser.add_argument("--dispatchers", type=int, default=4)
    parser.add_argument("--throttle", type=int, default=5, help="sends answered 429 first")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--mixed", action="store_true",
                        help="Telegram, Zalo OA (inside/outside the window) and ZNS")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(bench(args)), ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
