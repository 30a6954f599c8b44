"""Audit details read as sentences: the cells and items that changed, not the whole
table twice; submissions and deadline changes in Vietnamese."""

from __future__ import annotations

from bot.audit_text import answer_change, entry_detail
from dialogs.loader import load_template
from tests.integration.dialogs.conftest import HERE

MINI = load_template(HERE / "mini.yaml")


def test_a_table_edit_names_the_cell_that_changed() -> None:
    docs = MINI.question("docs")
    old = {"office": {"total": 25430, "electronic": 23841}}
    new = {"office": {"total": 25431, "electronic": 23841}}
    assert answer_change(docs, old, new) == (
        "Số văn bản trong kỳ: dòng “Văn phòng”, cột “Số văn bản – Tổng”: 25.430 → 25.431")
    assert "(trống) → 23.841" in answer_change(docs, {"office": {"total": 1}},
                                               {"office": {"total": 1, "electronic": 23841}})


def test_a_list_edit_names_the_item_and_field() -> None:
    plans = MINI.question("plans")
    old = [{"number": "927/KH-SCT", "date": "2021-02-26"}]
    new = [{"number": "928/KH-SCT", "date": "2021-02-26"}, {"number": "1/KH"}]
    text = answer_change(plans, old, new)
    assert "mục 1, “Số ký hiệu”: 927/KH-SCT → 928/KH-SCT" in text
    assert "thêm mục 2: 1/KH" in text
    assert "xóa mục 2: 1/KH" in answer_change(plans, new, new[:1])


def test_a_scalar_edit_and_entries_in_vietnamese() -> None:
    assert answer_change(MINI.question("staff"), None, 56) == "Số CBCC: (trống) → 56"
    assert entry_detail("submission.add", {"submission_id": 3, "version": 1,
                                           "filename": "BC-SCT-1.docx"}) == \
        "bản 1, tệp BC-SCT-1.docx"
    assert entry_detail("round.deadline", {"old": "2026-12-18", "new": "2026-12-25"}) == \
        "hạn nộp 18/12/2026 → 25/12/2026"
    assert "=" not in entry_detail("assignment.status", {"old": "in_progress",
                                                         "new": "submitted"})
