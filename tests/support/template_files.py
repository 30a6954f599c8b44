"""Template files for loader tests: the broken ones shipped with the tests and a
one-section template written from a few items."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from dialogs.loader import load_template
from dialogs.template_errors import TemplateError

BROKEN = Path(__file__).resolve().parents[1] / "unit" / "dialogs" / "broken_templates"

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
