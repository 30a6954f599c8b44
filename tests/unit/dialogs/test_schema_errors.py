"""The schema's complaints about a template, reworded: the misspelt key with a
suggestion, the item named by id or by prompt and place, and the line."""

from __future__ import annotations

from pathlib import Path

from tests.support.template_files import BROKEN, HEADER, load_error, write_template


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

    def test_missing_id_names_the_question_by_prompt_and_place(self) -> None:
        err = load_error(BROKEN / "missing_id.yaml")
        assert err.question_id is None
        assert "missing 'id'" in err.problem
        assert "'Tổng số máy chủ?'" in str(err)
        assert "sections[0].items[1]" in str(err)
        assert err.line == 11


    def test_unknown_type_points_at_its_line(self) -> None:
        assert load_error(BROKEN / "unknown_type.yaml").line == 12
