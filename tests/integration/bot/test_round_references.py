"""Issue 18, points 2 and 3: a round carries its request document(s), grounds and
Nơi nhận, set at ``baocao round open`` (options and a file); every agency's report
and the roll-up cite them in Decree 30 wording; the template's lists stay the
default."""

from __future__ import annotations

import io
import json
from pathlib import Path

from docx import Document

from dialogs.domain import DocumentInfo
from dialogs.loader import load_templates
from renderers.report import render_report
from renderers.rollup import RollupInfo, render_rollup
from tests.integration.bot.test_round_cli import add_agencies, with_db
from tests.support.cli import ok

TEMPLATES = load_templates()
CITATION = ("Thực hiện Công văn số 2994/STTT-CNTTVT ngày 16/10/2021 của Sở Thông tin và "
            "Truyền thông về việc báo cáo tình hình ứng dụng CNTT năm 2021")


def _texts(data: bytes) -> list[str]:
    doc = Document(io.BytesIO(data))
    out = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                out.extend(p.text for p in cell.paragraphs)
    return out


def test_round_open_with_request_grounds_and_recipients(run_cli, database_url,
                                                        tmp_path: Path) -> None:
    with_db(database_url, lambda uow: add_agencies(uow, "SCT"))
    refs = tmp_path / "can-cu.yaml"
    refs.write_text(json.dumps({
        "requests": [{"symbol": "599/KH-UBND", "issued_on": "2021-01-18",
                      "issuer": "UBND tỉnh Đồng Nai",
                      "subject": "ứng dụng CNTT, phát triển chính quyền số năm 2021"}],
        "grounds": ["Căn cứ Quyết định số 5003/QĐ-UBND ngày 31/12/2020 của UBND tỉnh"],
    }, ensure_ascii=False), encoding="utf-8")
    ok(run_cli("round", "open", "--template", "annual_it", "--period", "năm 2021",
               "--deadline", "2021-12-20", "--references", str(refs),
               "--request", "2994/STTT-CNTTVT | 16/10/2021 | Sở Thông tin và Truyền thông | "
               "báo cáo tình hình ứng dụng CNTT năm 2021",
               "--recipient", "Sở Thông tin và Truyền thông", "--recipient",
               "Sở Nội vụ (báo cáo)"))

    async def load(uow):
        round_ = await uow.rounds.get(1)
        agency = await uow.agencies.by_abbreviation("SCT")
        assignment = next(a for a in await uow.assignments.list(1) if a.agency_id == agency.id)
        return round_, agency, await uow.references.for_document(1, assignment.id)

    round_, agency, references = with_db(database_url, load)
    texts = _texts(render_report(TEMPLATES["annual_it"], {},
                                 DocumentInfo(agency=agency, round=round_, references=references)))
    grounds = [
        "Căn cứ Quyết định số 5003/QĐ-UBND ngày 31/12/2020 của UBND tỉnh;",
        "Thực hiện Kế hoạch số 599/KH-UBND ngày 18/01/2021 của UBND tỉnh Đồng Nai ứng dụng "
        "CNTT, phát triển chính quyền số năm 2021;",
        CITATION + ".",
    ]
    start = texts.index(grounds[0])
    assert texts[start:start + 3] == grounds
    # the template's undated ground gives way to the round's
    assert not any(t.startswith("Căn cứ Kế hoạch của UBND tỉnh") for t in texts)
    assert "- Sở Nội vụ (báo cáo);" in texts and "- Sở Thông tin và Truyền thông;" in texts

    collector = agency.__class__(**{**{f: getattr(agency, f) for f in agency.__slots__},
                                    "is_collector": True})
    rollup = _texts(render_rollup(TEMPLATES["annual_it"], [],
                                  RollupInfo(round=round_, collector=collector,
                                             references=references)))
    assert CITATION + "." in rollup


def test_bad_request_is_refused_in_vietnamese(run_cli, database_url) -> None:
    with_db(database_url, lambda uow: add_agencies(uow, "SCT"))
    result = run_cli("round", "open", "--template", "annual_it", "--period", "năm 2021",
                     "--deadline", "2021-12-20", "--request", "2994 | hôm qua")
    assert result.exit_code != 0
    assert "Văn bản yêu cầu cần" in result.output


def test_template_lists_stay_the_default() -> None:
    from tests.unit.renderers.conftest import AGENCY, ROUND

    texts = _texts(render_report(TEMPLATES["annual_it"], {},
                                 DocumentInfo(agency=AGENCY, round=ROUND)))
    assert any(t.startswith("Căn cứ") for t in texts)
