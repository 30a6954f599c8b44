"""The roll-up's two files rendered side by side (the XLSX in a worker process) are the
same files as rendered one after the other; a worker that hangs, dies, fails or cannot
start costs neither the workbook nor a process left behind; and threads holding locks
in this process (as the web process's do) do not stop it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import logging
import os
import re
import threading
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest

import renderers.rollup as rollup_module
from renderers import rollup_files
from renderers.rollup import Rollup, build_rollup, render_rollup_docx
from renderers.rollup_files import render_rollup_files
from renderers.xlsx import render_rollup_xlsx
from tests.unit.renderers import xlsx_workers
from tests.unit.renderers.test_rollup import ENTRIES, INFO, TEMPLATE

_MODIFIED = re.compile(rb"<dcterms:modified[^>]*>[^<]*</dcterms:modified>")
pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(),
                                reason="finds left-over processes in /proc")
BOUND = 120.0  # seconds any call here may take on a loaded 2-CPU box before it counts as hung


@pytest.fixture(scope="module")
def rollup() -> Rollup:
    """Stamped "as of" a fixed time, so its files' properties do not depend on the clock."""
    return build_rollup(TEMPLATE, ENTRIES,
                        dataclasses.replace(INFO, as_of=dt.datetime(2026, 12, 20, tzinfo=dt.UTC)))


def _parts(package: bytes, *, media: bool = True) -> list[tuple[str, bytes]]:
    """The package's parts in order, each uncompressed, but for the times of writing: the
    zip's entries are dated to the second they were written, and openpyxl stamps the
    workbook's "modified" property at saving (whatever ``renderers.xlsx`` set). Without
    ``media``, not the DOCX's chart pictures."""
    with zipfile.ZipFile(io.BytesIO(package)) as z:
        return [(n, _MODIFIED.sub(b"", z.read(n)) if n == "docProps/core.xml" else z.read(n))
                for n in z.namelist() if media or not n.startswith("word/media/")]


def _workers() -> set[int]:
    """Processes descending from this one but multiprocessing's helpers (its fork server
    and resource tracker: direct children started as ``python -c "from multiprocessing.…"``;
    the workers the fork server forks show the same command line, one level down)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # gone meanwhile
            continue
        parents[int(stat.parent.name)] = int(text.rpartition(")")[2].split()[1])
    me, found, frontier = os.getpid(), set(), {os.getpid()}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
        found |= frontier
    helpers = set()
    for pid in found:
        try:
            if parents[pid] == me and b"from multiprocessing." in Path(
                    f"/proc/{pid}/cmdline").read_bytes():
                helpers.add(pid)
        except OSError:  # gone meanwhile
            helpers.add(pid)
    return found - helpers


def _bounded(call: Callable[[], Any]) -> Any:
    """``call()`` on a thread, failing the test if it does not return within BOUND."""
    out: dict[str, Any] = {}

    def run() -> None:
        try:
            out["value"] = call()
        except BaseException as exc:
            out["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(BOUND)
    assert not thread.is_alive(), f"still running after {BOUND:g} s"
    if "error" in out:
        raise out["error"]
    return out["value"]


def _not_here(*_: object) -> None:
    raise AssertionError("the appendix's agencies were written outside the worker")


def test_the_worker_renders_the_same_workbook(
    rollup: Rollup, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    expected = render_rollup_xlsx(rollup)
    expected_docx = render_rollup_docx(rollup)
    # fails if rendered here: the workbook, and the appendix's agencies, can only come
    # from the worker
    monkeypatch.setattr(rollup_files, "render_rollup_xlsx", xlsx_workers.only_in_worker)
    monkeypatch.setattr(rollup_module, "_write_agencies", _not_here)
    before = _workers()
    docx, xlsx = _bounded(lambda: render_rollup_files(rollup, parallel_from=1))
    assert _parts(xlsx) == _parts(expected)
    assert _parts(docx, media=False) == _parts(expected_docx, media=False)
    assert len(openpyxl.load_workbook(io.BytesIO(xlsx)).worksheets) > 1
    assert not caplog.records
    assert _workers() - before == set()


@pytest.mark.parametrize(("render", "timeout", "reason"), [
    (xlsx_workers.hanging, 1.0, "did not finish within 1 s"),
    (xlsx_workers.killed, BOUND, "was killed by signal 9"),
    (xlsx_workers.failing, BOUND, "exited with code 1"),
])
def test_a_worker_that_hangs_dies_or_fails_is_made_up_for_here(
    rollup: Rollup, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
    render: Callable[[Rollup], bytes], timeout: float, reason: str,
) -> None:
    expected = render_rollup_xlsx(rollup)
    monkeypatch.setattr(rollup_files, "render_rollup_xlsx", render)
    before = _workers()
    _, xlsx = _bounded(lambda: render_rollup_files(rollup, parallel_from=1, timeout=timeout))
    assert _parts(xlsx) == _parts(expected)
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING] == [
        f"XLSX worker {reason}; rendering the workbook in this process"]
    assert _workers() - before == set()


def test_a_worker_that_cannot_start_is_made_up_for_here(
    rollup: Rollup, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    expected = render_rollup_xlsx(rollup)
    monkeypatch.setattr(rollup_files, "render_rollup_xlsx", lambda r: expected)  # no pickle
    _, xlsx = render_rollup_files(rollup, parallel_from=1)
    assert xlsx == expected
    assert "XLSX worker could not start" in caplog.text


def test_no_worker_is_left_when_the_docx_fails(
    rollup: Rollup, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing_docx(r: Rollup, **_: object) -> bytes:
        raise RuntimeError("the DOCX fails")

    monkeypatch.setattr(rollup_files, "render_rollup_xlsx", xlsx_workers.hanging)
    monkeypatch.setattr(rollup_files, "render_rollup_docx", failing_docx)
    before = _workers()
    started = time.monotonic()
    with pytest.raises(RuntimeError, match="the DOCX fails"):
        _bounded(lambda: render_rollup_files(rollup, parallel_from=1))  # 600 s timeout
    assert time.monotonic() - started < BOUND
    assert _workers() - before == set()


def test_locks_held_by_other_threads_when_the_worker_starts_do_not_stop_it(
    rollup: Rollup, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """What a fork of this process hangs on: while the worker starts, other threads hold
    ``logging``'s module lock (``os.fork`` waits for it), a handler's lock and a lock the
    workbook's rendering needs (a forked child would keep it locked forever). They let
    go once this process turns to the DOCX."""
    expected = render_rollup_xlsx(rollup)
    handler = logging.StreamHandler(io.StringIO())
    logging.getLogger().addHandler(handler)
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with logging._lock, xlsx_workers.LOCK:  # type: ignore[attr-defined]
            handler.acquire()
            try:
                holding.set()
                release.wait(BOUND * 2)
            finally:
                handler.release()

    def docx_once_released(r: Rollup, **_: object) -> bytes:
        release.set()
        holder.join(BOUND)
        return render_rollup_docx(r)

    monkeypatch.setattr(rollup_files, "render_rollup_docx", docx_once_released)
    monkeypatch.setattr(rollup_files, "render_rollup_xlsx", xlsx_workers.locking_in_worker)
    holder = threading.Thread(target=hold, daemon=True)
    holder.start()
    try:
        assert holding.wait(BOUND)
        _, xlsx = _bounded(lambda: render_rollup_files(rollup, parallel_from=1))
    finally:
        release.set()
        holder.join(BOUND)
        logging.getLogger().removeHandler(handler)
    assert _parts(xlsx) == _parts(expected)
    assert not caplog.records


def test_without_xlsx_or_for_a_small_rollup_no_worker_starts(
    rollup: Rollup, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rollup_files, "_start", lambda *a: pytest.fail("a worker started"))
    docx, xlsx = render_rollup_files(rollup, with_xlsx=False, parallel_from=1)
    assert xlsx == b"" and _parts(docx, media=False) == _parts(render_rollup_docx(rollup),
                                                               media=False)
    _, xlsx = render_rollup_files(rollup, parallel_from=len(rollup.submitted) + 1)
    assert _parts(xlsx) == _parts(render_rollup_xlsx(rollup))
