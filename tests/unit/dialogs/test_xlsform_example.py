"""The README's XLSForm example ships in the repository, is what its script writes,
and is a complete, valid template."""

from __future__ import annotations

import io
import runpy
from pathlib import Path

from bot.template_service import validate_upload
from dialogs.schema import QuestionType

EXAMPLES = Path(__file__).resolve().parents[3] / "dialogs" / "examples"
README = Path(__file__).resolve().parents[3] / "README.md"


def load(data: bytes):  # type: ignore[no-untyped-def]
    result = validate_upload(data, "khao_sat_thiet_bi.xlsx")
    assert result.problems == [], [p.text for p in result.problems]
    assert result.template is not None
    return result.template


def test_the_shipped_example_is_what_the_script_writes() -> None:
    script = runpy.run_path(str(EXAMPLES / "make_xlsform_example.py"))
    out = io.BytesIO()
    script["build"]().save(out)
    shipped = load((EXAMPLES / "khao_sat_thiet_bi.xlsx").read_bytes())
    assert shipped.model_dump() == load(out.getvalue()).model_dump()


def test_the_example_uses_every_kind_of_question() -> None:
    template = load((EXAMPLES / "khao_sat_thiet_bi.xlsx").read_bytes())
    types = {q.type for q in template.iter_questions()}
    assert {QuestionType.INTEGER, QuestionType.COMPUTED, QuestionType.YES_NO,
            QuestionType.SELECT_MULTIPLE, QuestionType.TEXT, QuestionType.NOTE,
            QuestionType.TABLE, QuestionType.REPEAT} <= types
    assert template.question("so_may_lan").relevant == "co_mang_lan == true"


def test_the_readme_explains_the_example() -> None:
    text = README.read_text(encoding="utf-8")
    assert "## Soạn mẫu báo cáo bằng Excel (XLSForm)" in text
    assert "dialogs/examples/khao_sat_thiet_bi.xlsx" in text
