"""Template loading: broken templates fail with the file, the question and the problem."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from dialogs.loader import bundled_template_dir, load_template, load_templates
from dialogs.schema import QuestionType, Template
from dialogs.template_errors import TemplateError

BROKEN = Path(__file__).parent / "broken_templates"

HEADER = """\
id: mau_thu
name: "Mẫu thử"
subject: "Báo cáo của {agency} {period}"
sections:
  - id: phan_mot
    title: "PHẦN MỘT"
    items:
"""


def write_template(
    tmp_path: Path, items: str, header: str = HEADER, name: str = "mau.yaml"
) -> Path:
    """A one-section template whose items are ``items`` (YAML, indented 6 spaces)."""
    path = tmp_path / name
    path.write_text(header + textwrap.indent(textwrap.dedent(items), " " * 6), encoding="utf-8")
    return path


def load_error(path: Path) -> TemplateError:
    with pytest.raises(TemplateError) as info:
        load_template(path)
    return info.value


class TestBrokenFiles:
    """Each bundled broken template names its file, its question and its problem."""

    @pytest.mark.parametrize(
        ("file", "question_id", "problem"),
        [
            ("unknown_type.yaml", "so_may_in", "unknown question type 'xyz' (allowed: text,"),
            ("unknown_name.yaml", "so_may_tinh_lan", "unknown question 'so_may_tinh_tong'"),
            ("cycle.yaml", "ty_le_a", "cycle: ty_le_a → ty_le_b → ty_le_c → ty_le_a"),
            ("duplicate_id.yaml", "so_may_tinh", "duplicate id"),
            ("select_without_choices.yaml", "nguon_kinh_phi", "needs choices"),
        ],
    )
    def test_named_question(self, file: str, question_id: str, problem: str) -> None:
        err = load_error(BROKEN / file)
        assert err.file == file
        assert err.question_id == question_id
        assert problem in err.problem
        assert str(err).startswith(f"{file}: question '{question_id}': ")

    def test_missing_id_names_the_question_by_prompt_and_place(self) -> None:
        err = load_error(BROKEN / "missing_id.yaml")
        assert err.question_id is None
        assert "missing 'id'" in err.problem
        assert "'Tổng số máy chủ?'" in str(err)
        assert "sections[0].items[1]" in str(err)
        assert err.line == 11

    def test_bad_yaml_names_the_line(self) -> None:
        err = load_error(BROKEN / "bad_yaml.yaml")
        assert err.file == "bad_yaml.yaml"
        assert "YAML syntax error at line 10" in str(err)
        assert "indentation" in str(err)

    def test_duplicate_id_points_at_both_places(self) -> None:
        err = load_error(BROKEN / "duplicate_id.yaml")
        assert err.line == 14
        assert "line 8" in err.problem

    def test_unknown_type_points_at_its_line(self) -> None:
        assert load_error(BROKEN / "unknown_type.yaml").line == 12


class TestSchemaErrors:
    def test_misspelt_key_suggests_the_right_one(self, tmp_path: Path) -> None:
        path = write_template(
            tmp_path,
            """
            - id: so_may_tinh
              type: integer
              promt: "Tổng số máy tính?"
            """,
        )
        err = load_error(path)
        assert err.question_id == "so_may_tinh"
        assert "unknown key 'promt'" in err.problem
        assert "did you mean 'prompt'" in err.problem

    def test_misspelt_render_key(self, tmp_path: Path) -> None:
        path = write_template(
            tmp_path,
            """
            - id: so_may_tinh
              type: integer
              prompt: "Tổng số máy tính?"
              render: {patern: "- {value}"}
            """,
        )
        err = load_error(path)
        assert "unknown key 'render.patern'" in err.problem
        assert "'pattern'" in err.problem

    def test_unknown_top_level_key(self, tmp_path: Path) -> None:
        path = write_template(
            tmp_path,
            """
            - id: a
              type: integer
              prompt: "A?"
            """,
            header=HEADER.replace("name:", "nam: x\nname:"),
        )
        err = load_error(path)
        assert err.question_id is None
        assert "unknown key 'nam'" in err.problem
        assert "did you mean 'name'" in err.problem

    def test_missing_subject(self, tmp_path: Path) -> None:
        header = HEADER.replace('subject: "Báo cáo của {agency} {period}"\n', "")
        err = load_error(write_template(tmp_path, "- {id: a, type: integer, prompt: A}\n", header))
        assert "missing required key 'subject'" in err.problem

    def test_unquoted_number_as_choice_value(self, tmp_path: Path) -> None:
        path = write_template(
            tmp_path,
            """
            - id: cap_do
              type: select_one
              prompt: "Cấp độ?"
              choices:
                - {value: 1, label: "Cấp độ 1"}
            """,
        )
        err = load_error(path)
        assert err.question_id == "cap_do"
        assert "quote it" in err.problem

    def test_invalid_rollup(self, tmp_path: Path) -> None:
        path = write_template(tmp_path, "- {id: a, type: integer, prompt: A, rollup: average}\n")
        err = load_error(path)
        assert err.question_id == "a"
        assert "'average'" in err.problem
        assert "'sum'" in err.problem

    def test_unknown_column_type(self, tmp_path: Path) -> None:
        path = write_template(
            tmp_path,
            """
            - id: bang
              type: table
              prompt: "Bảng"
              rows: [{id: r, label: R}]
              columns: [{id: c, label: C, type: money}]
            """,
        )
        err = load_error(path)
        assert err.question_id == "bang"
        assert "unknown column type 'money'" in err.problem

    def test_not_a_mapping(self, tmp_path: Path) -> None:
        path = tmp_path / "list.yaml"
        path.write_text("- a\n- b\n", encoding="utf-8")
        assert "mapping" in load_error(path).problem

    def test_missing_file(self, tmp_path: Path) -> None:
        err = load_error(tmp_path / "khong_co.yaml")
        assert err.file == "khong_co.yaml"
        assert "cannot read" in err.problem


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


class TestLoading:
    def test_kind_is_inferred_for_nested_sections(self, tmp_path: Path) -> None:
        items = """
        - id: muc_con
          title: "Mục con"
          items:
            - {id: a, type: integer, prompt: A}
        - {id: b, type: yes_no, prompt: B}
        """
        template = load_template(write_template(tmp_path, items))
        assert [q.id for q in template.iter_questions()] == ["a", "b"]

    def test_latest_version_wins(self, tmp_path: Path) -> None:
        item = "- {id: a, type: integer, prompt: A}\n"
        write_template(tmp_path, item, HEADER.replace("name:", "version: 1\nname:"), "v1.yaml")
        write_template(tmp_path, item, HEADER.replace("name:", "version: 3\nname:"), "v3.yaml")
        write_template(tmp_path, item, HEADER.replace("name:", "version: 2\nname:"), "v2.yaml")
        templates = load_templates(tmp_path)
        assert list(templates) == ["mau_thu"]
        assert templates["mau_thu"].version == 3

    def test_same_id_and_version_twice_is_an_error(self, tmp_path: Path) -> None:
        item = "- {id: a, type: integer, prompt: A}\n"
        write_template(tmp_path, item, name="a.yaml")
        write_template(tmp_path, item, name="b.yaml")
        with pytest.raises(TemplateError, match=r"b\.yaml: .*also defined in a\.yaml"):
            load_templates(tmp_path)

    def test_bundled_templates_all_load(self) -> None:
        templates = load_templates()
        assert "annual_it" in templates
        assert all(isinstance(t, Template) for t in templates.values())
        assert load_templates(bundled_template_dir()).keys() == templates.keys()

    def test_template_error_is_a_value_error(self) -> None:
        err = TemplateError("a.yaml", "problem", "q1", line=3)
        assert isinstance(err, ValueError)
        assert str(err) == "a.yaml: question 'q1': problem (line 3)"
