"""Issue 18, point 5: the header's left column fits long names on one line where the
page allows, else breaks between words at a natural place; a People's Committee
issues in its own name."""

from __future__ import annotations

import dataclasses

import pytest

from dialogs.domain import DocumentInfo
from renderers.header_layout import break_name, issues_in_own_name
from renderers.report import render_report
from tests.unit.renderers.conftest import AGENCY, ROUND, SAMPLE, make_template
from tests.unit.renderers.readback import open_docx


def _header_left(name: str, governing_body: str = "UBND TỈNH ĐỒNG NAI") -> list[str]:
    agency = dataclasses.replace(AGENCY, name=name, governing_body=governing_body)
    doc = open_docx(render_report(make_template(SAMPLE), {}, DocumentInfo(agency, ROUND)))
    return [p.text for p in doc.tables[0].rows[0].cells[0].paragraphs if p.text]


@pytest.mark.parametrize("name", ["Sở Khoa học và Công nghệ", "Sở Thông tin và Truyền thông"])
def test_long_names_on_one_line(name: str) -> None:
    assert _header_left(name) == ["UBND TỈNH ĐỒNG NAI", name.upper()]


def test_too_long_name_breaks_before_va() -> None:
    assert _header_left("Sở Nông nghiệp và Phát triển nông thôn") == [
        "UBND TỈNH ĐỒNG NAI", "SỞ NÔNG NGHIỆP", "VÀ PHÁT TRIỂN NÔNG THÔN"]


def test_never_splits_a_word_of_the_name() -> None:
    lines = break_name("SỞ KHOA HỌC VÀ CÔNG NGHỆ", 3000, bold=True)
    assert lines == ["SỞ KHOA HỌC", "VÀ CÔNG NGHỆ"]


def test_peoples_committee_issues_in_its_own_name() -> None:
    assert issues_in_own_name("Ủy ban nhân dân phường Tân Phong")
    assert issues_in_own_name("UBND xã Phước Thiền")
    assert not issues_in_own_name("Văn phòng UBND tỉnh Quảng Trị")
    lines = _header_left("Ủy ban nhân dân phường Tân Phong")
    assert lines == ["ỦY BAN NHÂN DÂN", "PHƯỜNG TÂN PHONG"]
