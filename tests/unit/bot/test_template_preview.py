"""The template preview: questions as officers meet them, conditions and rules in
words, example answers every bundled template accepts, a sample document."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from docx import Document

from bot.template_preview import example_answers, expression_words, outline_rows, sample_docx
from dialogs.answers import find_problems
from dialogs.loader import load_template, load_templates

MINI = Path(__file__).parents[2] / "integration" / "dialogs" / "mini.yaml"
TODAY = dt.date(2026, 12, 7)


def test_rows_carry_numbers_progress_labels_conditions_and_rules() -> None:
    rows = outline_rows(load_template(MINI))
    assert rows[0] == {"kind": "section", "title": "THÔNG TIN CHUNG", "depth": 0,
                       "condition": ""}
    computers = next(r for r in rows if r.get("id") == "computers")
    assert computers["number"] == 2
    assert computers["progress"].startswith("Câu 2/") and "I. Thông tin chung" in \
        computers["progress"]
    assert "bắt buộc trả lời" in computers["rules"]
    assert any(r.startswith("điều kiện: câu trả lời ≤ câu 1 (Số CBCC)") for r in
               computers["rules"])
    share = next(r for r in rows if r.get("id") == "computer_share")
    assert share["number"] is None and share["type"] == "tự tính"
    assert "tính bằng: câu 2 (CBCC có máy tính) / câu 1 (Số CBCC) * 100" in share["rules"]
    conditional = [r for r in rows if r.get("conditions")]
    assert conditional and all(c.startswith(("chỉ hỏi khi", "phần"))
                               for r in conditional for c in r["conditions"])


def test_expression_words() -> None:
    names = {"a": "câu 1 (A)", "b": "câu 2 (B)"}
    assert expression_words("a >= 1 and b != 'x'", names) == "câu 1 (A) ≥ 1 và câu 2 (B) khác 'x'"
    assert expression_words("not a or b == 2", names) == "không câu 1 (A) hoặc câu 2 (B) bằng 2"


@pytest.mark.parametrize("template_id", sorted(load_templates()))
def test_example_answers_pass_the_rules_and_render(template_id: str) -> None:
    template = load_templates()[template_id]
    answers = example_answers(template, today=TODAY)
    assert answers
    problems = [(q.id, m) for q, m in find_problems(template, answers)
                if "bắt buộc" not in m and "chưa" not in m.lower()]
    assert problems == [], problems
    document = Document(io.BytesIO(sample_docx(template, province="Đồng Nai",
                                               collector="Sở Khoa học và Công nghệ",
                                               today=TODAY)))
    assert any("Sở Mẫu".upper() in p.text.upper() for p in document.paragraphs) or \
        any("SỞ MẪU" in c.text.upper() for t in document.tables for r in t.rows for c in r.cells)
