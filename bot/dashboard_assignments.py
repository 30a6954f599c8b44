"""The dashboard's view of one agency's report: its answers as the document prints them,
its submitted versions (DOCX downloads) and returns, and returning it for correction."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.dashboard_auth import Session
from bot.dashboard_core import DOCX, STATE_LABELS, Pages, Refused, file_response, path_id
from dialogs.domain import Officer
from dialogs.pinned import round_template
from dialogs.schema import QuestionType


class AssignmentPages(Pages):
    async def assignment_page(self, request: Request, officer: Officer,
                              session: Session) -> Response:
        from bot.rollup_service import return_comments
        from renderers.report import computed_answers, format_value

        assignment_id = path_id(request.path_params["assignment_id"])
        async with self.boot.uow_factory() as uow:
            assignment = await uow.assignments.get(assignment_id)
            if assignment is None:
                raise Refused(404, "Không có phiếu báo cáo này.")
            round_ = await uow.rounds.get(assignment.round_id)
            agency = await uow.agencies.get(assignment.agency_id)
            answers = await uow.answers.get(assignment_id)
            versions = await uow.submissions.list(assignment_id)
            returns = await return_comments(uow, assignment_id)
        assert round_ is not None and agency is not None
        template = await round_template(self.boot.templates, round_)
        items = []
        if template is not None:
            values = computed_answers(template, answers)
            for number, q in enumerate(template.iter_questions(), start=1):
                if q.type is QuestionType.NOTE:
                    continue
                value = values.get(q.id)
                items.append({"n": number, "label": q.short_label,
                              "value": _show(q, value, format_value)})
        return self.d.page(
            "admin_assignment.html", officer=officer, session=session, agency=agency,
            round=round_, assignment=assignment, items=items,
            state=STATE_LABELS.get(str(assignment.status), str(assignment.status)),
            versions=[{"v": v, "at": self.d.local(v.submitted_at)} for v in versions],
            returns=[{"at": self.d.local(at), "version": v, "comment": c} for at, v, c in returns],
            can_return=str(assignment.status) == "submitted" and round_.status == "open",
            notice=request.query_params.get("notice"),
        )

    async def submission_docx(self, request: Request, officer: Officer,
                              session: Session) -> Response:
        submission_id = path_id(request.path_params["submission_id"])
        async with self.boot.uow_factory() as uow:
            found = await uow.submissions.docx(submission_id)
        if found is None:
            raise Refused(404, "Không tìm thấy tài liệu.")
        filename, data = found
        return file_response(data, DOCX, filename)

    async def return_action(self, request: Request, officer: Officer, session: Session,
                            form: dict[str, str]) -> Response:
        from bot.rollup_service import ServiceError, return_submission

        assignment_id = path_id(request.path_params["assignment_id"])
        url = f"/admin/assignments/{assignment_id}"
        now = self.boot.clock.now()
        async with self.boot.uow_factory() as uow:
            try:
                reach = await return_submission(
                    uow, assignment_id, comment=form.get("comment", ""), actor=officer,
                    channels=self.boot.channels, templates=self.boot.templates, now=now,
                    collector=self.settings.collector,
                )
            except ServiceError as exc:
                return self.d.back(url, str(exc))
            await uow.commit()
        told = len(reach.queued) + reach.duplicates
        notice = (f"Đã trả lại báo cáo; đã báo cho {told} cán bộ." if told else
                  "Đã trả lại báo cáo, nhưng cơ quan chưa có cán bộ nào liên lạc được.")
        return self.d.back(url, notice)

    def routes(self) -> list[Route]:
        g = self.d.guarded
        return [
            Route("/admin/assignments/{assignment_id}", g(self.assignment_page),
                  methods=["GET"]),
            Route("/admin/assignments/{assignment_id}/return", g(self.return_action),
                  methods=["POST"]),
            Route("/admin/submissions/{submission_id}/docx", g(self.submission_docx),
                  methods=["GET"]),
        ]


def _show(q: Any, value: Any, format_value: Any) -> str:
    if value is None or value == "" or value == []:
        return "(chưa trả lời)"
    if q.type is QuestionType.TABLE:
        parts = []
        for row in q.rows:
            cells = (value or {}).get(row.id) or {}
            shown = [
                f"{c.label}: "
                + format_value(cells.get(c.id), c.type, choices=c.choices, unit=c.unit)
                for c in q.columns if cells.get(c.id) is not None
            ]
            parts.append(f"{row.label} — " + "; ".join(shown))
        return "\n".join(parts)
    if q.type is QuestionType.REPEAT:
        lines = []
        for i, item in enumerate(value or [], start=1):
            shown = [format_value(item.get(f.id), f.type, choices=f.choices, unit=f.unit)
                     for f in q.fields]
            lines.append(f"{i}. " + "; ".join(s for s in shown if s))
        return "\n".join(lines) or "(không có mục nào)"
    text = format_value(value, q.type, choices=q.choices, unit=q.unit)
    if q.unit and q.unit != "%" and q.type is not QuestionType.TEXT and text:
        text += f" {q.unit}"
    return text
