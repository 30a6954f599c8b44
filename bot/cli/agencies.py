"""``baocao agencies list|add|import`` and ``baocao invite``: agencies and their invite codes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import click

from bot.cli.common import (
    BaocaoGroup,
    Fail,
    database_option,
    load_settings,
    run,
    table,
    with_app,
)
from bot.settings import Settings


@click.group("agencies", cls=BaocaoGroup)
def agencies_group() -> None:
    """Cơ quan, đơn vị báo cáo."""


@agencies_group.command("list")
@database_option
def agencies_list(database_url: str | None) -> None:
    """Liệt kê các cơ quan."""
    settings = load_settings(database_url)

    async def work(boot: Any) -> None:
        from storage import admin

        async with boot.uow_factory() as uow:
            found = await admin.list_agencies(uow)
        if not found:
            click.echo("Chưa có cơ quan nào. Dùng: baocao agencies add … hoặc baocao init --demo")
            return
        rows = [
            [
                str(a.id),
                a.abbreviation,
                a.name,
                "xã/phường" if a.level == "commune" else "tỉnh",
                f"{a.signer_authority + ' / ' if a.signer_authority else ''}"
                f"{a.signer_position}: {a.signer_name}",
                "DIC" if a.is_collector else "",
            ]
            for a in found
        ]
        click.echo(table(rows, ["ID", "Viết tắt", "Tên", "Cấp", "Người ký", ""]))

    run(with_app(settings, work))


@agencies_group.command("add")
@click.option("--name", required=True, help="Tên cơ quan, ví dụ: Sở Công Thương.")
@click.option("--abbreviation", "--abbr", required=True, help="Tên viết tắt, ví dụ: SCT.")
@click.option("--governing-body", default=None, help="Cơ quan chủ quản (mặc định UBND TỈNH …).")
@click.option("--place", default=None, help="Địa danh ghi trước ngày tháng.")
@click.option("--signer-name", required=True, help="Họ tên người ký.")
@click.option("--signer-position", default="GIÁM ĐỐC", show_default=True, help="Chức vụ.")
@click.option("--signer-authority", default=None, help="Quyền hạn ký, ví dụ: KT. GIÁM ĐỐC.")
@click.option("--drafting-unit", default="VP", show_default=True, help="Đơn vị soạn thảo.")
@click.option("--level", type=click.Choice(["province", "commune"]), default="province",
              show_default=True, help="Cấp: province (sở, ngành) hoặc commune (xã, phường).")
@click.option("--collector", is_flag=True, help="Là cơ quan tổng hợp (DIC).")
@database_option
def agencies_add(
    name: str,
    abbreviation: str,
    governing_body: str | None,
    place: str | None,
    signer_name: str,
    signer_position: str,
    signer_authority: str | None,
    drafting_unit: str,
    level: str,
    collector: bool,
    database_url: str | None,
) -> None:
    """Thêm (hoặc cập nhật) một cơ quan."""
    settings = load_settings(database_url)

    async def work(boot: Any) -> None:
        from storage import admin

        async with boot.uow_factory() as uow:
            agency = await admin.add_agency(
                uow,
                name=name,
                abbreviation=abbreviation,
                governing_body=governing_body or f"UBND TỈNH {settings.province.upper()}",
                place=place or settings.province,
                signer_name=signer_name,
                signer_position=signer_position,
                signer_authority=signer_authority,
                drafting_unit=drafting_unit,
                level=level,
                is_collector=collector,
            )
            await uow.commit()
        click.echo(f"Đã lưu cơ quan #{agency.id}: {agency.abbreviation} — {agency.name}")

    run(with_app(settings, work))


@agencies_group.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@database_option
def agencies_import(csv_file: Path, database_url: str | None) -> None:
    """Nhập danh sách cơ quan từ tệp CSV (UTF-8, có dòng tiêu đề)."""
    settings = load_settings(database_url)

    async def work(boot: Any) -> None:
        from storage import admin

        async with boot.uow_factory() as uow:
            imported = await admin.import_agencies_csv(uow, csv_file)
            await uow.commit()
        click.echo(f"Đã nhập {len(imported)} cơ quan từ {csv_file}.")

    run(with_app(settings, work))


@click.command("invite")
@click.argument("abbreviation")
@click.option("--role", type=click.Choice(["officer", "dic"]), default="officer",
              show_default=True, help="Vai trò của người dùng mã.")
@click.option("--days", type=click.IntRange(1, 365), default=30, show_default=True,
              help="Số ngày hiệu lực.")
@database_option
def invite(abbreviation: str, role: str, days: int, database_url: str | None) -> None:
    """Tạo một mã mời mới cho cơ quan (in ra mã)."""
    settings = load_settings(database_url)

    async def work(boot: Any) -> None:
        from storage import admin

        async with boot.uow_factory() as uow:
            agency = await uow.agencies.by_abbreviation(abbreviation.strip().upper())
            if agency is None:
                raise Fail(f"Không có cơ quan viết tắt {abbreviation}.")
            code = await admin.create_invite(
                uow, agency.id, role=role, now=boot.clock.now(), ttl=dt.timedelta(days=days)
            )
            await uow.commit()
        click.echo(code)
        if settings.telegram_bot_token:
            click.echo(await _telegram_link(settings, code))

    run(with_app(settings, work))


async def _telegram_link(settings: Settings, code: str) -> str:
    """``Telegram: https://t.me/<bot>?start=<code>`` (the bot's name comes from getMe)."""
    from telegram.error import TelegramError

    from bot.channels.telegram.runtime import bot_username, deep_link

    try:
        username = await bot_username(settings.telegram_bot_token or "", settings.telegram_api_url)
    except TelegramError as exc:
        return f"Telegram: không lấy được tên bot ({exc}); mã dùng với lệnh /start {code}"
    return f"Telegram: {deep_link(username, code)}"
