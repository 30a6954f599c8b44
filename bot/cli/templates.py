"""``baocao templates …``: add (publish), list, show, export and retire templates.

Templates live in the database (``bot.template_service``); a running bot uses a
newly published version without a restart.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from bot.cli.common import BaocaoGroup, Fail, database_option, load_settings, run, table, with_app

_FORMATS = {"yaml": ".yaml", "xlsform": ".xlsx"}


@click.group("templates", cls=BaocaoGroup)
def templates_group() -> None:
    """Mẫu báo cáo: thêm (YAML hoặc XLSForm), xem, xuất, ngừng dùng."""


async def _known(boot: Any, template_id: str, version: int | None) -> Any:
    from bot import template_service as ts

    template = await ts.get_template(boot.uow_factory, template_id, version)
    if template is None:
        known = [s.template_id for s in await ts.list_templates(boot.uow_factory)]
        what = f"mẫu {template_id!r}" + (f" phiên bản {version}" if version else "")
        raise Fail(f"Không có {what}. Có: {', '.join(known)}.")
    return template


@templates_group.command("add")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--move-open-rounds", is_flag=True,
              help="Chuyển các đợt đang mở của mẫu này sang phiên bản mới.")
@click.option("--by", "published_by", default=None, help="Người xuất bản (ghi vào lịch sử).")
@database_option
def templates_add(
    file: Path, move_open_rounds: bool, published_by: str | None, database_url: str | None
) -> None:
    """Kiểm tra và xuất bản một mẫu từ tệp YAML hoặc XLSForm (.xlsx)."""
    from bot import template_service as ts

    try:
        size = file.stat().st_size
        if size > ts.MAX_UPLOAD_BYTES:
            data = b"\0" * (ts.MAX_UPLOAD_BYTES + 1)  # refused by size, never read
        else:
            data = file.read_bytes()
    except OSError as exc:
        raise Fail(f"không đọc được tệp {file}: {exc.strerror or exc}") from None
    result = ts.validate_upload(data, file.name)
    if result.problems or result.template is None:
        for problem in result.problems:
            click.echo(f"  - {problem.text}", err=True)
        raise Fail(f"tệp {file.name} có {len(result.problems)} lỗi; chưa lưu gì.")
    template = result.template
    settings = load_settings(database_url)

    async def work(boot: Any) -> None:
        published = await ts.publish(
            boot.uow_factory, template, published_by=published_by or "cli",
            move_open_rounds=move_open_rounds, now=boot.clock.now(),
            source_format=result.format or "yaml",
        )
        click.echo(f"Đã xuất bản mẫu {published.template_id} phiên bản {published.version}: "
                   f"{template.name}")
        if published.moved_rounds:
            shown = ", ".join(f"#{r}" for r in published.moved_rounds)
            click.echo(f"Đã chuyển các đợt đang mở sang phiên bản mới: {shown}")
        elif published.open_rounds:
            shown = ", ".join(f"#{r}" for r in published.open_rounds)
            click.echo(f"Các đợt đang mở {shown} vẫn dùng phiên bản cũ "
                       "(thêm --move-open-rounds để chuyển).")

    run(with_app(settings, work))


@templates_group.command("list")
@database_option
def templates_list(database_url: str | None) -> None:
    """Liệt kê các mẫu báo cáo (phiên bản mới nhất của mỗi mẫu)."""
    from bot import template_service as ts

    settings = load_settings(database_url)

    async def work(boot: Any) -> None:
        rows = [
            [s.template_id, str(s.latest_version), str(s.question_count), s.name,
             "ngừng dùng" if s.retired else "đang dùng"]
            for s in await ts.list_templates(boot.uow_factory)
        ]
        click.echo(table(rows, ["Mã", "Phiên bản", "Số câu", "Tên", "Trạng thái"]))

    run(with_app(settings, work))


@templates_group.command("show")
@click.argument("template_id")
@click.option("--version", type=int, default=None, help="Phiên bản (mặc định: mới nhất).")
@click.option("--json", "as_json", is_flag=True, help="In dạng JSON.")
@database_option
def templates_show(
    template_id: str, version: int | None, as_json: bool, database_url: str | None
) -> None:
    """Xem các câu hỏi của một mẫu báo cáo."""
    from bot.template_info import describe_template, format_template

    settings = load_settings(database_url)

    async def work(boot: Any) -> None:
        template = await _known(boot, template_id, version)
        if as_json:
            click.echo(json.dumps(describe_template(template), ensure_ascii=False, indent=2))
        else:
            click.echo(format_template(template))

    run(with_app(settings, work))


@templates_group.command("export")
@click.argument("template_id")
@click.option("--format", "fmt", type=click.Choice(sorted(_FORMATS)), default="yaml",
              show_default=True, help="Định dạng tệp.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Tệp ghi ra.")
@click.option("--version", type=int, default=None, help="Phiên bản (mặc định: mới nhất).")
@database_option
def templates_export(
    template_id: str, fmt: str, output: Path, version: int | None, database_url: str | None
) -> None:
    """Xuất một mẫu ra tệp YAML hoặc XLSForm (.xlsx)."""
    from bot import template_service as ts

    settings = load_settings(database_url)

    async def work(boot: Any) -> None:
        template = await _known(boot, template_id, version)
        data = ts.export_template(template, fmt)  # type: ignore[arg-type]
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_bytes(data)
        click.echo(f"Đã ghi {output} (mẫu {template.id} phiên bản {template.version}).")

    run(with_app(settings, work))


@templates_group.command("retire")
@click.argument("template_id")
@database_option
def templates_retire(template_id: str, database_url: str | None) -> None:
    """Ngừng dùng một mẫu: không mở đợt mới; các đợt đang mở vẫn giữ phiên bản của mình."""
    from bot import template_service as ts

    settings = load_settings(database_url)

    async def work(boot: Any) -> None:
        if not await ts.retire(boot.uow_factory, template_id, now=boot.clock.now()):
            await _known(boot, template_id, None)
        click.echo(f"Đã ngừng dùng mẫu {template_id}.")

    run(with_app(settings, work))
