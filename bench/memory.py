"""Memory of a bot process serving many officers mid-questionnaire.

Creates N agencies with one bound officer each (default 10,000), then has the
same process take one turn for every officer (each at a different point of the
annual questionnaire), and reports the resident set size. The engine keeps no
per-officer state in memory, so RSS should not grow with N.

Prints one JSON object:  .venv/bin/python bench/memory.py [--officers 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gc
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dialogs.engine import Engine
from dialogs.loader import load_templates
from dialogs.messages import Inbound
from renderers.report import render_report
from storage import admin
from storage.db import create_engine, upgrade_async
from storage.uow import uow_factory
from tests.support.seed003 import reply_for

NOW = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)


class Clock:
    def now(self) -> dt.datetime:
        return NOW


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def run(officers: int, url: str) -> dict[str, object]:
    await upgrade_async(url)
    db = create_engine(url)
    factory = uow_factory(db)
    template = load_templates()["annual_it"]
    engine = Engine(templates={template.id: template}, uow_factory=factory, clock=Clock(),
                    render=render_report)
    started = time.perf_counter()
    codes: list[str] = []
    async with factory() as uow:
        agencies = [
            await admin.add_agency(uow, name=f"Cơ quan {i}", abbreviation=f"CQ{i}",
                                   governing_body="UBND TỈNH ĐỒNG NAI", place="Đồng Nai",
                                   signer_name="Nguyễn Văn A")
            for i in range(officers)
        ]
        await admin.open_round(
            uow, template_id=template.id, template_version=template.version,
            period_label="năm 2026", period_start=dt.date(2025, 12, 15),
            period_end=dt.date(2026, 12, 14), deadline=dt.date(2026, 12, 18),
            agency_ids=[a.id for a in agencies], province="Đồng Nai", collector="Sở KH&CN",
            now=NOW)
        for agency in agencies:
            codes.append(await admin.create_invite(uow, agency.id, now=NOW))
        await uow.commit()
    # bind everybody (a turn each), then one more answer each: all are mid-questionnaire
    baseline = rss_mb()
    for i, code in enumerate(codes):
        await engine.handle(Inbound("web", f"officer-{i}", text=code, message_id=f"b{i}"))
    for i in range(officers):
        user = f"officer-{i}"
        async with factory() as uow:
            conv = await uow.conversations.get("web", user)
            answers = await uow.answers.get(conv.assignment_id)
        await engine.handle(Inbound("web", user, text=reply_for(conv.step, answers),
                                    message_id=f"a{i}"))
    gc.collect()
    after = rss_mb()
    await db.dispose()
    return {
        "rss_mb_after_setup": round(baseline, 1),
        "rss_mb_after_all_officers_mid_questionnaire": round(after, 1),
        "growth_mb": round(after - baseline, 1),
        "seconds": round(time.perf_counter() - started, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--officers", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        result = asyncio.run(run(args.officers, f"sqlite+aiosqlite:///{tmp}/memory.sqlite3"))
    print(json.dumps({
        "bench": "memory", "officers": args.officers, "database": "sqlite",
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
                   f"Python {platform.python_version()}",
        "date": dt.date.today().isoformat(), "target_rss_mb": 150, **result,
    }, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
