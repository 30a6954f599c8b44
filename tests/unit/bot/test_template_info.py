"""``baocao templates show --json``: every question, in order, with its rules."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from bot.cli import cli
from bot.template_info import describe_template, format_template
from dialogs.loader import load_templates


def test_annual_template_description_numbers_every_asked_question() -> None:
    template = load_templates()["annual_it"]
    info = describe_template(template)
    questions = info["questions"]
    assert [q["id"] for q in questions] == [q.id for q in template.iter_questions()]
    numbers = [q["number"] for q in questions if q["number"] is not None]
    assert numbers == list(range(1, info["asked"] + 1))
    assert all(q["number"] is None for q in questions if q["type"] in ("computed", "note"))

    by_id = {q["id"]: q for q in questions}
    assert by_id["so_cbcc"]["section"] == ["HẠ TẦNG KỸ THUẬT"]
    assert by_id["so_cbcc"]["rules"]["required"] is True
    assert by_id["so_cbcc"]["rules"]["prefill"] == "previous"
    assert by_id["so_cbcc_co_may_tinh"]["rules"]["constraint"] == "value <= so_cbcc"
    repeat = by_id["van_ban_chi_dao"]
    assert [f["id"] for f in repeat["fields"]] == ["loai", "so_ky_hieu", "ngay", "trich_yeu"]
    assert repeat["fields"][0]["choices"][0] == {"value": "ke_hoach", "label": "Kế hoạch"}


def test_templates_show_json_and_text_from_the_cli(tmp_path: Path) -> None:
    runner = CliRunner()
    db = ["--database-url", f"sqlite+aiosqlite:///{tmp_path}/t.sqlite3"]
    result = runner.invoke(cli, [*db, "templates", "show", "annual_it", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["id"] == "annual_it"
    assert data["questions"][0]["prompt"].startswith("Anh/Chị")

    text = runner.invoke(cli, [*db, "templates", "show", "annual_it"])
    assert text.exit_code == 0
    assert text.output.strip() == format_template(load_templates()["annual_it"])
    assert "  3. so_cbcc (integer) [bắt buộc]: Tổng số CBCC" in text.output


def test_unknown_template_is_a_one_line_error(tmp_path: Path) -> None:
    db = ["--database-url", f"sqlite+aiosqlite:///{tmp_path}/t.sqlite3"]
    result = CliRunner().invoke(cli, [*db, "templates", "show", "khong_co"])
    assert result.exit_code == 1
    assert "Lỗi: Không có mẫu 'khong_co'. Có: " in result.output
    assert "Traceback" not in result.output
