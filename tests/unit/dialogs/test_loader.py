"""Template loading: every file of a folder, the latest version of each id, and
broken templates failing with the file, the question and the problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from dialogs.loader import bundled_template_dir, load_templates
from dialogs.schema import Template
from dialogs.template_errors import TemplateError
from tests.support.template_files import BROKEN, HEADER, load_error, write_template


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

    def test_missing_file(self, tmp_path: Path) -> None:
        err = load_error(tmp_path / "khong_co.yaml")
        assert err.file == "khong_co.yaml"
        assert "cannot read" in err.problem


class TestLoading:
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
