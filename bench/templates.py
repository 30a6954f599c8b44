"""What templates in the database cost: start-up, upload checks, publishing, and the
first use of a new version by a running process.

Prints JSON (seconds, minimum of N runs, SQLite in a temporary directory).
Run: ``.venv/bin/python bench/templates.py [--runs N]``.

* ``build_app_fresh``: migrate an empty database and store the five bundled templates;
  ``build_app_again``: the same database at the next start (nothing stored);
* ``validate_xlsform_annual``: ``validate_upload`` of the annual report exported to
  XLSForm (pyxform, translation, loader) — CPU work the dashboard runs off the loop;
* ``publish``: store a new version; ``first_pinned_read``: a running process reads
  that version the first time a turn needs it (one query and one parse);
* ``refresh_unchanged``: the stamp query a list of templates costs when nothing changed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from collections.abc import Awaitable, Callable
from typing import Any

from bot import template_service as ts
from bot.bootstrap import build_app
from bot.settings import Settings
from dialogs.loader import load_templates


async def _timed(work: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = await work()
    return time.perf_counter() - started, result


async def one_run() -> dict[str, float]:
    folder = tempfile.mkdtemp(prefix="bench-templates-")
    settings = Settings(database_url=f"sqlite+aiosqlite:///{folder}/b.sqlite3", data_dir=folder)
    out: dict[str, float] = {}
    out["build_app_fresh"], boot = await _timed(lambda: build_app(settings))
    await boot.aclose()
    out["build_app_again"], boot = await _timed(lambda: build_app(settings))
    try:
        annual = load_templates()["annual_it"]
        workbook = ts.export_template(annual, "xlsform")
        started = time.perf_counter()
        result = ts.validate_upload(workbook, "annual_it.xlsx")
        out["validate_xlsform_annual"] = time.perf_counter() - started
        assert result.template is not None
        out["publish"], published = await _timed(lambda: ts.publish(
            boot.uow_factory, result.template, published_by="bench", move_open_rounds=False,
            now=boot.clock.now()))
        out["first_pinned_read"], _ = await _timed(
            lambda: boot.templates.pinned("annual_it", published.version))
        await boot.templates.refresh(force=True)
        out["refresh_unchanged"], _ = await _timed(lambda: boot.templates.refresh(force=True))
    finally:
        await boot.aclose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    runs = [asyncio.run(one_run()) for _ in range(parser.parse_args().runs)]
    print(json.dumps({k: round(min(r[k] for r in runs), 4) for k in runs[0]}, indent=2))


if __name__ == "__main__":
    main()
