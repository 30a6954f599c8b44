"""XLSX render functions that misbehave in the roll-up's worker process only (in the
calling process they render the workbook): handed to the worker by reference, so
they live in a module the worker can import quickly."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading

from renderers.rollup import Rollup
from renderers.rollup_files import WORKER_NAME
from renderers.xlsx import render_rollup_xlsx


def _in_worker() -> bool:
    return multiprocessing.current_process().name == WORKER_NAME


#: Stands for any library's lock: held by a thread of the calling process while the
#: worker starts (a forked child would inherit it locked).
LOCK = threading.Lock()


def only_in_worker(rollup: Rollup) -> bytes:
    if not _in_worker():
        raise AssertionError("the workbook was rendered outside the worker")
    return render_rollup_xlsx(rollup)


def locking_in_worker(rollup: Rollup) -> bytes:
    """Renders in the worker only, under :data:`LOCK`."""
    with LOCK:
        return only_in_worker(rollup)


def hanging(rollup: Rollup) -> bytes:
    if _in_worker():
        threading.Event().wait()  # until killed
    return render_rollup_xlsx(rollup)


def killed(rollup: Rollup) -> bytes:
    if _in_worker():
        os.kill(os.getpid(), signal.SIGKILL)
    return render_rollup_xlsx(rollup)


def failing(rollup: Rollup) -> bytes:
    if _in_worker():
        raise RuntimeError("the worker fails")
    return render_rollup_xlsx(rollup)
