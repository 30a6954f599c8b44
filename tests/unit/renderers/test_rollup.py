"""The DIC's roll-up of the annual report: three agencies submitted (one with zeros,
one late), one did not. Every total, every ratio of totals, the merged lists, the
compiled narratives, the status section and the chart, in the DOCX and the XLSX."""

from __future__ import annotations

import copy
import datetime as dt
import io
from typing import Any

import openpyxl
import pytest

from dialogs.domain import Agency, Round
from dialogs.loader import load_templates
from dialogs.schema import QuestionType
from dialogs.vn import format_number, format_percent
from renderers.rollup import (
    LATE,
    NOT_STARTED,
    ON_TIME,
    AgencyEntry,
    RollupInfo,
    build_rollup,
    column_rule,
    question_rule,
    render_rollup_docx,
)
from renderers.xlsx import render_rollup_xlsx, safe_sheet_title
from tests.unit.renderers.fake_answers import fake_answers
from tests.unit.renderers.readback import cell_texts, open_docx

UTC = dt.UTC
TEMPLATE = load_templates()["annual_it"]
ROUND = Round(id=3, template_id="annual_it", template_version=1, period_label="năm 2026",
              period_start=dt.date(2025, 12, 15), period_end=dt.date(2026, 12, 14),
              deadline=dt.date(2026, 12, 18))


def _agency(i: int, name: str, abbr: str, **extra: Any) -> Agency:
    return Agency(id=i, name=name, abbreviation=abbr, governing_body="UBND TỈNH ĐỒNG NAI",
                  place="Đồng Nai", signer_name="Nguyễn Văn A", **extra)


DIC = _agency(9, "Sở Khoa học và Công nghệ", "SKHCN", signer_position="PHÓ GIÁM ĐỐC",
              signer_authority="KT. GIÁM ĐỐC", drafting_unit="CĐS", is_collector=True)
SCT = _agency(1, "Sở Công Thương", "SCT")
STC = _agency(2, "Sở Tài chính", "STC")
SYT = _agency(3, "Sở Y tế", "SYT")
SNV = _agency(4, "Sở Nội vụ", "SNV")


def _zeros(answers: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for q in TEMPLATE.iter_questions():
        value = answers.get(q.id)
        if q.type in (QuestionType.INTEGER, QuestionType.DECIMAL):
            out[q.id] = 0
        elif q.type is QuestionType.TABLE:
            out[q.id] = {r: {c: (0 if isinstance(v, int | float) else v) for c, v in cells.items()}
                         for r, cells in value.items()}
        elif q.type is QuestionType.REPEAT:
            out[q.id] = []
        elif value is not None:
            out[q.id] = value
    return out


BASE = fake_answers(TEMPLATE)
SCT_ANSWERS = {**copy.deepcopy(BASE),
               "so_cbcc": 56, "so_cbcc_co_may_tinh": 56, "so_may_tinh": 64,
               "van_ban": {"van_phong": {"tong": 25430, "gui": 9136, "nhan": 16294,
                                         "dt_tong": 23841, "dt_gui": 9136, "dt_nhan": 14705,
                                         "cbcc_tong": 56, "cbcc_su_dung": 56}},
               "ho_so_dvc": {"ho_so": {"tong": 14824, "truc_tuyen": 14659, "truc_tiep": 165}},
               "he_thong_thong_tin": [
                   {"ten_he_thong": "Trang TTĐT Sở Công Thương", "don_vi_van_hanh": "SCT",
                    "cap_do": "2"},
                   {"ten_he_thong": "CSDL ngành Công Thương", "don_vi_van_hanh": "SCT",
                    "cap_do": "3"}],
               "du_lieu": "Vận hành CSDL ngành Công Thương.",
               "de_xuat": "Đề nghị hỗ trợ kinh phí nâng cấp tường lửa.",
               "bang_thong": "=HYPERLINK(\"http://evil\")"}
STC_ANSWERS = {**_zeros(BASE), "du_lieu": "Chưa xây dựng cơ sở dữ liệu riêng."}
STC_ANSWERS.pop("de_xuat", None)
SYT_ANSWERS = {**copy.deepcopy(BASE),
               "so_cbcc": 40, "so_cbcc_co_may_tinh": 30, "so_may_tinh": 36,
               "van_ban": {"van_phong": {"tong": 1000, "gui": 400, "nhan": 600,
                                         "dt_tong": 500, "dt_gui": 200, "dt_nhan": 300,
                                         "cbcc_tong": 40, "cbcc_su_dung": 30}},
               "ho_so_dvc": {"ho_so": {"tong": 200, "truc_tuyen": 50, "truc_tiep": 150}},
               "he_thong_thong_tin": [
                   {"ten_he_thong": "Hệ thống quản lý bệnh viện", "don_vi_van_hanh": "SYT",
                    "cap_do": "3"}],
               "du_lieu": "- Dữ liệu y tế cơ sở.\n- Hồ sơ sức khỏe điện tử.",
               "de_xuat": None}

ENTRIES = [
    AgencyEntry(SCT, ON_TIME, SCT_ANSWERS, dt.datetime(2026, 12, 10, 3, tzinfo=UTC), 1),
    AgencyEntry(STC, ON_TIME, {k: v for k, v in STC_ANSWERS.items() if v is not None},
                dt.datetime(2026, 12, 18, 9, tzinfo=UTC), 2),
    AgencyEntry(SYT, LATE, {k: v for k, v in SYT_ANSWERS.items() if v is not None},
                dt.datetime(2026, 12, 21, 2, tzinfo=UTC), 1),
    AgencyEntry(SNV, NOT_STARTED),
]
INFO = RollupInfo(round=ROUND, collector=DIC)


@pytest.fixture(scope="module")
def rollup():
    return build_rollup(TEMPLATE, ENTRIES, INFO)


@pytest.fixture(scope="module")
def document(rollup):
    return open_docx(render_rollup_docx(rollup))


@pytest.fixture(scope="module")
def workbook(rollup):
    return openpyxl.load_workbook(io.BytesIO(render_rollup_xlsx(rollup)))


def _table_with(document, header: str):
    for table in document.tables:
        texts = [c.text for row in table.rows[:2] for c in row.cells]
        if any(header == t for t in texts):
            return table
    raise AssertionError(f"no table with header {header!r}")


def _paragraphs(document) -> list[str]:
    return [p.text for p in document.paragraphs if p.text.strip()]


def _row(table, first: str) -> list[str]:
    for row in cell_texts(table):
        if first in row[:2]:
            return row
    raise AssertionError(f"no row {first!r} in {cell_texts(table)}")


# --------------------------------------------------------------------------- DOCX


def test_issued_by_the_dic_to_the_peoples_committee(document) -> None:
    header = cell_texts(document.tables[0])
    assert header[0][0] == "UBND TỈNH ĐỒNG NAI\nSỞ KHOA HỌC VÀ CÔNG NGHỆ\n"
    assert header[1][0].startswith("Số:") and header[1][0].endswith("/BC-SKHCN")
    texts = _paragraphs(document)
    assert "BÁO CÁO" in texts
    assert any(t.startswith("Tổng hợp kết quả ứng dụng công nghệ thông tin") and
               "các cơ quan, đơn vị trên địa bàn tỉnh Đồng Nai năm 2026" in t for t in texts)
    assert "Kính gửi: Ủy ban nhân dân tỉnh Đồng Nai" in texts


def test_status_section_names_on_time_late_and_missing(document) -> None:
    texts = _paragraphs(document)
    assert "I. TÌNH HÌNH NỘP BÁO CÁO" in texts
    assert "- Số cơ quan, đơn vị phải báo cáo: 4." in texts
    assert ("- Số cơ quan, đơn vị đã nộp báo cáo: 3/4 (75,00%), trong đó đúng hạn: 2, "
            "trễ hạn: 1.") in texts
    assert "- Nộp đúng hạn (2): Sở Công Thương, Sở Tài chính." in texts
    assert "- Nộp trễ hạn (1): Sở Y tế (nộp ngày 21/12/2026)." in texts
    assert "- Chưa nộp báo cáo (1): Sở Nội vụ." in texts


def test_table_question_totals_and_ratio_of_totals(document) -> None:
    table = _table_with(document, "Tỷ lệ văn bản điện tử/tổng số văn bản")
    assert _row(table, "Sở Công Thương")[2:5] == ["25.430", "9.136", "16.294"]
    assert _row(table, "Sở Tài chính")[2] == "0"
    total = _row(table, "Tổng số")
    expected_ratio = format_percent((23841 + 500) / (25430 + 1000) * 100)
    assert expected_ratio == "92,09%"
    assert total[2:10] == ["26.430", "9.536", "16.894", "24.341", "9.336", "15.005",
                           expected_ratio, "96"]
    assert total[-2:] == ["86", format_percent(86 / 96 * 100)]
    # never the average of the agencies' percentages (93,75% and 50%)
    assert format_percent((23841 / 25430 * 100 + 50) / 2) not in total
    # the agency with zeros has no ratio to show (0/0)
    assert _row(table, "Sở Tài chính")[8] == "-"
    # the agency that did not submit is not in the figures
    assert all("Sở Nội vụ" not in row[1] for row in cell_texts(table))

    dossiers = _table_with(document, "Tổng số hồ sơ đã tiếp nhận")
    total = _row(dossiers, "Tổng số")
    # one number of decimals down each percentage column: 97,9% is printed "97,90%"
    assert total[2:] == ["15.024", "14.709", "97,90%", "315", "2,09%"]


def test_scalar_figures_sum_and_ratios_of_sums(document) -> None:
    texts = _paragraphs(document)
    assert "- Tổng số CBCC: 96 người." in texts
    assert "- Số CBCC được trang bị máy tính: 86 người." in texts
    assert f"- Tỷ lệ CBCC được trang bị máy tính: {format_percent(86 / 96 * 100)}." in texts
    table = _table_with(document, "Tỷ lệ CBCC được trang bị máy tính")
    assert _row(table, "Sở Y tế")[2:5] == ["40", "30", "75,00%"]
    assert _row(table, "Tổng số")[2:5] == ["96", "86", "89,58%"]


def test_repeat_lists_are_merged_with_the_agency_on_each_row(document) -> None:
    table = _table_with(document, "Tên hệ thống thông tin")
    rows = [r for r in cell_texts(table) if r[0].isdigit()]
    assert [(r[1], r[2], r[4]) for r in rows] == [
        ("Sở Công Thương", "Trang TTĐT Sở Công Thương", "Cấp độ 2"),
        ("Sở Công Thương", "CSDL ngành Công Thương", "Cấp độ 3"),
        ("Sở Y tế", "Hệ thống quản lý bệnh viện", "Cấp độ 3"),
    ]
    assert "Danh mục hệ thống thông tin thuộc phạm vi quản lý: 3 mục của 2 cơ quan, đơn vị." \
        in _paragraphs(document)


def test_narratives_compiled_by_agency_and_proposals_collected(document) -> None:
    texts = _paragraphs(document)
    start = texts.index("Phát triển dữ liệu:")
    assert texts[start + 1:start + 6] == [
        "- Sở Công Thương: Vận hành CSDL ngành Công Thương.",
        "- Sở Tài chính: Chưa xây dựng cơ sở dữ liệu riêng.",
        "- Sở Y tế:",
        "+ Dữ liệu y tế cơ sở.",
        "+ Hồ sơ sức khỏe điện tử.",
    ]
    heading = next(t for t in texts if t.endswith(". ĐỀ XUẤT, KIẾN NGHỊ"))
    after = texts[texts.index(heading) + 1]
    assert after == "- Sở Công Thương: Đề nghị hỗ trợ kinh phí nâng cấp tường lửa."


def test_a_chart_is_embedded_as_a_png(document) -> None:
    images = [rel.target_part for rel in document.part.rels.values()
              if rel.reltype.endswith("/image")]
    assert images, "no picture in the roll-up"
    assert images[0].blob.startswith(b"\x89PNG")
    assert len(document.inline_shapes) >= 1
    assert any(t.startswith("Biểu đồ: ") for t in _paragraphs(document))


def test_appendix_has_each_submitted_agency(document) -> None:
    texts = _paragraphs(document)
    start = texts.index("Phụ lục")
    tail = texts[start:]
    assert "1. Sở Công Thương (SCT)" in tail and "3. Sở Y tế (SYT)" in tail
    assert not any("Sở Nội vụ" in t for t in tail)
    assert any(t.startswith("Nộp trễ hạn lúc 09:00 ngày 21/12/2026") for t in tail)


# --------------------------------------------------------------------------- XLSX


def _sheet_with(workbook, header: str):
    for ws in workbook.worksheets:
        for row in ws.iter_rows(min_row=1, max_row=3, values_only=True):
            if header in [str(v) for v in row if v is not None]:
                return ws
    raise AssertionError(f"no sheet with {header!r}: {workbook.sheetnames}")


def _xrow(ws, label: str) -> list[Any]:
    for row in ws.iter_rows(values_only=True):
        if label in row[:3]:
            return list(row)
    raise AssertionError(label)


def test_xlsx_has_the_same_totals(workbook) -> None:
    ws = _sheet_with(workbook, "Số văn bản điện tử - Tổng")
    total = _xrow(ws, "Tổng số")
    assert total[2:8] == [26430, 9536, 16894, 24341, 9336, 15005]
    # the digits the DOCX prints (cut, not rounded): 92,09%, where 24341/26430 = 92,096…%
    assert total[8] == 0.9209
    assert ws.cell(row=ws.max_row, column=9).number_format == "[$-42A]0.00%"
    assert _xrow(ws, "Sở Công Thương")[2] == 25430
    ws = _sheet_with(workbook, "Tỷ lệ CBCC được trang bị máy tính")
    assert _xrow(ws, "Tổng số")[2:5] == [96, 86, 0.8958]


def test_xlsx_status_raw_answers_and_repeats(workbook) -> None:
    status = workbook["Tình hình nộp"]
    rows = list(status.iter_rows(min_row=2, values_only=True))
    assert [(r[2], r[3]) for r in rows] == [("SCT", "Đúng hạn"), ("STC", "Đúng hạn"),
                                            ("SYT", "Trễ hạn"), ("SNV",
                                                                 "Chưa nộp (chưa bắt đầu)")]
    raw = workbook["Số liệu gốc"]
    ids = [c.value for c in raw[2]]
    assert "so_cbcc" in ids and "van_ban.van_phong.dt_tong" in ids
    col = ids.index("so_cbcc") + 1
    assert [raw.cell(row=r, column=col).value for r in (3, 4, 5)] == [56, 0, 40]
    assert raw.max_row == 4 + 1  # header, ids, three agencies
    lists = next(ws for ws in workbook.worksheets if ws.title.startswith("DS Danh mục hệ thống"))
    rows = list(lists.iter_rows(min_row=2, values_only=True))
    assert [(r[1], r[2], r[3]) for r in rows] == [
        ("SCT", 1, "Trang TTĐT Sở Công Thương"), ("SCT", 2, "CSDL ngành Công Thương"),
        ("SYT", 1, "Hệ thống quản lý bệnh viện")]


def test_xlsx_neutralises_formulas(workbook) -> None:
    raw = workbook["Số liệu gốc"]
    col = [c.value for c in raw[2]].index("bang_thong") + 1
    cell = raw.cell(row=3, column=col)
    assert cell.value == '=HYPERLINK("http://evil")'
    assert cell.data_type == "s" and cell.quotePrefix
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate, c.value)


def test_sheet_titles_are_valid() -> None:
    title = safe_sheet_title("a/b:c*d?[e]\\f " * 5)
    assert title == "a b c d e f a b c d e f a b c d" and not set("[]:*?/\\") & set(title)
    assert len(safe_sheet_title("x" * 80)) <= 31
    assert safe_sheet_title("Tổng hợp", ["Tổng hợp"]) == "Tổng hợp (2)"


# --------------------------------------------------------------------------- rules


def test_every_question_of_every_bundled_template_has_a_rule() -> None:
    allowed = {"sum", "ratio_of_sums", "list_by_agency", "compile", "count", "none"}
    for template in load_templates().values():
        for q in template.iter_questions():
            assert question_rule(q) in allowed
            for c in q.columns:
                assert column_rule(c) in allowed


def test_every_bundled_template_rolls_up(tmp_path) -> None:
    for template in load_templates().values():
        answers = fake_answers(template)
        entries = [AgencyEntry(SCT, ON_TIME, answers, dt.datetime(2026, 1, 5, tzinfo=UTC), 1),
                   AgencyEntry(STC, NOT_STARTED)]
        data = render_rollup_docx(build_rollup(template, entries, INFO))
        assert open_docx(data).tables
        render_rollup_xlsx(build_rollup(template, entries, INFO))
        assert format_number(1) == "1"


@pytest.mark.skipif(__import__("shutil").which("soffice") is None,
                    reason="LibreOffice (soffice) is not installed")
def test_rollup_converts_to_pdf_with_libreoffice(rollup) -> None:
    from renderers.pdf import convert

    result = convert(render_rollup_docx(rollup))
    assert result.pdf.startswith(b"%PDF")
    assert len(__import__("re").findall(rb"/Type\s*/Page(?!s)", result.pdf)) >= 5


def _media(docx: bytes) -> dict[str, bytes]:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(docx)) as z:
        return {n: z.read(n) for n in z.namelist() if n.startswith("word/media/")}


def test_two_renders_give_the_same_chart_pictures(rollup) -> None:
    first, second = _media(render_rollup_docx(rollup)), _media(render_rollup_docx(rollup))
    assert first, "no chart in the roll-up"
    assert first == second


def test_charts_drawn_on_several_threads_are_the_charts_drawn_alone() -> None:
    from concurrent.futures import ThreadPoolExecutor

    from renderers.charts import ChartSpec, bar_chart_png

    specs = [ChartSpec(f"Tỷ lệ {i}", ["SCT", "STC", "SYT"], [93.75, 50.0 + i, None], 71.2)
             for i in range(4)]
    alone = [bar_chart_png(s) for s in specs]
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(bar_chart_png, specs * 2))
    assert together == alone * 2


def test_chart_labels_use_the_documents_number_of_decimals(rollup, monkeypatch) -> None:
    import re

    import renderers.rollup as rollup_module

    drawn = []
    draw = rollup_module.bar_chart_png
    monkeypatch.setattr(rollup_module, "bar_chart_png",
                        lambda spec: drawn.append(spec) or draw(spec))
    document = open_docx(render_rollup_docx(rollup))
    texts = _paragraphs(document) + [
        cell.text for table in document.tables for row in table.rows for cell in row.cells]
    places = {len(m.group(1)) for t in texts for m in re.finditer(r"\d,(\d+)%", t)}
    assert places == {2}  # every share of the document prints two decimals ...
    assert drawn and all(spec.places == 2 for spec in drawn)  # ... and so do the charts
    # a chart's own values alone would print none ("100%", "50%")
    assert drawn[0].__class__("x", ["A", "B"], [100.0, 50.0], None).decimals() == 0
