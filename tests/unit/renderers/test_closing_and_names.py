"""Issue 18, point 9: the periodic roll-up fills its rest-of-year heading, every saved
file names template, period and version, and a roll-up without a named signer still
closes with Nơi nhận, the position and the space to sign."""

from __future__ import annotations

import dataclasses
import datetime as dt

from dialogs.domain import Agency, DocumentInfo, Round
from dialogs.loader import load_templates
from renderers.report import document_filename
from renderers.rollup import ON_TIME, AgencyEntry, RollupInfo, render_rollup
from storage.filenames import versioned_filename
from tests.unit.renderers.fake_answers import fake_answers
from tests.unit.renderers.readback import open_docx

TEMPLATES = load_templates()
ROUND = Round(id=4, template_id="periodic_it", template_version=1,
              period_label="9 tháng đầu năm 2026", period_start=dt.date(2025, 12, 15),
              period_end=dt.date(2026, 9, 14), deadline=dt.date(2026, 9, 20), status="closed")
AGENCY = Agency(id=1, name="Sở Công Thương", abbreviation="SCT",
                governing_body="UBND TỈNH ĐỒNG NAI", place="Đồng Nai", signer_name="Nguyễn A")
NO_SIGNER = Agency(id=0, name="Sở Khoa học và Công nghệ", abbreviation="SKHCN",
                   governing_body="UBND TỈNH ĐỒNG NAI", place="Đồng Nai", signer_name="",
                   signer_position="GIÁM ĐỐC", is_collector=True)


def _rollup_doc():
    template = TEMPLATES["periodic_it"]
    entries = [AgencyEntry(AGENCY, ON_TIME, fake_answers(template),
                           dt.datetime(2026, 9, 10, tzinfo=dt.UTC), 1)]
    return open_docx(render_rollup(template, entries, RollupInfo(round=ROUND,
                                                                 collector=NO_SIGNER)))


def test_periodic_rollup_heading_names_the_rest_of_the_year() -> None:
    texts = [p.text for p in _rollup_doc().paragraphs]
    assert any(t.endswith("PHƯƠNG HƯỚNG, NHIỆM VỤ 3 THÁNG CUỐI NĂM 2026") for t in texts), texts
    assert not any("{" in t for t in texts)


def test_rollup_without_signer_has_a_complete_closing() -> None:
    doc = _rollup_doc()
    closing = next(t for t in doc.tables
                   if t.rows[0].cells[0].paragraphs[0].text == "Nơi nhận:")
    left, right = closing.rows[0].cells
    assert left.paragraphs[-1].text.startswith("- Lưu: VT")
    lines = [p.text for p in right.paragraphs]
    assert lines[0] == "GIÁM ĐỐC"
    assert len(lines) >= 5  # the position, space to sign and the name line


def test_file_names_identify_template_period_and_version() -> None:
    info = DocumentInfo(agency=AGENCY, round=dataclasses.replace(ROUND, period_label="năm 2026"))
    names = {document_filename(TEMPLATES[t], info) for t in TEMPLATES}
    assert len(names) == len(TEMPLATES)  # the annual report and the CT-02 review differ
    annual = document_filename(TEMPLATES["annual_it"], info)
    assert annual == "BC-SCT-annual_it-nam-2026.docx"
    assert versioned_filename(annual, 2) == "BC-SCT-annual_it-nam-2026-v2.docx"
    assert versioned_filename("BC-SCT-annual_it-nam-2026-v2.docx", 3).endswith("-v3.docx")
