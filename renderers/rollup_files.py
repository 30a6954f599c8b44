"""The roll-up's DOCX and XLSX rendered side by side: the workbook in a forked child
process while this process writes the document. They share nothing but the
aggregated :class:`~renderers.rollup.Rollup` (the child has it by ``fork``, nothing is
pickled), so a national roll-up takes the longer of the two instead of their sum, and
each process holds only its own file's memory.

Where ``fork`` is missing, or for a small roll-up (a fork's own cost would not pay),
the two are rendered one after the other; so is the XLSX when the child fails (its
error is then raised here, where the caller can see it)."""

from __future__ import annotations

import os
import tempfile

from renderers.rollup import Rollup, render_rollup_docx
from renderers.xlsx import render_rollup_xlsx

__all__ = ["PARALLEL_FROM", "render_rollup_files"]

#: Submitted agencies from which the XLSX goes to a child process.
PARALLEL_FROM = 300


def _xlsx_in_child(rollup: Rollup, out: int) -> int | None:
    """Fork a child that writes the workbook to the file descriptor ``out`` and exits;
    its pid (None where ``fork`` is unavailable)."""
    if not hasattr(os, "fork"):
        return None
    pid = os.fork()
    if pid:
        return pid
    status = 1
    try:  # the child: render, write, leave without running the parent's clean-ups
        data = render_rollup_xlsx(rollup)
        view = memoryview(data)
        while view:
            view = view[os.write(out, view):]
        status = 0
    finally:
        os._exit(status)


def render_rollup_files(
    rollup: Rollup, *, with_xlsx: bool = True, parallel_from: int = PARALLEL_FROM
) -> tuple[bytes, bytes]:
    """(DOCX, XLSX or b"") of one roll-up: the same bytes however they are rendered."""
    if not with_xlsx:
        return render_rollup_docx(rollup), b""
    if len(rollup.submitted) < parallel_from:
        return render_rollup_docx(rollup), render_rollup_xlsx(rollup)
    with tempfile.TemporaryFile() as spool:
        pid = _xlsx_in_child(rollup, spool.fileno())
        if pid is None:
            return render_rollup_docx(rollup), render_rollup_xlsx(rollup)
        try:
            docx = render_rollup_docx(rollup)
        finally:
            _, status = os.waitpid(pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            return docx, render_rollup_xlsx(rollup)
        spool.seek(0)
        return docx, spool.read()
