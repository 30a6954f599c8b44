"""The roll-up's two files rendered side by side (the XLSX in a forked child) are the
same files as rendered one after the other, and a child that fails does not lose the
workbook."""

from __future__ import annotations

import io
import os
import zipfile

import openpyxl
import pytest

from renderers import rollup_files
from renderers.rollup import build_rollup, render_rollup_docx
from renderers.rollup_files import render_rollup_files
from renderers.xlsx import render_rollup_xlsx
from tests.unit.renderers.test_rollup import ENTRIES, INFO, TEMPLATE

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")


def _parts(docx: bytes) -> dict[str, bytes]:
    """The package's parts but the file properties (stamped with the render time when
    the roll-up has no "as of" time, as here) and the charts' pixels (two renders in one
    process already differ there: the charts are drawn on two threads at once)."""
    with zipfile.ZipFile(io.BytesIO(docx)) as z:
        return {n: z.read(n) for n in z.namelist()
                if n != "docProps/core.xml" and not n.startswith("word/media/")}


def test_side_by_side_gives_the_same_bytes() -> None:
    rollup = build_rollup(TEMPLATE, ENTRIES, INFO)
    docx, xlsx = render_rollup_files(rollup, parallel_from=1)  # forks
    assert _parts(docx) == _parts(render_rollup_docx(rollup))
    assert _parts(xlsx) == _parts(render_rollup_xlsx(rollup))  # zip entries are dated
    names = [ws.title for ws in openpyxl.load_workbook(io.BytesIO(xlsx)).worksheets]
    assert len(names) > 1


def test_a_failed_child_is_made_up_for_here(monkeypatch: pytest.MonkeyPatch) -> None:
    rollup = build_rollup(TEMPLATE, ENTRIES, INFO)
    expected = render_rollup_xlsx(rollup)
    parent = os.getpid()

    def failing_in_child(r: object) -> bytes:
        if os.getpid() != parent:
            raise RuntimeError("child fails")
        return expected

    monkeypatch.setattr(rollup_files, "render_rollup_xlsx", failing_in_child)
    _, xlsx = render_rollup_files(rollup, parallel_from=1)
    assert xlsx == expected


def test_without_xlsx_nothing_is_forked(monkeypatch: pytest.MonkeyPatch) -> None:
    rollup = build_rollup(TEMPLATE, ENTRIES, INFO)
    monkeypatch.setattr(os, "fork", lambda: pytest.fail("forked"))
    docx, xlsx = render_rollup_files(rollup, with_xlsx=False, parallel_from=1)
    assert xlsx == b"" and _parts(docx) == _parts(render_rollup_docx(rollup))
