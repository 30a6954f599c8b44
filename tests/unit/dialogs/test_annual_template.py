"""The bundled annual report template follows seed 003 and holds its figures."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pytest

from dialogs.expression_eval import evaluate
from dialogs.expressions import compile_expression
from dialogs.loader import bundled_template_dir, load_template
from dialogs.schema import NUMERIC_TYPES, Question, QuestionType, Section, Template

SEED_SECTIONS = [
    "MÔI TRƯỜNG PHÁP LÝ",
    "HẠ TẦNG KỸ THUẬT",
    "CÁC HỆ THỐNG NỀN TẢNG",
    "PHÁT TRIỂN DỮ LIỆU",
    "CÁC ỨNG DỤNG, DỊCH VỤ",
    "NGUỒN NHÂN LỰC",
    "AN TOÀN THÔNG TIN",
    "KINH PHÍ THỰC HIỆN",
]
SEED_SUBSECTIONS_V = [
    "Ứng dụng CNTT để công bố, công khai thông tin kết quả giải quyết thủ tục hành chính",
    "Cung cấp dịch vụ công trực tuyến",
    "Ứng dụng CNTT tại Bộ phận một cửa trong việc tiếp nhận, giải quyết TTHC",
    "Ứng dụng CNTT trong hoạt động nội bộ",
]

#: Seed 003's figures (Sở Công Thương, 2021), as an officer would answer them.
SEED_ANSWERS: dict[str, Any] = {
    "van_ban_chi_dao": [
        {
            "loai": "ke_hoach",
            "so_ky_hieu": "927/KH-SCT",
            "ngay": "2021-02-26",
            "trich_yeu": "ứng dụng công nghệ thông tin giai đoạn 2021-2025",
        },
        {
            "loai": "ke_hoach",
            "so_ky_hieu": "1029/KH-SCT",
            "ngay": "2021-03-08",
            "trich_yeu": "ứng dụng công nghệ thông tin năm 2021",
        },
    ],
    "so_cbcc": 56,
    "so_cbcc_co_may_tinh": 56,
    "so_don_vi_truc_thuoc": 2,
    "so_may_tinh": 66,
    "so_may_chu": 4,
    "so_may_tinh_lan": 66,
    "so_may_tinh_internet": 66,
    "bang_thong": "Đường truyền số liệu chuyên dùng T78: 4 Mbps; FTTH: 30 Mbps",
    "bien_phap_an_ninh": ["tuong_lua", "tuong_lua_cung", "phong_chong_virus", "sao_luu"],
    "dia_chi_website": "http://sct.dongnai.gov.vn",
    "dia_chi_dvc": "https://egov.dongnai.gov.vn",
    "so_tthc": 116,
    "so_tthc_co_phi": 48,
    "so_tthc_muc_3": 23,
    "so_tthc_muc_4": 93,
    # The seed prints 163 direct dossiers, which does not add up (14.659 + 163 ≠ 14.824).
    "ho_so_dvc": {"ho_so": {"tong": 14824, "truc_tuyen": 14659, "truc_tiep": 165}},
    "van_ban": {
        "van_phong": {
            "tong": 25430,
            "gui": 9136,
            "nhan": 16294,
            "dt_tong": 23841,
            "dt_gui": 9136,
            "dt_nhan": 14705,
            "cbcc_tong": 56,
            "cbcc_su_dung": 56,
        }
    },
    "so_don_vi_trien_khai_qlvb": 2,
    "so_cbcc_hop_thu": 56,
    "so_chung_thu_so": 46,
    "so_sim_pki": 7,
    "so_can_bo_cntt": 1,
    "so_su_co_attt": 0,
    "he_thong_thong_tin": [
        {"ten_he_thong": "Trang TTĐT của Sở", "don_vi_van_hanh": "SCT", "cap_do": "2"},
        {"ten_he_thong": "CSDL ngành Công Thương", "don_vi_van_hanh": "SCT", "cap_do": "3"},
        {"ten_he_thong": "HTTT khuyến mại", "don_vi_van_hanh": "SCT", "cap_do": "3"},
        {"ten_he_thong": "Trang TTĐT Trung tâm XTTM", "don_vi_van_hanh": "XTTM", "cap_do": "2"},
        {"ten_he_thong": "Trang TTĐT Trung tâm KC", "don_vi_van_hanh": "KC", "cap_do": "2"},
    ],
    "nguon_kinh_phi": "chi_thuong_xuyen",
}


@pytest.fixture(scope="module")
def template() -> Template:
    return load_template(bundled_template_dir() / "annual_it.yaml")


def walk_sections(items: list[Question | Section]) -> list[Section]:
    out: list[Section] = []
    for item in items:
        if isinstance(item, Section):
            out.append(item)
            out.extend(walk_sections(item.items))
    return out


def check_constraint(q: Question, answers: Mapping[str, Any]) -> Any:
    assert q.constraint is not None
    return evaluate(q.constraint, {**answers, "value": answers.get(q.id)})


def test_metadata(template: Template) -> None:
    assert (template.id, template.version, template.kind) == ("annual_it", 1, "bao_cao")
    assert (template.type_code, template.period_kind) == ("BC", "annual")
    assert "{agency}" in template.subject and "{period}" in template.subject
    assert template.opening == "{agency} báo cáo kết quả thực hiện như sau:"
    assert template.closing is not None and template.closing.endswith("{collector} tổng hợp./.")
    assert template.recipients[0] == "{collector} (tổng hợp)"
    assert not any(r.startswith("Lưu") for r in template.recipients)
    assert all(g.startswith(("Căn cứ", "Thực hiện")) for g in template.grounds)


def test_grounds_carry_no_seed_agency_specifics(template: Template) -> None:
    text = " ".join(template.grounds)
    for specific in ("Đồng Nai", "Công Thương", "2021", "số 5003", "1594/KH"):
        assert specific not in text


def test_section_titles_in_seed_order(template: Template) -> None:
    assert [s.title for s in template.sections] == SEED_SECTIONS
    services = template.sections[4]
    assert [i.title for i in services.items if isinstance(i, Section)] == SEED_SUBSECTIONS_V


def test_titles_carry_no_numbering(template: Template) -> None:
    for section in walk_sections(list(template.sections)):
        assert not section.title[:1].isdigit()
        assert not section.title.startswith(("I.", "V.", "-", "+"))


def test_ids_unique_across_questions_and_sections(template: Template) -> None:
    ids = [q.id for q in template.iter_questions()]
    ids += [s.id for s in walk_sections(list(template.sections))]
    assert len(ids) == len(set(ids))


def test_question_count_is_a_full_report(template: Template) -> None:
    asked = [q for q in template.iter_questions() if q.type != QuestionType.COMPUTED]
    assert 40 <= len(asked) <= 55


def test_every_question_is_labelled_and_rolls_up(template: Template) -> None:
    for q in template.iter_questions():
        assert q.label, q.id
        assert q.rollup is not None, q.id
        if q.type in NUMERIC_TYPES:
            assert q.rollup in ("sum", "none"), q.id
        if q.type == QuestionType.REPEAT:
            assert q.rollup == "list_by_agency", q.id
        if q.type == QuestionType.TEXT and q.long:
            assert q.rollup in ("compile", "list_by_agency"), q.id


def test_every_numeric_figure_has_min_zero(template: Template) -> None:
    for q in template.iter_questions():
        if q.type in NUMERIC_TYPES:
            assert q.min == 0, q.id
            assert q.example or q.type == QuestionType.DECIMAL, q.id
        for column in q.columns:
            if column.type in NUMERIC_TYPES:
                assert column.min == 0, f"{q.id}.{column.id}"


def test_computed_ratios_are_percent_and_ratio_of_sums(template: Template) -> None:
    for q in template.iter_questions():
        if q.type == QuestionType.COMPUTED and q.id.startswith("ty_le"):
            assert q.unit == "%", q.id
            assert q.rollup == "ratio_of_sums", q.id
        for column in q.columns:
            if column.type == QuestionType.COMPUTED:
                assert column.unit == "%", f"{q.id}.{column.id}"
                assert column.rollup == "ratio_of_sums", f"{q.id}.{column.id}"


def test_rarely_changing_figures_are_prefilled(template: Template) -> None:
    for qid in ("so_cbcc", "so_may_tinh", "so_may_chu", "bang_thong", "dia_chi_website"):
        assert template.question(qid).prefill == "previous", qid


def test_key_figures_and_narratives_are_required(template: Template) -> None:
    for qid in ("so_may_tinh", "so_tthc", "ho_so_dvc", "van_ban", "du_lieu", "attt_hien_trang"):
        assert template.question(qid).required, qid
    for qid in ("nen_tang", "kinh_phi", "de_xuat"):
        assert not template.question(qid).required, qid


def test_table_dossiers(template: Template) -> None:
    q = template.question("ho_so_dvc")
    assert q.type == QuestionType.TABLE and q.render.total_row
    assert [r.id for r in q.rows] == ["ho_so"]
    assert [c.id for c in q.columns] == [
        "tong",
        "truc_tuyen",
        "ty_le_truc_tuyen",
        "truc_tiep",
        "ty_le_truc_tiep",
    ]
    row = SEED_ANSWERS["ho_so_dvc"]["ho_so"]
    shares = {c.id: evaluate(c.expression or "", row) for c in q.columns if c.expression}
    assert round(shares["ty_le_truc_tuyen"], 2) == 98.89


def test_table_documents(template: Template) -> None:
    q = template.question("van_ban")
    assert q.type == QuestionType.TABLE and q.render.total_row
    groups = {c.group for c in q.columns if c.group}
    assert {"Số văn bản", "Số văn bản điện tử"} <= groups
    assert any(g.startswith("Công chức, viên chức sử dụng phần mềm") for g in groups)
    row = SEED_ANSWERS["van_ban"]["van_phong"]
    ratio = next(c for c in q.columns if c.id == "ty_le_dt")
    assert round(evaluate(ratio.expression or "", row), 2) == 93.75


def test_table_information_systems(template: Template) -> None:
    q = template.question("he_thong_thong_tin")
    assert q.type == QuestionType.REPEAT and q.render.style == "table"
    assert [f.id for f in q.fields] == ["ten_he_thong", "don_vi_van_hanh", "cap_do", "ho_so"]
    levels = next(f for f in q.fields if f.id == "cap_do")
    assert [c.value for c in levels.choices] == ["1", "2", "3", "4", "5"]
    count = template.question("so_he_thong_thong_tin")
    assert evaluate(count.expression or "", SEED_ANSWERS) == 5


def test_seed_figures_satisfy_every_constraint(template: Template) -> None:
    for q in template.iter_questions():
        if q.constraint and q.id in SEED_ANSWERS:
            assert check_constraint(q, SEED_ANSWERS) is True, q.id


def test_seed_computed_shares(template: Template) -> None:
    def computed(qid: str) -> Any:
        return evaluate(template.question(qid).expression or "", SEED_ANSWERS)

    assert round(computed("ty_le_tthc_muc_3"), 2) == 19.83
    assert round(computed("ty_le_tthc_muc_4"), 2) == 80.17
    assert computed("ty_le_tthc_truc_tuyen") == 100.0
    assert computed("ty_le_cbcc_co_may_tinh") == 100.0
    assert computed("so_van_ban_chi_dao") == 2


def test_computed_waits_for_inputs(template: Template) -> None:
    assert evaluate(template.question("ty_le_tthc_muc_3").expression or "", {}) is None


@pytest.mark.parametrize(
    ("qid", "change"),
    [
        ("so_may_tinh_lan", {"so_may_tinh_lan": 67}),
        ("so_may_tinh_internet", {"so_may_tinh_internet": 70}),
        ("so_cbcc_co_may_tinh", {"so_cbcc_co_may_tinh": 57}),
        ("so_tthc_muc_4", {"so_tthc_muc_4": 94}),
        (
            "ho_so_dvc",
            {"ho_so_dvc": {"ho_so": {"tong": 14824, "truc_tuyen": 14659, "truc_tiep": 163}}},
        ),
        (
            "van_ban",
            {"van_ban": {"van_phong": {**SEED_ANSWERS["van_ban"]["van_phong"], "gui": 9000}}},
        ),
        (
            "van_ban",
            {"van_ban": {"van_phong": {**SEED_ANSWERS["van_ban"]["van_phong"], "dt_nhan": 16300}}},
        ),
    ],
)
def test_inconsistent_figures_are_refused(
    template: Template, qid: str, change: dict[str, Any]
) -> None:
    q = template.question(qid)
    assert check_constraint(q, {**SEED_ANSWERS, **change}) is False
    assert q.constraint_message


def test_skip_logic(template: Template) -> None:
    firewall = template.question("tuong_lua_cung").relevant or ""
    assert evaluate(firewall, SEED_ANSWERS) is True
    assert evaluate(firewall, {"bien_phap_an_ninh": ["phong_chong_virus"]}) is False
    units = template.question("ten_don_vi_truc_thuoc").relevant or ""
    assert evaluate(units, {"so_don_vi_truc_thuoc": 0}) is False
    other_source = template.question("nguon_kinh_phi_khac").relevant or ""
    assert evaluate(other_source, SEED_ANSWERS) is False


def test_website_address_pattern(template: Template) -> None:
    url = template.question("dia_chi_website").pattern or ""
    assert re.fullmatch(url, "http://sct.dongnai.gov.vn")
    assert re.fullmatch(url, "sct.dongnai.gov.vn")
    assert not re.fullmatch(url, "trang web của sở")


def test_render_patterns_read_like_the_seed(template: Template) -> None:
    computers = template.question("so_may_tinh").render.pattern or ""
    assert computers.format(value="64") == (
        "+ Tổng số máy tính đang sử dụng (gồm cả máy tính để bàn và máy tính xách tay): 64"
    )
    plans = template.question("van_ban_chi_dao").render.item or ""
    shown = SEED_ANSWERS["van_ban_chi_dao"][0] | {"loai": "Kế hoạch", "ngay": "26/02/2021"}
    assert plans.format(**shown) == (
        "+ Kế hoạch số 927/KH-SCT ngày 26/02/2021 về ứng dụng công nghệ thông tin giai đoạn "
        "2021-2025."
    )


def test_all_expressions_compile(template: Template) -> None:
    for q in template.iter_questions():
        for source in (q.relevant, q.constraint, q.expression):
            if source:
                compile_expression(source)
