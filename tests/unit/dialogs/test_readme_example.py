"""The template example in README.md ("Adding a template") loads and renders as is."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

from docx import Document

from dialogs.domain import Agency, DocumentInfo, Round
from dialogs.loader import load_template
from renderers.report import render_report

README = Path(__file__).resolve().parents[3] / "README.md"


def readme_template_example() -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Adding a template", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```yaml\n(.*?)```", section, flags=re.DOTALL)
    assert len(blocks) == 1, "the section shows one YAML example"
    return blocks[0]


def test_readme_example_loads_and_renders(tmp_path: Path) -> None:
    path = tmp_path / "staff_survey.yaml"
    path.write_text(readme_template_example(), encoding="utf-8")
    template = load_template(path)
    assert template.id == "staff_survey"
    assert [q.id for q in template.iter_questions()] == [
        "so_cbcc", "so_cntt", "ty_le_cntt", "kho_khan",
    ]
    agency = Agency(id=1, name="Sở Công Thương", abbreviation="SCT",
                    governing_body="UBND TỈNH ĐỒNG NAI", place="Đồng Nai",
                    signer_name="Nguyễn Văn A")
    round_ = Round(id=1, template_id=template.id, template_version=template.version,
                   period_label="năm 2026", period_start=dt.date(2025, 12, 15),
                   period_end=dt.date(2026, 12, 14), deadline=dt.date(2026, 12, 18))
    data = render_report(template, {"so_cbcc": 56, "so_cntt": 2, "kho_khan": "Thiếu máy."},
                         DocumentInfo(agency=agency, round=round_))
    body = [p.text for p in Document(io.BytesIO(data)).paragraphs]
    assert "Nhân lực công nghệ thông tin của Sở Công Thương năm 2026" in body
    assert "- Tổng số cán bộ, công chức: 56 người." in body
