"""Every bundled template exported to XLSForm and read back through pyxform is the
same questionnaire, and renders byte-identical DOCX for the same answers (the
seed reports' answers, tests/support/seed00*.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from bot.template_info import describe_template
from bot.template_service import export_template, validate_upload
from dialogs.domain import Agency, DocumentInfo, Round
from dialogs.loader import load_templates
from dialogs.schema import Question, QuestionType, Template
from dialogs.values import InvalidAnswer, parse_answer
from renderers.report import render_report
from tests.support import seed000, seed001, seed002, seed003, seed004
from tests.support.answer_plan import SKIP, AnswerPlan

SEED003 = AnswerPlan(scalars=seed003.SCALARS, cells=seed003.CELLS, repeats=seed003.REPEATS)
PLANS: dict[str, tuple[AnswerPlan, dict[str, Any]]] = {
    "covid_cong_van": (seed000.PLAN, seed000.AGENCY),
    "cong_van_ngan": (seed001.PLAN, seed001.AGENCY),
    "ct02_chu_ky_so": (seed002.PLAN, seed002.AGENCY),
    "annual_it": (SEED003, seed000.AGENCY),
    "periodic_it": (seed004.PLAN, seed004.AGENCY),
}


def _parse(spec: Any, text: str) -> Any:
    if text == SKIP:
        return None
    try:
        return parse_answer(spec, text)
    except InvalidAnswer:
        return None


def answers_from(plan: AnswerPlan, template: Template) -> dict[str, Any]:
    """The stored answers the plan's typed texts become (no conversation needed)."""
    answers: dict[str, Any] = {}
    for q in template.iter_questions():
        value = _answer(plan, q)
        if value not in (None, {}, []):
            answers[q.id] = value
    return answers


def _answer(plan: AnswerPlan, q: Question) -> Any:
    if q.type == QuestionType.TABLE:
        table: dict[str, dict[str, Any]] = {}
        for row in q.rows:
            for col in q.columns:
                text = plan.cells.get((q.id, row.id, col.id))
                if text is not None and col.type != QuestionType.COMPUTED:
                    value = _parse(col, text)
                    if value is not None:
                        table.setdefault(row.id, {})[col.id] = value
        return table
    if q.type == QuestionType.REPEAT:
        return [
            {f.id: _parse(f, item[f.id]) for f in q.fields if f.id in item}
            for item in plan.repeats.get(q.id, [])
        ]
    if q.id in plan.scalars and q.type not in (QuestionType.COMPUTED, QuestionType.NOTE):
        return _parse(q, plan.scalars[q.id])
    return None


def _info(agency: dict[str, Any], template: Template) -> DocumentInfo:
    return DocumentInfo(
        agency=Agency(id=1, **agency),
        round=Round(id=7, template_id=template.id, template_version=template.version,
                    period_label="năm 2026", period_start=dt.date(2026, 1, 1),
                    period_end=dt.date(2026, 12, 15), deadline=dt.date(2026, 12, 20)),
        number=12, issued_on=dt.date(2026, 12, 18),
        rendered_at=dt.datetime(2026, 12, 18, 8, 30, tzinfo=dt.UTC),
    )


@pytest.mark.parametrize("template_id", sorted(PLANS))
def test_export_to_xlsform_and_back_is_the_same_questionnaire_and_document(
    template_id: str,
) -> None:
    template = load_templates()[template_id]
    workbook = export_template(template, "xlsform")
    assert workbook[:2] == b"PK"

    result = validate_upload(workbook, f"{template_id}.xlsx")

    assert result.problems == []
    assert result.format == "xlsform"
    again = result.template
    assert again is not None
    assert again.model_dump() == template.model_dump()
    assert describe_template(again) == describe_template(template)

    plan, agency = PLANS[template_id]
    answers = answers_from(plan, template)
    info = _info(agency, template)
    docx = render_report(template, answers, info)
    assert docx != render_report(template, {}, info), "the seed's answers must show"
    assert render_report(again, answers, info) == docx


@pytest.mark.parametrize("template_id", sorted(PLANS))
def test_export_to_yaml_and_back_is_the_same_template(template_id: str) -> None:
    template = load_templates()[template_id]
    result = validate_upload(export_template(template, "yaml"), f"{template_id}.yaml")
    assert result.problems == []
    assert result.template is not None
    assert result.template.model_dump() == template.model_dump()
