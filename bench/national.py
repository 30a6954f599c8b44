"""Bench: a national round on PostgreSQL — 34 provinces × 120 agencies (4,080 agencies,
12,000 officers) — and print JSON figures.

    .venv/bin/python bench/national.py [--admin-url postgresql://postgres@127.0.0.1:5432/test]
        [--provinces 34] [--agencies 120] [--officers 12000] [--keep]

A fresh database ``baocao_bench_<hex>`` is created on the server of ``--admin-url``,
migrated, and dropped at the end (``--keep`` leaves it). Seeding (agencies, officers and
their Telegram / Zalo OA / web chat identities) is bulk SQL and not a figure. Then, each
through the production code:

``open_round_s``
    ``bot.round_service.open_round``, what ``baocao round open --agencies all`` and the
    dashboard's form run: the round, 4,080 assignments, the reminder policy, planned
    reminders, and the "new round" notice queued in the outbox for every officer
    (one transaction, committed). Target ≤ 60 s.
``reminders_day_s``
    ``send_due_reminders`` on the morning the "7 days before" reminders are due:
    planning every open round, recording each agency's reminder and queuing it for its
    officers (delivery is the outbox's, measured by bench/reminders.py).
``round_status_json_s``
    ``baocao round status 1 --json`` in a subprocess (wall time, Python start included).
``round_page_ms``
    ``GET /admin/rounds/1`` on the dashboard, logged in as the DIC: first page, a search,
    a state filter, the last page (median of 5 each; ``_cpu``: this process's CPU time,
    what the load of a shared machine does not inflate). Target ≤ 300 ms.

``--only round-page`` seeds, opens the round, runs ``ANALYZE`` and measures the round
page only (no day's reminders, round status or roll-up). With ``--code DIR`` (repeatable;
``.`` is this tree) the page is measured by a child process running DIR's code on the
same database, the trees alternated ``--repeat`` times (old code beside new in one run;
the database is migrated by this tree, so DIR must cope with its schema)::

    .venv/bin/python bench/national.py --only round-page --code . --code /tmp/old --repeat 3
``rollup_s`` / ``rollup_peak_rss_mb``
    ``baocao rollup 1 -o … --xlsx …`` in a subprocess once every agency has submitted
    (one real submission through the engine, copied to the 4,079 others): wall time and
    the child's peak resident memory. Targets ≤ 30 s and ≤ 1 GB.
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
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# a ``--code`` child runs another tree's code (BENCH_CODE) with this file
sys.path.insert(0, os.environ.get("BENCH_CODE") or str(ROOT))

import asyncpg  # noqa: E402
import httpx  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bot.bootstrap import build_app  # noqa: E402
from bot.clock import FixedClock  # noqa: E402
from bot.reminders import Calendar, ReminderDeps, send_due_reminders  # noqa: E402
from bot.round_service import RoundRequest, open_round  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.webapp import create_web_app  # noqa: E402
from dialogs.messages import Inbound  # noqa: E402
from storage.db import upgrade_async  # noqa: E402
from storage.login_tokens import issue_login_token  # noqa: E402
from storage.models import AgencyRow, IdentityRow, OfficerRow  # noqa: E402
from tests.support.seed003 import answer_everything  # noqa: E402
from tests.support.zalo import step_reader  # noqa: E402

OPENED = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)  # Tuesday 09:00 in Hà Nội
DEADLINE = dt.date(2026, 12, 18)
SEVEN_DAYS_BEFORE = dt.datetime(2026, 12, 11, 2, 0, tzinfo=dt.UTC)  # Friday 09:00
CHANNELS = ("telegram", "zalo_oa", "web")
BAOCAO = Path(sys.executable).with_name("baocao")


class StubChannel:
    """A pushing channel that is never asked to deliver here (queuing is measured)."""

    window = None
    concurrency = 1

    def __init__(self, name: str) -> None:
        self.name = name

    async def deliver(self, user_id: str, messages: Any) -> None:  # pragma: no cover
        raise AssertionError("the bench does not deliver")


def progress(figures: dict[str, Any]) -> None:
    """The figures so far, on stderr (a long run can be followed and cut short)."""
    print(json.dumps(figures, ensure_ascii=False), file=sys.stderr, flush=True)


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def create_database(admin_url: str) -> str:
    name = f"baocao_bench_{secrets.token_hex(4)}"
    connection = await asyncpg.connect(_dsn(admin_url))
    try:
        await connection.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
    finally:
        await connection.close()
    return make_url(admin_url).set(drivername="postgresql+asyncpg", database=name) \
        .render_as_string(hide_password=False)


async def drop_database(admin_url: str, url: str) -> None:
    connection = await asyncpg.connect(_dsn(admin_url))
    try:
        await connection.execute(
            f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
    finally:
        await connection.close()


async def seed(boot: Any, provinces: int, per_province: int, officers: int) -> dict[str, Any]:
    """Agencies named like a ministry's list, officers spread over them and over the
    channels, a collector with one DIC officer; returns what the later steps need."""
    now = OPENED - dt.timedelta(days=30)
    async with boot.uow_factory() as uow:
        session = uow.session
        rows = []
        for p in range(provinces):
            for a in range(per_province):
                rows.append({
                    "name": f"Sở {a + 1:03d} tỉnh {p + 1:02d}",
                    "abbreviation": f"T{p + 1:02d}S{a + 1:03d}",
                    "governing_body": f"UBND TỈNH {p + 1:02d}", "place": f"Tỉnh {p + 1:02d}",
                    "signer_name": "Nguyễn Văn A", "signer_position": "GIÁM ĐỐC",
                    "signer_authority": None, "drafting_unit": "VP", "level": "province",
                    "is_collector": False})
        rows.append({"name": "Bộ Khoa học và Công nghệ", "abbreviation": "BKHCN",
                     "governing_body": "CHÍNH PHỦ", "place": "Hà Nội", "signer_name": "Trần B",
                     "signer_position": "BỘ TRƯỞNG", "signer_authority": None,
                     "drafting_unit": "VP", "level": "province", "is_collector": True})
        await session.execute(insert(AgencyRow), rows)
        ids = [r for (r,) in (await session.execute(
            text("SELECT id FROM agencies WHERE NOT is_collector ORDER BY id"))).all()]
        collector = (await session.execute(
            text("SELECT id FROM agencies WHERE is_collector"))).scalar_one()
        people = [{"agency_id": ids[n % len(ids)], "full_name": f"Cán bộ {n:05d}",
                   "role": "officer", "created_at": now} for n in range(officers)]
        people.append({"agency_id": collector, "full_name": "Cán bộ DIC", "role": "dic",
                       "created_at": now})
        await session.execute(insert(OfficerRow), people)
        officer_ids = [r for (r,) in (await session.execute(
            text("SELECT id FROM officers ORDER BY id"))).all()]
        identities = [{"channel": CHANNELS[n % 3], "user_id": f"{CHANNELS[n % 3]}-{n:06d}"
                       if CHANNELS[n % 3] != "web" else f"{n:032x}",
                       "officer_id": oid, "display_name": None, "last_seen_at": OPENED}
                      for n, oid in enumerate(officer_ids)]
        await session.execute(insert(IdentityRow), identities)
        await uow.commit()
    return {"agencies": len(ids), "dic_officer": officer_ids[-1],
            "first_identity": identities[0]}


def deps(boot: Any, clock: Any) -> ReminderDeps:
    return ReminderDeps(boot.uow_factory, clock, {c: StubChannel(c) for c in CHANNELS[:2]},
                        boot.templates, Calendar(), collector="Bộ Khoa học và Công nghệ")


async def open_national_round(boot: Any) -> dict[str, Any]:
    clock = FixedClock(OPENED)
    started = time.perf_counter()
    async with boot.uow_factory() as uow:
        opened = await open_round(
            uow, deps(boot, clock),
            RoundRequest(template_id="annual_it", period="năm 2026", deadline=DEADLINE),
            province="Việt Nam", collector="Bộ Khoa học và Công nghệ", now=OPENED)
        await uow.commit()
    elapsed = time.perf_counter() - started
    async with boot.uow_factory() as uow:
        queued = (await uow.session.execute(text("SELECT count(*) FROM outbox"))).scalar_one()
        planned = (await uow.session.execute(text("SELECT count(*) FROM reminders"))).scalar_one()
    return {"open_round_s": round(elapsed, 2), "round_id": opened.round.id,
            "notices_queued": queued, "reminders_planned": planned,
            "officers_told": opened.officers_told}


async def reminders_day(boot: Any) -> dict[str, Any]:
    clock = FixedClock(SEVEN_DAYS_BEFORE)
    started = time.perf_counter()
    result = await send_due_reminders(deps(boot, clock), SEVEN_DAYS_BEFORE)
    return {"reminders_day_s": round(time.perf_counter() - started, 2),
            "reminders_sent": result.sent, "reminders_skipped": result.skipped}


def _tree_rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and every process under it, in MB (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                parent = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry))
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo.extend(children.get(current, []))
        try:
            with open(f"/proc/{current}/statm") as f:
                total += int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            pass
    return total / 2**20


class _TreeRss:
    """Samples the child's whole process tree every 50 ms (a roll-up renders its two
    files in two processes at once: ``wait4``'s peak is the largest one, not the sum)."""

    def __init__(self, pid: int) -> None:
        import threading

        self.pid, self.peak, self._stop = pid, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, _tree_rss_mb(self.pid))

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak


LAST_TREE_PEAK_MB: list[float] = [0.0]


def timed_cli(*args: str, url: str, workdir: Path) -> tuple[float, float, str]:
    """Run ``baocao`` in a child process: wall seconds, its peak RSS in MB, stdout.
    The child runs this tree's code (``PYTHONPATH``), so that an old checkout's bench
    measures the old code; the peak of the whole process tree is left in
    ``LAST_TREE_PEAK_MB``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BAOCAO_", "TELEGRAM_"))}
    env |= {"BAOCAO_DATABASE_URL": url, "BAOCAO_DATA_DIR": str(workdir / "var"),
            "BAOCAO_SECRET_KEY": "bench-secret-key-0123456789abcdef", "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-c", "from bot.cli import main; main()", *args],
                                 env=env,
                                 cwd=workdir, stdout=out, stderr=err)
        tree = _TreeRss(child.pid)
        _, status, usage = os.wait4(child.pid, 0)  # this child's own peak RSS
        elapsed = time.perf_counter() - started
        LAST_TREE_PEAK_MB[0] = tree.stop()
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if child.returncode != 0:
            raise RuntimeError(f"baocao {' '.join(args)}: {err.read().decode()[-2000:]}")
        return elapsed, usage.ru_maxrss / 1024, out.read().decode()


async def round_page(boot: Any, dic_officer: int, round_id: int) -> dict[str, Any]:
    async with boot.uow_factory() as uow:
        token = await issue_login_token(uow, dic_officer, now=boot.clock.now(),
                                        ttl=dt.timedelta(hours=1))
        await uow.commit()
    transport = httpx.ASGITransport(app=create_web_app(boot))
    figures: dict[str, Any] = {}
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
        login = await http.post("/admin/login", data={"token": token})
        assert login.status_code == 303, login.text
        for label, params in (("first_page", {}), ("search", {"q": "tinh 17"}),
                              ("state_filter", {"state": "not_started"}),
                              ("last_page", {"page": "41"})):
            times, cpu = [], []
            for _ in range(5):
                started, cpu_started = time.perf_counter(), time.process_time()
                page = await http.get(f"/admin/rounds/{round_id}", params=params)
                times.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - cpu_started) * 1000)
                assert page.status_code == 200, page.text[:500]
            figures[label] = round(statistics.median(times), 1)
            figures[f"{label}_cpu"] = round(statistics.median(cpu), 1)
        figures["bytes_first_page"] = len((await http.get(f"/admin/rounds/{round_id}")).content)
    return {"round_page_ms": figures}


async def submit_everyone(boot: Any, first_identity: dict[str, Any], round_id: int) -> int:
    """One officer fills in and submits seed 003's report through the engine; the same
    submission is then copied to every other agency (SQL), so the roll-up has 4,080."""
    channel, user = first_identity["channel"], first_identity["user_id"]

    async def say(text_: str) -> Any:
        return await boot.engine.handle(Inbound(channel, user, text=text_))

    await say("tiếp tục")
    await answer_everything(say, step_reader(boot.uow_factory, channel, user))
    await say("nộp")
    await boot.engine.handle(Inbound(channel, user, callback="cmd:confirm"))
    async with boot.uow_factory() as uow:
        s = uow.session
        source = (await s.execute(text(
            "SELECT s.id, s.assignment_id FROM submissions s ORDER BY s.id LIMIT 1"))).one()
        await s.execute(text(
            "INSERT INTO submissions (assignment_id, version, answers, docx, filename, "
            "officer_id, submitted_at) SELECT a.id, 1, s.answers, ''::bytea, s.filename, NULL, "
            "s.submitted_at FROM assignments a, submissions s WHERE s.id = :sid "
            "AND a.round_id = :rid AND a.id <> :aid"),
            {"sid": source.id, "aid": source.assignment_id, "rid": round_id})
        await s.execute(text(
            "UPDATE assignments SET status = 'submitted', submitted_at = :at "
            "WHERE round_id = :rid"), {"at": SEVEN_DAYS_BEFORE, "rid": round_id})
        count = (await s.execute(text("SELECT count(*) FROM submissions"))).scalar_one()
        await uow.commit()
    return int(count)


def _settings(url: str, workdir: Path) -> Settings:
    return Settings(database_url=url, data_dir=workdir / "var",
                    secret_key="bench-secret-key-0123456789abcdef",
                    telegram_bot_token=None, zalo_oa_access_token=None, zalo_bot_token=None)


async def round_page_child(url: str, dic_officer: int, round_id: int) -> dict[str, Any]:
    """``--measure-round-page``: the round page measured with this process's code."""
    with tempfile.TemporaryDirectory() as tmp:
        boot = await build_app(_settings(url, Path(tmp)), clock=FixedClock(SEVEN_DAYS_BEFORE),
                               run_migrations=False)
        try:
            return await round_page(boot, dic_officer, round_id)
        finally:
            await boot.aclose()


def round_page_of(code: str, url: str, dic_officer: int, round_id: int) -> dict[str, Any]:
    """The round page measured by a child process running the tree ``code``."""
    tree = str(Path(code).resolve())
    env = {**os.environ, "BENCH_CODE": tree, "PYTHONPATH": tree}
    out = subprocess.run([sys.executable, __file__, "--measure-round-page",
                          f"{url} {dic_officer} {round_id}"], env=env, check=True,
                         capture_output=True, text=True).stdout
    figures = json.loads(out)
    figures["round_page_ms"]["load"] = os.getloadavg()[0]
    return figures


async def round_page_only(args: argparse.Namespace, boot: Any, url: str,
                          figures: dict[str, Any]) -> None:
    """``--only round-page``: seed, open the round, ``ANALYZE``, then the page."""
    started = time.perf_counter()
    seeded = await seed(boot, args.provinces, args.agencies, args.officers)
    figures["seed_s"] = round(time.perf_counter() - started, 1)
    figures["agencies"] = seeded["agencies"]
    figures |= await open_national_round(boot)
    async with boot.uow_factory() as uow:
        await uow.session.execute(text("ANALYZE"))
        await uow.commit()
    progress(figures)
    if not args.code:
        figures |= await round_page(boot, seeded["dic_officer"], figures["round_id"])
        return
    for _ in range(args.repeat):
        for code in args.code:
            measured = round_page_of(code, url, seeded["dic_officer"], figures["round_id"])
            figures.setdefault(f"round_page_ms {code}", []).append(measured["round_page_ms"])
            progress(figures)


async def main(args: argparse.Namespace) -> dict[str, Any]:
    url = await create_database(args.admin_url)
    figures: dict[str, Any] = {
        "bench": "national", "python": platform.python_version(), "cpus": os.cpu_count(),
        "provinces": args.provinces, "agencies_per_province": args.agencies,
        "officers": args.officers,
    }
    try:
        await upgrade_async(url)
        with tempfile.TemporaryDirectory() as tmp:
            workdir = Path(tmp)
            boot = await build_app(_settings(url, workdir), clock=FixedClock(SEVEN_DAYS_BEFORE),
                                   run_migrations=False)
            if args.only == "round-page":
                try:
                    await round_page_only(args, boot, url, figures)
                finally:
                    await boot.aclose()
                return figures
            try:
                started = time.perf_counter()
                seeded = await seed(boot, args.provinces, args.agencies, args.officers)
                figures["seed_s"] = round(time.perf_counter() - started, 1)
                figures["agencies"] = seeded["agencies"]
                progress(figures)
                figures |= await open_national_round(boot)
                progress(figures)
                figures |= await reminders_day(boot)
                progress(figures)
                round_id = figures["round_id"]
                elapsed, rss, out = timed_cli("round", "status", str(round_id), "--json",
                                              url=url, workdir=workdir)
                figures["round_status_json_s"] = round(elapsed, 2)
                figures["round_status_json_agencies"] = len(json.loads(out)["agencies"])
                figures["round_status_json_peak_rss_mb"] = round(rss)
                progress(figures)
                figures |= await round_page(boot, seeded["dic_officer"], round_id)
                progress(figures)
                figures["submissions"] = await submit_everyone(
                    boot, seeded["first_identity"], round_id)
            finally:
                await boot.aclose()
            elapsed, rss, _ = timed_cli(
                "rollup", str(round_id), "-o", str(workdir / "tong-hop.docx"),
                "--xlsx", str(workdir / "tong-hop.xlsx"), url=url, workdir=workdir)
            figures["rollup_s"] = round(elapsed, 1)
            figures["rollup_peak_rss_mb"] = round(rss)
            figures["rollup_peak_rss_tree_mb"] = round(LAST_TREE_PEAK_MB[0])
            figures["rollup_docx_kb"] = round((workdir / "tong-hop.docx").stat().st_size / 1024)
            figures["rollup_xlsx_kb"] = round((workdir / "tong-hop.xlsx").stat().st_size / 1024)
    finally:
        if not args.keep:
            await drop_database(args.admin_url, url)
        else:
            figures["database_url"] = url
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--admin-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--provinces", type=int, default=34)
    parser.add_argument("--agencies", type=int, default=120, help="agencies per province")
    parser.add_argument("--officers", type=int, default=12_000)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--only", choices=["round-page"],
                        help="seed, open the round and measure this part only")
    parser.add_argument("--code", action="append", default=[], metavar="DIR",
                        help="with --only round-page: measure DIR's code (repeatable)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="with --code: how many times each tree is measured")
    parser.add_argument("--measure-round-page", metavar="URL DIC ROUND", help=argparse.SUPPRESS)
    parsed = parser.parse_args()
    if parsed.measure_round_page:
        child_url, dic, round_ = parsed.measure_round_page.split()
        print(json.dumps(asyncio.run(round_page_child(child_url, int(dic), int(round_)))))
    else:
        print(json.dumps(asyncio.run(main(parsed)), ensure_ascii=False, indent=2))
