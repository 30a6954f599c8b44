"""A template's YAML: syntax errors name their line, the file must hold a mapping,
an alias bomb is refused, and an item's kind is inferred."""

from __future__ import annotations

from pathlib import Path

import pytest

from dialogs.loader import load_template, load_template_text
from dialogs.template_errors import TemplateError
from tests.support.template_files import BROKEN, load_error, write_template


class TestParsing:
    def test_bad_yaml_names_the_line(self) -> None:
        err = load_error(BROKEN / "bad_yaml.yaml")
        assert err.file == "bad_yaml.yaml"
        assert "YAML syntax error at line 10" in str(err)
        assert "indentation" in str(err)


    def test_not_a_mapping(self, tmp_path: Path) -> None:
        path = tmp_path / "list.yaml"
        path.write_text("- a\n- b\n", encoding="utf-8")
        assert "mapping" in load_error(path).problem


    def test_an_alias_bomb_is_refused_before_it_is_built(self) -> None:
        lines = ['a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
        for level in "bcdefgh":
            previous = chr(ord(level) - 1)
            lines.append(f"{level}: &{level} [{', '.join(['*' + previous] * 10)}]")
        with pytest.raises(TemplateError, match="alias bomb"):
            load_template_text("\n".join(lines), "bomb.yaml")


class TestKinds:
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
