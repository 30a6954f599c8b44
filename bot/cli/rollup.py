"""``baocao rollup`` (the DIC's consolidated report) and ``baocao admin-link``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from bot.cli.common import Fail, database_option, load_settings, run, with_app


@click.command("rollup")
@click.argument("round_id", type=int)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Tệp DOCX báo cáo tổng hợp cần ghi.")
@click.option("--xlsx", "xlsx_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Ghi thêm bảng tính XLSX.")
@database_option
def rollup_command(round_id: int, output: Path, xlsx_path: Path | None,
                   database_url: str | None) -> None:
    """Báo cáo tổng hợp của một đợt (DOCX, và XLSX nếu cần); dùng được cả khi đợt chưa kết thúc."""
    settings = load_settings(database_url)

    async def work(boot: Any) -> None:
        from bot.reminders import Calendar
        from bot.rollup_service import ServiceError, make_rollup

        try:
            files = await make_rollup(
                boot.uow_factory, round_id, templates=boot.templates,
                calendar=Calendar.from_settings(settings), now=boot.clock.now(),
                timezone=settings.timezone, with_xlsx=xlsx_path is not None,
            )
        except ServiceError as exc:
            raise Fail(str(exc)) from exc
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_bytes(files.docx)
        click.echo(f"Đã ghi báo cáo tổng hợp: {output}")
        if xlsx_path is not None:
            xlsx_path.parent.mkdir(parents=True, exist_ok=True)
            xlsx_path.write_bytes(files.xlsx)
            click.echo(f"Đã ghi bảng tính: {xlsx_path}")

    run(with_app(settings, work))


@click.command("admin-link")
@click.argument("who")
@database_option
def admin_link_command(who: str, database_url: str | None) -> None:
    """Liên kết đăng nhập trang quản trị (một lần) cho cán bộ vai trò dic:
    WHO là viết tắt cơ quan (mọi cán bộ dic của cơ quan) hoặc số cán bộ."""
    settings = load_settings(database_url)

    async def work(boot: Any) -> None:
        from bot.rollup_service import dashboard_login_url

        now = boot.clock.now()
        async with boot.uow_factory() as uow:
            if who.isdigit():
                officer = await uow.officers.get(int(who))
                if officer is None:
                    raise Fail(f"Không có cán bộ số {who}.")
                officers = [officer]
            else:
                agency = await uow.agencies.by_abbreviation(who.strip().upper())
                if agency is None:
                    raise Fail(f"Không có cơ quan {who!r}.")
                officers = await uow.officers.list(agency.id)
            dic = [o for o in officers if o.role == "dic"]
            if not dic:
                raise Fail("Không có cán bộ vai trò dic (cơ quan tổng hợp) phù hợp; "
                           "tạo bằng: baocao invite <VIẾT TẮT> --role dic.")
            links = []
            for officer in dic:
                url, minutes = await dashboard_login_url(uow, officer, now,
                                                         public_url=settings.public_url)
                links.append((officer, url))
            await uow.commit()
        for officer, url in links:
            click.echo(f"{officer.full_name} (#{officer.id}): {url}")
        click.echo(f"Mỗi liên kết dùng được một lần, trong {minutes} phút.")

    run(with_app(settings, work))
