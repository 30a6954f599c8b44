"""XLSForm expressions become the project's expression language, term by term."""

from __future__ import annotations

import pytest

from dialogs.expression_eval import evaluate
from dialogs.xlsform_expr import UntranslatableTerm, from_xlsform, to_xlsform


@pytest.mark.parametrize(
    ("xlsform", "project"),
    [
        ("${so_may}", "so_may"),
        (". >= 0", "value >= 0"),
        ("./van_phong/gui <= ./van_phong/tong", "value.van_phong.gui <= value.van_phong.tong"),
        ("${bang}/van_phong/gui", "bang.van_phong.gui"),
        ("../gui + ../nhan", "gui + nhan"),
        ("selected(${bien_phap}, 'tuong_lua')", "selected(bien_phap, 'tuong_lua')"),
        ("count-selected(${bien_phap}) > 1", "count(bien_phap) > 1"),
        ("if(${a} > 0, ${b}, 0)", "if(a > 0, b, 0)"),
        ("${a} div ${b} * 100", "a / b * 100"),
        ("${a} mod 2 = 0", "a % 2 == 0"),
        ("${a} > 0 and ${b} < 5 or ${c} != 1", "a > 0 and b < 5 or c != 1"),
        ("not(${a} = 1)", "not(a == 1)"),
        ("sum(${van_ban}/so)", "sum(van_ban.so)"),
        ("count(${van_ban})", "count(van_ban)"),
        ("${a} <= ${b} and ${a} >= 1", "a <= b and a >= 1"),
        ("${co} = true() or ${co} = false( )", "co == true or co == false"),
        ("min(${a}, ${b}) + max(${a}, 2) - abs(round(${c}, 1))",
         "min(a, b) + max(a, 2) - abs(round(c, 1))"),
        ("coalesce(${a}, 0) + 1.5", "coalesce(a, 0) + 1.5"),
        ('${ten} = "Sở"', 'ten == "Sở"'),
    ],
)
def test_each_xlsform_form_is_translated(xlsform: str, project: str) -> None:
    assert from_xlsform(xlsform) == project


def test_the_translation_evaluates_like_odk_would() -> None:
    env = {"a": 7, "b": 2, "m": ["x", "y"], "value": 3}
    assert evaluate(from_xlsform("${a} div ${b}"), env) == 3.5
    assert evaluate(from_xlsform("${a} mod ${b}"), env) == 1
    assert evaluate(from_xlsform("count-selected(${m})"), env) == 2
    assert evaluate(from_xlsform("if(selected(${m}, 'y'), 1, 0)"), env) == 1
    assert evaluate(from_xlsform(". = 3 and not(${a} = 1)"), env) is True


@pytest.mark.parametrize(
    ("xlsform", "term"),
    [
        ("today() > ${ngay}", "today()"),
        ("concat(${a}, 'x')", "concat()"),
        ("string-length(.) > 3", "string-length()"),
        ("so_may + 1", "so_may"),
        ("${a} | ${b}", "|"),
        ("${a}[1]", "["),
        ("${có dấu} > 1", "${có dấu}"),
        ("true(1)", "true(…)"),
    ],
)
def test_an_untranslatable_term_is_named(xlsform: str, term: str) -> None:
    with pytest.raises(UntranslatableTerm) as caught:
        from_xlsform(xlsform)
    assert caught.value.term == term


@pytest.mark.parametrize(
    "project",
    [
        "value <= so_cbcc",
        "so_tthc_muc_3 / so_tthc * 100",
        "value.ho_so.truc_tuyen + value.ho_so.truc_tiep == value.ho_so.tong",
        "selected(nguon_kinh_phi, 'khac') and count(x) % 2 != 0",
        "value + coalesce(so_tthc_muc_3, 0) <= so_tthc",
        "empty(a) or a == true",
    ],
)
def test_project_expressions_survive_export_and_import(project: str) -> None:
    assert from_xlsform(to_xlsform(project)) == project


def test_sibling_columns_are_written_relative_on_export() -> None:
    assert to_xlsform("gui + nhan", siblings=True) == "../gui + ../nhan"


@pytest.mark.parametrize("project", ["a // 2", "a ** 2", "a if b else c", "x in y", "null"])
def test_project_only_forms_cannot_be_exported(project: str) -> None:
    with pytest.raises(UntranslatableTerm):
        to_xlsform(project)
