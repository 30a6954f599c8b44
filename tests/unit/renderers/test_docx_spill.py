"""A long roll-up holds its finished blocks as serialized XML (memory): the saved
document must be exactly the one built with the whole tree in memory."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest

import renderers.rollup as rollup_module
from renderers.nd30 import Nd30Document
from renderers.rollup import ON_TIME, AgencyEntry, RollupInfo, build_rollup, render_rollup_docx
from tests.unit.renderers.test_rollup import DIC, ROUND, SCT_ANSWERS, TEMPLATE, _agency

UTC = dt.UTC


def _document_xml(docx: bytes) -> bytes:
    return zipfile.ZipFile(io.BytesIO(docx)).read("word/document.xml")


def test_spilled_rollup_is_the_same_document(monkeypatch: pytest.MonkeyPatch) -> None:
    entries = []
    for i in range(1, 31):
        answers = dict(SCT_ANSWERS)
        entries.append(AgencyEntry(_agency(100 + i, f"Sở thử nghiệm {i}", f"S{i:02d}"), ON_TIME,
                                   answers, dt.datetime(2026, 12, 10, 3, tzinfo=UTC), 1))
    info = RollupInfo(round=ROUND, collector=DIC, as_of=dt.datetime(2026, 12, 20, tzinfo=UTC))
    rollup = build_rollup(TEMPLATE, entries, info)

    spills = []
    real_spill = Nd30Document.spill

    def counting_spill(self: Nd30Document, keep: int = 200) -> None:
        spills.append(keep)
        real_spill(self, keep=5)

    monkeypatch.setattr(rollup_module, "_SPILL_EVERY", 7)
    monkeypatch.setattr(Nd30Document, "spill", counting_spill)
    spilled = render_rollup_docx(rollup)
    assert spills, "the roll-up never spilled its finished blocks"

    monkeypatch.setattr(Nd30Document, "spill", lambda self, keep=200: None)
    whole = render_rollup_docx(rollup)
    assert _document_xml(spilled) == _document_xml(whole)
    assert b"urn:baocao:spill" not in _document_xml(spilled)
    for i in (1, 15, 30):  # every agency's appendix is in the saved document
        assert f"Sở thử nghiệm {i} (S{i:02d})".encode() in _document_xml(spilled)
