"""``baocao round …``: open, list, follow, move, close and nudge reporting rounds."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import click

from bot.cli.common import BaocaoGroup, Fail, database_option, load_settings, run, table, with_app

STATE_LABELS = {
    "not_started": "chưa bắt đầu",
    "in_progress": "đang làm",
    "submitted_on_time": "đã nộp đúng hạn",
    "submitted_late": "nộp muộn",
    "returned": "trả lại để sửa",
}


def _date(value: str, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise Fail(f"{name} phải có dạng YYYY-MM-DD, không phải {value!r}.") from None


def _deps(boot: Any) -> Any:
    from bot.scheduler import reminder_deps

    return reminder_deps(boot)


def _local(instant: dt.datetime | None, deps: Any) -> str:
    if instant is None:
        return ""
    return instant.astimezone(deps.calendar.timezone).strftime("%d/%m/%Y %H:%M")


def _references(path: str | None, requests: tuple[str, ...], grounds: tuple[str, ...],
                recipients: tuple[str, ...]) -> Any:
    """The round's request documents, grounds and recipients from a file (YAML or
    JSON: ``requests`` [{symbol, issued_on, issuer, subject}], ``grounds``,
    ``recipients``) and the options, which add to the file's."""
    from pathlib import Path

    import yaml

    from dialogs.references import ReferencesError, parse_references, parse_request

    data: dict[str, Any] = {}
    if path:
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise Fail(f"Không đọc được tệp {path}: {exc}") from exc
        try:
            loaded = yaml.safe_load(text) if text.strip() else {}
        except yaml.YAMLError as exc:
            raise Fail(f"Tệp {path} không đúng định dạng YAML/JSON.") from exc
        if not isinstance(loaded, dict):
            raise Fail(f"Tệp {path} phải có các mục requests, grounds, recipients.")
        data = loaded
    try:
        refs = parse_references(data)
        return type(refs)(
            requests=(*refs.requests, *(parse_request(r) for r in requests)),
            grounds=(*refs.grounds, *parse_references({"grounds": list(grounds)}).grounds),
            recipients=(*refs.recipients,
                        *parse_references({"recipients": list(recipients)}).recipients),
        )
    except ReferencesError as exc:
        raise Fail(str(exc)) from exc


@click.group("round", cls=BaocaoGroup)
def round_group() -> None:
    """Đợt báo cáo: mở, theo dõi, gia hạn, đóng, nhắc."""


@round_group.command("open")
@click.option("--template", "template_id", required=True, help="Mã mẫu, ví dụ annual_it.")
@click.option("--period", required=True, help='Kỳ báo cáo, ví dụ "năm 2026", "quý III năm 2026".')
@click.option("--deadline", required=True, help="Hạn nộp, YYYY-MM-DD.")
@click.option("--agencies", default="all", show_default=True,
              help="all (mọi cơ quan trừ cơ quan tổng hợp) hoặc danh sách viết tắt: SCT,STC.")
@click.option("--from", "period_from", default=None, help="Ngày đầu kỳ (kỳ đột xuất), YYYY-MM-DD.")
@click.option("--to", "period_to", default=None, help="Ngày cuối kỳ (kỳ đột xuất), YYYY-MM-DD.")
@click.option("--remind-days", default="7,3,1", show_default=True,
              help="Nhắc trước hạn bao nhiêu ngày (rỗng: không nhắc trước).")
@click.option("--no-overdue", is_flag=True, help="Không nhắc hằng ngày khi đã quá hạn.")
@click.option("--no-reminders", is_flag=True, help="Tắt nhắc hạn tự động cho đợt này.")
@click.option("--request", "requests", multiple=True,
              help='Văn bản yêu cầu báo cáo: "số ký hiệu | ngày | cơ quan ban hành | trích yếu"'
                   " (lặp lại nếu nhiều văn bản).")
@click.option("--ground", "grounds", multiple=True,
              help='Một dòng căn cứ, ví dụ "Căn cứ Kế hoạch số 599/KH-UBND ngày 18/01/2021 '
                   'của UBND tỉnh…" (lặp lại nếu nhiều dòng).')
@click.option("--recipient", "recipients", multiple=True,
              help='Một dòng Nơi nhận, ví dụ "Sở Nội vụ (báo cáo)" (mặc định: theo mẫu).')
@click.option("--references", "references_file", type=click.Path(dir_okay=False),
              default=None, help="Tệp YAML/JSON có requests, grounds, recipients.")
@database_option
def round_open(
    template_id: str, period: str, deadline: str, agencies: str, period_from: str | None,
    period_to: str | None, remind_days: str, no_overdue: bool, no_reminders: bool,
    requests: tuple[str, ...], grounds: tuple[str, ...], recipients: tuple[str, ...],
    references_file: str | None, database_url: str | None,
) -> None:
    """Mở đợt báo cáo và báo cho cán bộ của các cơ quan."""
    from bot.reminders import ReminderError, ReminderPolicy
    from bot.round_service import RoundError, RoundRequest, open_round

    settings = load_settings(database_url)
    due = _date(deadline, "--deadline")
    references = _references(references_file, requests, grounds, recipients)
    try:
        policy = ReminderPolicy.parse_days(remind_days, overdue=not no_overdue,
                                           enabled=not no_reminders)
    except ReminderError as exc:
        raise Fail(str(exc)) from exc
    request = RoundRequest(
        template_id=template_id, period=period, deadline=due,
        agencies=None if agencies.strip().lower() == "all" else agencies.split(","),
        period_from=_date(period_from, "--from") if period_from else None,
        period_to=_date(period_to, "--to") if period_to else None, policy=policy,
        references=references,
    )

    async def work(boot: Any) -> None:
        async with boot.uow_factory() as uow:
            try:
                opened = await open_round(uow, _deps(boot), request, province=settings.province,
                                          collector=settings.collector, now=boot.clock.now())
            except RoundError as exc:
                problems = dict(exc.problems)
                if "period" in problems and not (period_from or period_to):
                    problems["period"] += " Kỳ đột xuất: thêm --from và --to."
                raise Fail(" ".join(problems.values())) from exc
            await uow.commit()
        round_ = opened.round
        click.echo(f"Đã mở đợt #{round_.id}: {opened.template.id} {round_.period_label} "
                   f"(số liệu {round_.period_start:%d/%m/%Y}–{round_.period_end:%d/%m/%Y}), "
                   f"hạn {round_.deadline:%d/%m/%Y}, {len(opened.agencies)} cơ quan.")
        click.echo(f"Đã gửi thông báo tới {opened.officers_told} cán bộ.")
        if opened.unreachable:
            click.echo("Chưa liên lạc được (chưa có cán bộ liên kết): "
                       + ", ".join(opened.unreachable))

    run(with_app(settings, work))


@round_group.command("list")
@database_option
def round_list(database_url: str | None) -> None:
    """Liệt kê các đợt báo cáo."""
    settings = load_settings(database_url)

    async def work(boot: Any) -> None:
        async with boot.uow_factory() as uow:
            rounds = await uow.rounds.list()
            rows = []
            for r in rounds:
                assignments = await uow.assignments.list(r.id)
                submitted = sum(1 for a in assignments if str(a.status) == "submitted")
                rows.append([str(r.id), r.template_id, r.period_label, f"{r.deadline:%d/%m/%Y}",
                             "đang mở" if r.status == "open" else "đã đóng",
                             f"{submitted}/{len(assignments)}"])
        if not rows:
            click.echo("Chưa có đợt báo cáo nào. Dùng: baocao round open …")
            return
        click.echo(table(rows, ["Đợt", "Mẫu", "Kỳ", "Hạn", "Trạng thái", "Đã nộp"]))

    run(with_app(settings, work))


@round_group.command("status")
@click.argument("round_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="In dạng JSON.")
@database_option
def round_status_command(round_id: int, as_json: bool, database_url: str | None) -> None:
    """Tình hình của từng cơ quan trong đợt."""
    from bot.reminders import ReminderError, round_status

    settings = load_settings(database_url)

    async def work(boot: Any) -> None:
        deps = _deps(boot)
        async with boot.uow_factory() as uow:
            try:
                round_, progress = await round_status(
                    uow, round_id, templates=boot.templates, calendar=deps.calendar,
                    now=boot.clock.now())
            except ReminderError as exc:
                raise Fail(str(exc)) from exc
        if as_json:
            click.echo(json.dumps({
                "round": {"id": round_.id, "template_id": round_.template_id,
                          "period": round_.period_label, "deadline": round_.deadline.isoformat(),
                          "status": round_.status},
                "agencies": [p.to_json() for p in progress],
            }, ensure_ascii=False, indent=2))
            return
        click.echo(f"Đợt #{round_.id}: {round_.template_id} {round_.period_label}, "
                   f"hạn {round_.deadline:%d/%m/%Y} "
                   f"({'đang mở' if round_.status == 'open' else 'đã đóng'})")
        rows = [[
            p.abbreviation,
            str(p.assignment_id),
            STATE_LABELS[p.state] + (f" {p.answered}/{p.total}" if p.state in (
                "in_progress", "returned") else ""),
            "quá hạn" if p.overdue else "",
            (f"không liên lạc được ({p.unreachable_reason})" if p.unreachable_reason
             else "không liên lạc được") if p.unreachable else "",
            _local(p.next_reminder_at, deps),
        ] for p in progress]
        click.echo(table(rows, ["Cơ quan", "Phiếu", "Trạng thái", "Hạn", "Liên lạc",
                                 "Nhắc tiếp"]))

    run(with_app(settings, work))


@round_group.command("deadline")
@click.argument("round_id", type=int)
@click.argument("date")
@database_option
def round_deadline(round_id: int, date: str, database_url: str | None) -> None:
    """Đổi hạn nộp (lịch nhắc được lập lại)."""
    from bot.round_service import RoundError, move_deadline

    settings = load_settings(database_url)
    due = _date(date, "DATE")

    async def work(boot: Any) -> None:
        async with boot.uow_factory() as uow:
            try:
                round_, result = await move_deadline(uow, _deps(boot), round_id, due,
                                                     now=boot.clock.now())
            except RoundError as exc:
                raise Fail(str(exc)) from exc
            await uow.commit()
        click.echo(f"Đợt #{round_.id}: hạn mới {due:%d/%m/%Y}. Lịch nhắc: "
                   f"{result.created + result.reactivated} lần nhắc mới, "
                   f"{result.cancelled} lần nhắc cũ đã hủy.")

    run(with_app(settings, work))


@round_group.command("close")
@click.argument("round_id", type=int)
@database_option
def round_close(round_id: int, database_url: str | None) -> None:
    """Đóng đợt báo cáo (không nhắc nữa)."""
    from bot.reminders import plan_round
    from storage import admin

    settings = load_settings(database_url)

    async def work(boot: Any) -> None:
        deps = _deps(boot)
        now = boot.clock.now()
        async with boot.uow_factory() as uow:
            try:
                await admin.close_round(uow, round_id, now=now)
            except admin.AdminError as exc:
                raise Fail(str(exc)) from exc
            result = await plan_round(uow, round_id, calendar=deps.calendar, now=now)
            await uow.commit()
        click.echo(f"Đã đóng đợt #{round_id}; đã hủy {result.cancelled} lần nhắc chưa gửi.")

    run(with_app(settings, work))


@round_group.command("nudge")
@click.argument("round_id", type=int)
@click.option("--agency", "abbreviation", default=None,
              help="Viết tắt của một cơ quan; bỏ trống: mọi cơ quan quá hạn chưa nộp.")
@database_option
def round_nudge(round_id: int, abbreviation: str | None, database_url: str | None) -> None:
    """Nhắc ngay một cơ quan, hoặc mọi cơ quan đã quá hạn."""
    from bot.reminders import ReminderError, nudge

    settings = load_settings(database_url)

    async def work(boot: Any) -> None:
        deps = _deps(boot)
        agency_id = None
        if abbreviation:
            async with boot.uow_factory() as uow:
                agency = await uow.agencies.by_abbreviation(abbreviation.strip().upper())
            if agency is None:
                raise Fail(f"Không có cơ quan viết tắt {abbreviation}.")
            agency_id = agency.id
        try:
            result = await nudge(deps, round_id, agency_id=agency_id, now=boot.clock.now())
        except ReminderError as exc:
            raise Fail(str(exc)) from exc
        if not result.agencies:
            click.echo("Không có cơ quan nào quá hạn chưa nộp.")
            return
        when = ("ngay" if result.sent is not None
                else f"lúc {_local(result.due_at, deps)} (ngoài giờ làm việc)")
        click.echo(f"Đã xếp lịch nhắc {len(result.agencies)} cơ quan, gửi {when}.")
        if result.sent is not None and result.sent.unreachable:
            click.echo(f"Không liên lạc được {len(result.sent.unreachable)} cơ quan.")

    run(with_app(settings, work))
