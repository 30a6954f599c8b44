"""Render timings: one agency's annual report and the DIC's roll-up of 100 agencies.

Prints JSON. Targets: single report ≤ 150 ms, roll-up of 100 agencies ≤ 3 s.
Run: ``.venv/bin/python bench/render.py``. Figures are the best of a few runs
(the first run, which imports matplotlib and builds the blank document, is
reported apart as ``*_cold_s``).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from typing import Any

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "unit", "renderers"))

from fake_answers import fake_answers

from dialogs.domain import Agency, DocumentInfo, Round
from dialogs.loader import load_templates
from renderers.report import render_report
from renderers.rollup import LATE, ON_TIME, AgencyEntry, RollupInfo, render_rollup

AGENCIES = 100
UTC = dt.UTC


def _agency(i: int, collector: bool = False) -> Agency:
    return Agency(id=i, name=f"Sở thử nghiệm số {i}", abbreviation=f"S{i:03d}",
                  governing_body="UBND TỈNH ĐỒNG NAI", place="Đồng Nai",
                  signer_name="Nguyễn Văn A", is_collector=collector)


def _best(fn: Any, runs: int) -> tuple[float, float]:
    start = time.perf_counter()
    fn()
    cold = time.perf_counter() - start
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return cold, min(times)


def main() -> None:
    template = load_templates()["annual_it"]
    answers = fake_answers(template)
    round_ = Round(id=1, template_id=template.id, template_version=template.version,
                   period_label="năm 2026", period_start=dt.date(2025, 12, 15),
                   period_end=dt.date(2026, 12, 14), deadline=dt.date(2026, 12, 18))
    info = DocumentInfo(agency=_agency(1), round=round_)
    single_cold, single = _best(lambda: render_report(template, answers, info), 10)

    entries = [
        AgencyEntry(_agency(i), ON_TIME if i % 4 else LATE, answers,
                    dt.datetime(2026, 12, 17, 3, tzinfo=UTC), 1)
        for i in range(1, AGENCIES + 1)
    ]
    rollup_info = RollupInfo(round=round_, collector=_agency(999, collector=True))
    size = len(render_rollup(template, entries, rollup_info))
    rollup_cold, rollup = _best(lambda: render_rollup(template, entries, rollup_info), 3)
    print(json.dumps({
        "single_report_ms": round(single * 1000, 1),
        "single_report_cold_ms": round(single_cold * 1000, 1),
        "single_report_target_ms": 150,
        "rollup_agencies": AGENCIES,
        "rollup_s": round(rollup, 2),
        "rollup_cold_s": round(rollup_cold, 2),
        "rollup_target_s": 3.0,
        "rollup_docx_bytes": size,
        "cpus": os.cpu_count(),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }, indent=2))


if __name__ == "__main__":
    main()
