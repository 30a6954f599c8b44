"""The DOCX and XLSX renderers survive any stored text: control characters, lone
surrogates, emoji, mixed scripts, formula prefixes, 100 kB. Characters XML cannot
hold are dropped; everything else reaches the document."""

from __future__ import annotations

import copy
import datetime as dt
import io
import re
from typing import Any

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialogs.domain import Agency, DocumentInfo, Round
from dialogs.loader import load_templates
from dialogs.schema import QuestionType
from renderers.report import render_report
from renderers.rollup import (
    LATE,
    ON_TIME,
    AgencyEntry,
    RollupInfo,
    build_rollup,
    render_rollup_docx,
)
from renderers.xlsx import render_rollup_xlsx
from tests.unit.renderers.fake_answers import fake_answers
from tests.unit.renderers.readback import open_docx

TEMPLATE = load_templates()["annual_it"]
BASE = fake_answers(TEMPLATE)
ROUND = Round(id=1, template_id="annual_it", template_version=1, period_label="năm 2026",
              period_start=dt.date(2025, 12, 15), period_end=dt.date(2026, 12, 14),
              deadline=dt.date(2026, 12, 18))
TEXT_QUESTIONS = [q.id for q in TEMPLATE.iter_questions() if q.type is QuestionType.TEXT]
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

#: What officers paste: Vietnamese, other scripts, emoji, controls, surrogates, formulas.
pieces = st.one_of(
    st.text(st.characters(codec=None, exclude_categories=()), max_size=40),
    st.sampled_from(["Sở Công Thương", "人民委员会", "مرحبا", "👩🏻‍💻🇻🇳", "=SUM(A1:A9)", "+84",
                     "-1", "@cmd", "\x00\x07\x1b", "\ud800", "\ufffe", "\t\r\n", "{x}", "<w:t>"]),
)
texts = st.lists(pieces, min_size=1, max_size=6).map("".join)


def _agency(i: int, name: str) -> Agency:
    return Agency(id=i, name=name, abbreviation=f"CQ{i}", governing_body="UBND TỈNH ĐỒNG NAI",
                  place="Đồng Nai", signer_name="Nguyễn Văn A")


def _answers(text: str) -> dict[str, Any]:
    answers = copy.deepcopy(BASE)
    for qid in TEXT_QUESTIONS:
        answers[qid] = text
    return answers


def _docx_text(data: bytes) -> str:
    document = open_docx(data)
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def _word(text: str) -> str | None:
    """A run of letters from the text that must survive cleaning (or None)."""
    found = re.search(r"[^\W\d_]{3,}", XML_INVALID.sub("", text))
    return found.group(0) if found else None


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=texts, name=texts, huge=st.booleans())
def test_report_and_rollup_render_any_stored_text(text: str, name: str, huge: bool) -> None:
    answers = _answers(text)
    if huge:  # ~100 kB in one answer, the most an officer's message may carry
        text = (text + " Nội dung rất dài 📄 ") * (100_000 // (len(text) + 20))
        answers[TEXT_QUESTIONS[0]] = text
    agency = _agency(1, name)
    report = render_report(TEMPLATE, answers, DocumentInfo(agency=agency, round=ROUND))
    report_text = _docx_text(report)
    word = _word(text)
    if word is not None:
        assert word in report_text

    entries = [
        AgencyEntry(agency, ON_TIME, answers, dt.datetime(2026, 12, 10, tzinfo=dt.UTC), 1),
        AgencyEntry(_agency(2, "Sở Tài chính"), LATE, copy.deepcopy(BASE),
                    dt.datetime(2026, 12, 20, tzinfo=dt.UTC), 1),
    ]
    rollup = build_rollup(TEMPLATE, entries, RollupInfo(round=ROUND, collector=_agency(9, "Sở KH")))
    rollup_text = _docx_text(render_rollup_docx(rollup))
    if word is not None:
        assert word in rollup_text

    workbook = openpyxl.load_workbook(io.BytesIO(render_rollup_xlsx(rollup)))
    cells = [c for ws in workbook.worksheets for row in ws.iter_rows() for c in row
             if c.value is not None]
    assert not any(XML_INVALID.search(str(c.value)) for c in cells)
    # no cell is a formula, whatever the officer typed; text that looks like one is
    # stored as text and shown with Excel's quote prefix
    assert not any(c.data_type == "f" for c in cells)
    assert all(c.quotePrefix for c in cells
               if isinstance(c.value, str) and c.value.startswith(("=", "+", "-", "@")))
    if word is not None and len(text) < 30_000:
        assert any(word in str(c.value) for c in cells)
