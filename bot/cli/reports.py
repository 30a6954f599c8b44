"""``baocao render`` and ``baocao audit``: one assignment's draft document and its history."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from bot.cli.common import Fail, database_option, load_settings, run, table, with_app
from dialogs.domain import Assignment, Round
from storage.uow import SqlUnitOfWork


async def _assignment(uow: SqlUnitOfWork, assignment_id: int) -> tuple[Assignment, Round]:
    """The assignment and its round; :class:`Fail` when either is missing."""
    assignment = await uow.assignments.get(assignment_id)
    if assignment is None:
        raise Fail(f"Không có phiếu số {assignment_id}.")
    round_ = await uow.rounds.get(assignment.round_id)
    if round_ is None:
        raise Fail(f"Phiếu số {assignment_id} thiếu đợt báo cáo.")
    return assignment, round_


@click.command("render")
@click.argument("assignment_id", type=int)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Tệp DOCX cần ghi.")
@click.option("--pdf", "as_pdf", is_flag=True,
              help="Ghi thêm bản PDF cạnh tệp DOCX (cần LibreOffice).")
@database_option
def render(assignment_id: int, output: Path, as_pdf: bool, database_url: str | None) -> None:
    """Xuất bản nháp DOCX (và PDF với --pdf) từ các câu trả lời hiện có của một phiếu."""
    settings = load_settings(database_url)
    if as_pdf and output.suffix.lower() == ".pdf":
        output = output.with_suffix(".docx")

    async def work(boot: Any) -> None:
        from dialogs.domain import DocumentInfo
        from renderers.report import render_report

        async with boot.uow_factory() as uow:
            assignment, round_ = await _assignment(uow, assignment_id)
            agency = await uow.agencies.get(assignment.agency_id)
            answers = await uow.answers.get(assignment_id)
            references = await uow.references.for_document(assignment.round_id, assignment_id)
        if agency is None:
            raise Fail(f"Phiếu số {assignment_id} thiếu cơ quan.")
        from dialogs.pinned import round_template

        template = await round_template(boot.templates, round_)
        if template is None:
            raise Fail(f"Không có mẫu {round_.template_id!r}.")
        data = render_report(template, answers, DocumentInfo(agency=agency, round=round_,
                                                             references=references))
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_bytes(data)
        click.echo(f"Đã ghi bản nháp: {output}")
        if as_pdf:
            from renderers.pdf import PdfError, to_pdf

            try:
                pdf = to_pdf(data)
            except PdfError as exc:
                raise Fail(f"{exc} (Bản DOCX đã được ghi.)") from exc
            pdf_path = output.with_suffix(".pdf")
            pdf_path.write_bytes(pdf)
            click.echo(f"Đã ghi bản PDF: {pdf_path}")

    run(with_app(settings, work))


@click.command("audit")
@click.argument("assignment_id", type=int)
@database_option
def audit(assignment_id: int, database_url: str | None) -> None:
    """Lịch sử thay đổi của một phiếu báo cáo: ai sửa gì, lúc nào."""
    from bot.audit import assignment_audit
    from dialogs.pinned import round_template

    settings = load_settings(database_url)

    async def work(boot: Any) -> None:
        async with boot.uow_factory() as uow:
            _, round_ = await _assignment(uow, assignment_id)
            template = await round_template(boot.templates, round_, uow)
            lines = await assignment_audit(uow, assignment_id, template, settings.timezone)
        if not lines:
            click.echo("Chưa có thay đổi nào.")
            return
        rows = [[f"{line.at:%d/%m/%Y %H:%M:%S}", line.who, line.what, line.detail]
                for line in lines]
        click.echo(table(rows, ["Thời điểm", "Người thực hiện", "Thao tác", "Chi tiết"]))

    run(with_app(settings, work))
