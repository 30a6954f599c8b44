"""The roll-up's two files rendered in memory for N agencies (no database): the
annual template's fake answers varied per agency, as ``bench/render.py`` does.

Run: ``.venv/bin/python bench/rollup_render.py 500 docx`` (or ``xlsx``; ``files`` for
``render_rollup_files``, both files, the XLSX in a worker process from 300 agencies;
``pickle`` for pickling the roll-up to and from bytes as that worker receives it; add
``prof`` for a cProfile listing). Prints the wall time, the size and the process's
peak RSS.
"""

from __future__ import annotations

import cProfile
import datetime as dt
import os
import pickle
import pstats
import resource
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import render as bench_render
from fake_answers import fake_answers

from dialogs.domain import Round
from dialogs.loader import load_templates
from renderers.rollup import (
    LATE,
    ON_TIME,
    AgencyEntry,
    RollupInfo,
    build_rollup,
    render_rollup_docx,
)
from renderers.rollup_files import render_rollup_files
from renderers.xlsx import render_rollup_xlsx


def _files(rollup: object) -> bytes:
    return b"".join(render_rollup_files(rollup))  # type: ignore[arg-type]


def _pickled(rollup: object) -> bytes:
    data = pickle.dumps(rollup, protocol=pickle.HIGHEST_PROTOCOL)
    pickle.loads(data)
    return data


def main() -> None:
    n, what = int(sys.argv[1]), sys.argv[2]
    template = load_templates()["annual_it"]
    answers = fake_answers(template)
    round_ = Round(id=1, template_id=template.id, template_version=template.version,
                   period_label="năm 2026", period_start=dt.date(2025, 12, 15),
                   period_end=dt.date(2026, 12, 14), deadline=dt.date(2026, 12, 18))
    entries = [AgencyEntry(bench_render._agency(i), ON_TIME if i % 4 else LATE,
                           bench_render._varied(template, answers, i),
                           dt.datetime(2026, 12, 17, 3, tzinfo=dt.UTC)
                           + dt.timedelta(minutes=7 * i), 1)
               for i in range(1, n + 1)]
    info = RollupInfo(round=round_, collector=bench_render._agency(999, collector=True),
                      as_of=dt.datetime(2026, 12, 20, tzinfo=dt.UTC))
    rollup = build_rollup(template, entries, info)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    render = {"docx": render_rollup_docx, "xlsx": render_rollup_xlsx, "files": _files,
              "pickle": _pickled}[what]
    start, cpu = time.perf_counter(), time.process_time()
    if sys.argv[3:] == ["prof"]:
        profile = cProfile.Profile()
        out = profile.runcall(render, rollup)
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)
    else:
        out = render(rollup)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(f"{what} agencies={n} seconds={seconds:.2f} cpu={cpu:.2f} bytes={len(out)} "
          f"peak_rss_mb={peak} (before rendering {before})")


if __name__ == "__main__":
    main()
