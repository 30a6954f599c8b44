"""``baocao init [--demo]``, ``baocao run`` and ``baocao demo``: set up the database and serve."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import click

from bot.cli.common import Fail, database_option, display_url, load_settings, run, table, with_app
from bot.settings import Settings


@click.command("init")
@click.option("--demo", is_flag=True, help="Tạo dữ liệu mẫu (tỉnh Đồng Nai, các sở, đợt năm 2026).")
@database_option
def init(demo: bool, database_url: str | None) -> None:
    """Tạo/cập nhật cơ sở dữ liệu (migrate); --demo: thêm dữ liệu mẫu."""
    settings = load_settings(database_url)

    async def work(boot: Any) -> None:
        click.echo(f"Cơ sở dữ liệu đã sẵn sàng: {display_url(settings.database_url)}")
        click.echo(f"Mẫu báo cáo trong cơ sở dữ liệu: {', '.join(sorted(boot.templates))}")
        if demo:
            await _seed(boot)

    run(with_app(settings, work))


async def _seed(boot: Any) -> None:
    from bot.demo import seed_demo

    result = await seed_demo(
        boot.uow_factory,
        boot.templates,
        boot.clock,
        province=boot.settings.province,
        collector=boot.settings.collector,
    )
    if result.created_agencies:
        click.echo("Đã thêm cơ quan: " + ", ".join(result.created_agencies))
    else:
        click.echo("Các cơ quan mẫu đã có sẵn.")
    if result.round is not None:
        state = "Đã mở" if result.round_created else "Đã có"
        click.echo(
            f"{state} đợt báo cáo #{result.round.id}: {result.round.template_id} "
            f"{result.round.period_label}, hạn {result.round.deadline:%d/%m/%Y}"
        )


async def _serve(boot: Any, host: str, port: int) -> None:
    import uvicorn

    from bot.logs import configure_logging
    from bot.webapp import create_web_app

    settings = boot.settings
    configure_logging(settings)  # text or JSON lines, secrets hidden; uvicorn's too
    config = uvicorn.Config(
        create_web_app(boot),
        host=host,
        port=port,
        log_level=settings.log_level.lower(),
        log_config=None,
        lifespan="off",
    )
    server = uvicorn.Server(config)
    from bot.scheduler import scheduler_service

    # channel services (Zalo Bot polling …) and the reminder scheduler run beside the web server
    services = [asyncio.create_task(service())
                for service in [*boot.services, scheduler_service(boot)]]
    try:
        await server.serve()
    finally:
        for task in services:
            task.cancel()
        await asyncio.gather(*services, return_exceptions=True)
    if not server.started:
        raise Fail(f"Không mở được cổng {host}:{port}.")


def _banner(settings: Settings) -> None:
    click.echo(f"Mở {settings.public_url.rstrip('/')}/chat")
    for line in settings.channel_status():
        click.echo(line)


@click.command("run")
@click.option("--host", default=None, help="Địa chỉ lắng nghe (mặc định BAOCAO_HOST).")
@click.option("--port", type=int, default=None, help="Cổng (mặc định BAOCAO_PORT).")
@database_option
def run_command(host: str | None, port: int | None, database_url: str | None) -> None:
    """Chạy máy chủ web (trò chuyện trên trình duyệt)."""
    settings = load_settings(database_url, host=host, port=port)

    async def work(boot: Any) -> None:
        _banner(settings)
        sys.stdout.flush()
        await _serve(boot, settings.host, settings.port)

    run(with_app(settings, work))


@click.command("demo")
@click.option("--host", default=None, help="Địa chỉ lắng nghe (mặc định BAOCAO_HOST).")
@click.option("--port", type=int, default=None, help="Cổng (mặc định BAOCAO_PORT).")
@database_option
def demo(host: str | None, port: int | None, database_url: str | None) -> None:
    """Dữ liệu mẫu + mã mời mới cho từng cơ quan, rồi chạy máy chủ web."""
    settings = load_settings(database_url, host=host, port=port)

    async def work(boot: Any) -> None:
        from bot.demo import fresh_invites
        from storage import admin

        async with boot.uow_factory() as uow:
            has_agencies = bool(await admin.list_agencies(uow))
        if not has_agencies:
            await _seed(boot)
        invites = await fresh_invites(boot.uow_factory, boot.clock)
        click.echo("")
        click.echo("Mã mời (mỗi mã dùng một lần, hạn 30 ngày):")
        rows = [
            [i.agency.abbreviation, i.agency.name, "DIC" if i.role == "dic" else "cán bộ", i.code]
            for i in invites
        ]
        click.echo(table(rows, ["Viết tắt", "Cơ quan", "Vai trò", "Mã mời"]))
        click.echo("")
        _banner(settings)
        sys.stdout.flush()
        await _serve(boot, settings.host, settings.port)

    run(with_app(settings, work))
