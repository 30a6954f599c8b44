"""The roll-up's DOCX and XLSX rendered side by side: the workbook in a worker process
while this process writes the document, so a national roll-up takes the longer of
the two instead of their sum, and each process holds only its own file's memory.
The worker first writes the document's appendix (each agency's short answers, a fifth
of the document's work at national scale), which the document takes as it gets
there, so the two processes finish at about the same time.

The worker is never a ``fork`` of this process. The web process runs threads
(uvicorn, the scheduler, ``asyncio.to_thread`` workers, logging handlers): a forked
child inherits every lock one of them held at that moment, locked for good, and
``os.fork`` itself waits in the parent for ``logging``'s module lock. The worker is
forked instead by ``multiprocessing``'s fork server, a single-threaded interpreter
started once (executed, not forked), or spawned where there is no fork server. It
imports :mod:`renderers.rollup_files` (the roll-up and the two renderers) and, as
``multiprocessing`` does in every such child, the main script (its body guarded by
``__name__``): under ``baocao`` that is ``bot.cli`` and SQLAlchemy, ~1 s, no web or
channel library (the commands import theirs lazily). It reads the
:class:`~renderers.rollup.Rollup` this process pickled to a temporary folder, less
what only the document needs (plain dataclasses; 21 MB and ~0.3 s to pickle at 4,080
agencies: through a file, this process need not wait while the worker starts and
reads it from a pipe) and writes
the workbook next to it.

Whatever happens to the worker, the workbook is not lost and nothing waits forever:
if it cannot start, fails, is killed, or has not finished ``timeout`` seconds after
it started (:data:`WORKER_TIMEOUT`; it is then killed), a warning says why and this
process renders the workbook itself (and the appendix, if the worker had not
written it). The worker is killed if still running and
reaped before returning, also when the DOCX fails. The files are the same however
they are rendered.

A small roll-up (a worker's start would not pay) is rendered here, one file after the
other."""

from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from multiprocessing.connection import Connection
from multiprocessing.context import BaseContext
from multiprocessing.process import BaseProcess
from pathlib import Path

from renderers.rollup import Rollup, RollupTable, appendix_agencies, render_rollup_docx
from renderers.xlsx import render_rollup_xlsx

__all__ = ["PARALLEL_FROM", "WORKER_NAME", "WORKER_TIMEOUT", "render_rollup_files"]

logger = logging.getLogger(__name__)

#: Submitted agencies from which the XLSX goes to a worker process.
PARALLEL_FROM = 300
#: Seconds from the worker's start after which it is killed and the XLSX rendered here
#: (the XLSX of 4,080 agencies takes ~40 s of CPU; a loaded box gives a process 10 %).
WORKER_TIMEOUT = 600.0
#: The worker's process name (``multiprocessing.current_process().name`` in it).
WORKER_NAME = "rollup-xlsx"
_REAP_WAIT = 30.0  # seconds to wait for a killed worker to be reaped


def _context() -> BaseContext:
    """A start method that does not fork this (threaded) process."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def _work(render: Callable[[Rollup], bytes], folder: str, told: Connection) -> None:
    """The worker's whole job: the appendix's agencies first (the document needs them
    before its end: it is told when they are written), then the workbook."""
    with open(os.path.join(folder, "rollup.pickle"), "rb") as f:
        rollup = pickle.load(f)
    Path(folder, "appendix.xml").write_bytes(appendix_agencies(rollup))
    told.send(True)
    told.close()
    Path(folder, "rollup.xlsx").write_bytes(render(rollup))


def _appendix_from(worker_end: Connection, folder: str,
                   deadline: float) -> Callable[[], bytes | None]:
    """What the document asks for the appendix's agencies: the worker's, once it says
    they are written (or None, to write them here, if it is gone or late)."""

    def made() -> bytes | None:
        try:
            if worker_end.poll(max(0.0, deadline - time.monotonic())) and worker_end.recv():
                return Path(folder, "appendix.xml").read_bytes()
        except (EOFError, OSError):  # the worker ended without a word
            pass
        return None

    return made


def _for_workbook(rollup: Rollup) -> Rollup:
    """What the workbook is made of: the roll-up without the document's narrative
    (hundreds of thousands of lines at national scale) and without the agencies' raw
    answers (the workbook reads ``values``, the answers with computed ones)."""
    lean = {id(e): replace(e, answers={}) if e.answers else e for e in rollup.entries}
    return replace(rollup, blocks=[b for b in rollup.blocks if isinstance(b, RollupTable)],
                   entries=[lean[id(e)] for e in rollup.entries],
                   submitted=[lean.get(id(e), e) for e in rollup.submitted])


def _start(rollup: Rollup, folder: str) -> tuple[BaseProcess, Connection]:
    """The worker, started on the roll-up pickled into ``folder`` (through a file, so
    this process does not wait while the worker starts and reads it from a pipe), and
    the end of the pipe it tells on."""
    with open(os.path.join(folder, "rollup.pickle"), "wb") as f:
        pickle.dump(_for_workbook(rollup), f, protocol=pickle.HIGHEST_PROTOCOL)
    context = _context()
    ours, theirs = context.Pipe(duplex=False)
    worker = context.Process(target=_work, name=WORKER_NAME, daemon=True,
                             args=(render_rollup_xlsx, folder, theirs))
    try:
        worker.start()
    finally:
        theirs.close()  # (only the worker's copy stays open: its end is seen)
    return worker, ours


def _outcome(worker: BaseProcess, started: float, timeout: float) -> str | None:
    """None when the worker wrote the workbook, else why not (waits up to ``timeout``
    seconds from ``started``)."""
    worker.join(max(0.0, started + timeout - time.monotonic()))
    code = worker.exitcode
    if code is None:
        return f"did not finish within {timeout:g} s"
    if code < 0:
        return f"was killed by signal {-code}"
    return None if code == 0 else f"exited with code {code}"


def _reap(worker: BaseProcess) -> None:
    """Kill the worker if it still runs and collect it (no zombie left)."""
    if worker.exitcode is None:
        worker.kill()
    worker.join(_REAP_WAIT)
    if worker.exitcode is not None:
        worker.close()


def render_rollup_files(
    rollup: Rollup, *, with_xlsx: bool = True, parallel_from: int = PARALLEL_FROM,
    timeout: float = WORKER_TIMEOUT,
) -> tuple[bytes, bytes]:
    """(DOCX, XLSX or b"") of one roll-up: the same bytes however they are rendered."""
    if not with_xlsx:
        return render_rollup_docx(rollup), b""
    if len(rollup.submitted) < parallel_from:
        return render_rollup_docx(rollup), render_rollup_xlsx(rollup)
    with tempfile.TemporaryDirectory(prefix="rollup-") as folder:
        xlsx, why = None, None
        worker: BaseProcess | None = None
        told: Connection | None = None
        try:
            worker, told = _start(rollup, folder)
        except Exception as exc:  # whatever it is, render here
            why = f"could not start ({exc!r})"
        started = time.monotonic()
        try:
            docx = render_rollup_docx(rollup, appendix=None if told is None else
                                      _appendix_from(told, folder, started + timeout))
            if worker is not None:
                why = _outcome(worker, started, timeout)
                if why is None:
                    try:
                        xlsx = Path(folder, "rollup.xlsx").read_bytes()
                    except OSError as exc:
                        why = f"left no readable workbook ({exc!r})"
        finally:
            if told is not None:
                told.close()
            if worker is not None:
                _reap(worker)
    if xlsx is None:
        logger.warning("XLSX worker %s; rendering the workbook in this process", why)
        xlsx = render_rollup_xlsx(rollup)
    return docx, xlsx
