"""Checks of a template beyond its schema: ids, choices, tables and repeats,
expressions and their names, cycles, placeholders, bounds and patterns."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from dialogs.loader import load_template
from dialogs.schema import QuestionType
from tests.support.template_files import BROKEN, HEADER, load_error, write_template


class TestRules:
    @pytest.mark.parametrize(
        ("items", "question_id", "problem"),
        [
            (
                "- {id: SoMayTinh, type: integer, prompt: A}\n",
                "SoMayTinh",
                "must be lowercase letters",
            ),
            (
                "- {id: bang, type: table, prompt: B, columns: [{id: c, label: C}]}\n",
                "bang",
                "table has no rows",
            ),
            (
                "- {id: bang, type: table, prompt: B, rows: [{id: r, label: R}]}\n",
                "bang",
                "table has no columns",
            ),
            ("- {id: ds, type: repeat, prompt: D}\n", "ds", "repeat has no fields"),
            (
                "- {id: tl, type: computed, prompt: T}\n",
                "tl",
                "computed question has no expression",
            ),
            (
                "- {id: a, type: integer, prompt: A, min: 10, max: 1}\n",
                "a",
                "min (10.0) is greater than max (1.0)",
            ),
            (
                "- {id: a, type: text, prompt: A, pattern: '([a-z'}\n",
                "a",
                "not a valid regex",
            ),
            (
                "- {id: a, type: integer, prompt: A, relevant: 'b >'}\n",
                "a",
                "relevant: syntax error",
            ),
            (
                "- {id: a, type: integer, prompt: A, relevant: 'value > 1'}\n",
                "a",
                "'value', which exists only in a constraint",
            ),
            (
                "- {id: a, type: integer, prompt: A, constraint: 'open(value)'}\n",
                "a",
                "unknown function 'open'",
            ),
            (
                "- {id: a, type: integer, prompt: A, render: {pattern: 'Số: {gia_tri}'}}\n",
                "a",
                "unknown placeholder '{gia_tri}'",
            ),
            (
                "- {id: a, type: integer, prompt: A, render: {pattern: 'Số: {value'}}\n",
                "a",
                "unbalanced braces",
            ),
            (
                "- {id: a, type: integer, prompt: A, render: {pattern: '{value.__class__}'}}\n",
                "a",
                "unknown placeholder",
            ),
            (
                "- {id: a, type: text, prompt: A, rollup: sum}\n",
                "a",
                "rollup 'sum' needs a number",
            ),
            (
                "- {id: a, type: integer, prompt: A, rollup: ratio_of_sums}\n",
                "a",
                "only for computed",
            ),
            (
                "- {id: a, type: computed, prompt: A, expression: 'a + 1'}\n",
                "a",
                "cycle: a → a",
            ),
        ],
    )
    def test_rule(self, tmp_path: Path, items: str, question_id: str, problem: str) -> None:
        err = load_error(write_template(tmp_path, items))
        assert err.file == "mau.yaml"
        assert err.question_id == question_id
        assert problem in err.problem, err.problem

    def test_question_and_section_share_one_id_space(self, tmp_path: Path) -> None:
        err = load_error(write_template(tmp_path, "- {id: phan_mot, type: integer, prompt: A}\n"))
        assert err.question_id == "phan_mot"
        assert "already used by a section" in err.problem

    def test_expression_naming_a_section(self, tmp_path: Path) -> None:
        items = "- {id: a, type: integer, prompt: A, relevant: 'phan_mot > 0'}\n"
        err = load_error(write_template(tmp_path, items))
        assert "section 'phan_mot', which has no value" in err.problem

    def test_unknown_text_placeholder_in_subject(self, tmp_path: Path) -> None:
        header = HEADER.replace("{period}", "{ky_bao_cao}")
        err = load_error(write_template(tmp_path, "- {id: a, type: integer, prompt: A}\n", header))
        assert err.question_id is None
        assert "subject uses unknown placeholder '{ky_bao_cao}'" in err.problem

    def test_section_relevant_is_checked(self, tmp_path: Path) -> None:
        header = HEADER.replace('title: "PHẦN MỘT"', "title: X\n    relevant: 'khong_co > 0'")
        err = load_error(write_template(tmp_path, "- {id: a, type: integer, prompt: A}\n", header))
        assert err.item_kind == "section"
        assert str(err).startswith("mau.yaml: section 'phan_mot': relevant names unknown question")

    def test_duplicate_id_points_at_both_places(self) -> None:
        err = load_error(BROKEN / "duplicate_id.yaml")
        assert err.line == 14
        assert "line 8" in err.problem


class TestTablesAndRepeats:
    TABLE = """
    - id: van_ban
      type: table
      prompt: "Văn bản"
      rows: [{id: van_phong, label: "Văn phòng"}]
      columns:
        - {id: tong, label: Tổng}
        - {id: gui, label: Gửi}
        - {id: ty_le, label: Tỷ lệ, type: computed, expression: "{expr}"}
      constraint: "{constraint}"
    """

    def table(self, tmp_path: Path, expr: str = "gui / tong * 100", constraint: str = "") -> Path:
        text = self.TABLE.replace("{expr}", expr).replace(
            "{constraint}", constraint or "value.van_phong.gui <= value.van_phong.tong"
        )
        return write_template(tmp_path, text)

    def test_valid_table_loads(self, tmp_path: Path) -> None:
        template = load_template(self.table(tmp_path))
        question = template.question("van_ban")
        assert question.type == QuestionType.TABLE
        assert [c.id for c in question.columns] == ["tong", "gui", "ty_le"]

    def test_computed_column_names_only_row_columns(self, tmp_path: Path) -> None:
        err = load_error(self.table(tmp_path, expr="nhan / tong * 100"))
        assert err.question_id == "van_ban"
        assert "column 'ty_le' expression names unknown column 'nhan'" in err.problem
        assert "gui, tong, ty_le" in err.problem

    def test_computed_column_cycle(self, tmp_path: Path) -> None:
        err = load_error(self.table(tmp_path, expr="ty_le + 1"))
        assert "ty_le → ty_le" in err.problem

    def test_constraint_path_with_unknown_column(self, tmp_path: Path) -> None:
        err = load_error(self.table(tmp_path, constraint="value.van_phong.nhan <= 1"))
        assert "table 'van_ban' has no column 'nhan'" in err.problem

    def test_constraint_path_with_unknown_row(self, tmp_path: Path) -> None:
        err = load_error(self.table(tmp_path, constraint="value.tong.gui <= 1"))
        assert "table 'van_ban' has no row 'tong'" in err.problem

    def test_other_question_path_into_table(self, tmp_path: Path) -> None:
        text = self.table(tmp_path).read_text(encoding="utf-8") + textwrap.indent(
            "- {id: x, type: integer, prompt: X, constraint: 'value <= van_ban.van_phong.gu'}\n",
            " " * 6,
        )
        path = tmp_path / "mau.yaml"
        path.write_text(text, encoding="utf-8")
        err = load_error(path)
        assert err.question_id == "x"
        assert "has no column 'gu'" in err.problem

    def test_path_into_a_scalar(self, tmp_path: Path) -> None:
        items = """
        - {id: a, type: integer, prompt: A}
        - {id: b, type: integer, prompt: B, constraint: 'value <= a.tong'}
        """
        err = load_error(write_template(tmp_path, items))
        assert "question 'a' (integer) has no fields" in err.problem

    def test_repeat_item_pattern_uses_field_ids(self, tmp_path: Path) -> None:
        items = """
        - id: ds
          type: repeat
          prompt: D
          fields: [{id: so_ky_hieu, label: Số, type: text}]
          render: {style: bullets, item: "{so_ky_hieu} ngày {ngay}"}
        """
        err = load_error(write_template(tmp_path, items))
        assert err.question_id == "ds"
        assert "render item uses unknown placeholder '{ngay}'" in err.problem

    def test_repeat_field_select_without_choices(self, tmp_path: Path) -> None:
        items = """
        - id: ds
          type: repeat
          prompt: D
          fields: [{id: cap_do, label: Cấp độ, type: select_one}]
        """
        err = load_error(write_template(tmp_path, items))
        assert "field 'cap_do'" in err.problem
        assert "needs choices" in err.problem

    def test_table_column_cannot_be_a_table(self, tmp_path: Path) -> None:
        items = """
        - id: bang
          type: table
          prompt: B
          rows: [{id: r, label: R}]
          columns: [{id: c, label: C, type: repeat}]
        """
        err = load_error(write_template(tmp_path, items))
        assert "type 'repeat' cannot be used in a column" in err.problem

    def test_duplicate_row_id(self, tmp_path: Path) -> None:
        items = """
        - id: bang
          type: table
          prompt: B
          rows: [{id: r, label: R}, {id: r, label: R2}]
          columns: [{id: c, label: C}]
        """
        assert "duplicate row id 'r'" in load_error(write_template(tmp_path, items)).problem
