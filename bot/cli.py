"""The ``baocao`` command line: set up, serve, seed the demo, chat in a terminal, administer."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import socket
import sys
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import click

from bot.settings import Settings

T = TypeVar("T")


class Fail(click.ClickException):
    """A failure explained to the operator: ``Lỗi: …`` on stderr, exit code 1."""

    def show(self, file: Any = None) -> None:
        click.echo(f"Lỗi: {self.format_message()}", err=True)


def _explain(exc: Exception) -> str:
    from sqlalchemy.exc import DBAPIError, OperationalError

    if isinstance(
        exc, ConnectionRefusedError | socket.gaierror | TimeoutError | OperationalError | DBAPIError
    ):
        return f"không kết nối được tới cơ sở dữ liệu ({exc})"
    return str(exc) or exc.__class__.__name__


class BaocaoGroup(click.Group):
    """A group whose commands report failures as one line and exit 1, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.Abort, click.ClickException):
            raise
        except BrokenPipeError:  # output piped into e.g. `head`, which closed early
            sys.stderr.close()
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("Đã dừng.", err=True)
            sys.exit(130)
        except Exception as exc:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            click.echo(f"Lỗi: {_explain(exc)}", err=True)
            sys.exit(1)


def database_option(func: Callable[..., T]) -> Callable[..., T]:
    """``--database-url`` on every command (overrides BAOCAO_DATABASE_URL)."""
    return click.option(
        "--database-url",
        default=None,
        metavar="URL",
        help="Địa chỉ cơ sở dữ liệu (ghi đè BAOCAO_DATABASE_URL).",
    )(func)


def load_settings(database_url: str | None, **overrides: Any) -> Settings:
    values: dict[str, Any] = {k: v for k, v in overrides.items() if v is not None}
    ctx = click.get_current_context(silent=True)
    if not database_url and ctx is not None and ctx.find_root().obj:
        database_url = ctx.find_root().obj.get("database_url")
    if database_url:
        values["database_url"] = database_url
    return Settings(**values)


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` on uvloop (libuv's event loop) where it is installed, else on
    asyncio's own loop (Windows). The code is the same on both; uvloop spends less
    time in the loop itself, about 10-25 % of a turn's CPU (``bench/turns.py``)."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    return uvloop.run(coro)


async def _with_app(
    settings: Settings, work: Callable[[Any], Awaitable[T]], *, migrate: bool = True
) -> T:
    from bot.bootstrap import build_app

    boot = await build_app(settings, run_migrations=migrate)
    try:
        return await work(boot)
    finally:
        await boot.aclose()


def _table(rows: list[list[str]], headers: list[str]) -> str:
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    lines = ["  ".join(str(h).ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))
    return "\n".join(line.rstrip() for line in lines)


@click.group(cls=BaocaoGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, hidden=True, help="Hiện traceback khi lỗi.")
@database_option
@click.pass_context
def cli(ctx: click.Context, debug: bool, database_url: str | None) -> None:
    """Báo cáo bot — thu thập báo cáo ứng dụng CNTT qua trò chuyện."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    ctx.obj["database_url"] = database_url


# --------------------------------------------------------------------------- setup


@cli.command()
@click.option("--demo", is_flag=True, help="Tạo dữ liệu mẫu (tỉnh Đồng Nai, các sở, đợt năm 2026).")
@database_option
def init(demo: bool, database_url: str | None) -> None:
    """Tạo/cập nhật cơ sở dữ liệu (migrate); --demo: thêm dữ liệu mẫu."""
    settings = load_settings(database_url)

    async def work(boot: Any) -> None:
        click.echo(f"Cơ sở dữ liệu đã sẵn sàng: {_display_url(settings.database_url)}")
        click.echo(f"Mẫu báo cáo trong cơ sở dữ liệu: {', '.join(sorted(boot.templates))}")
        if demo:
            await _seed(boot)

    run(_with_app(settings, work))


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


def _display_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


# --------------------------------------------------------------------------- serve


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


@cli.command("run")
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

    run(_with_app(settings, work))


@cli.command()
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
        click.echo(_table(rows, ["Viết tắt", "Cơ quan", "Vai trò", "Mã mời"]))
        click.echo("")
        _banner(settings)
        sys.stdout.flush()
        await _serve(boot, settings.host, settings.port)

    run(_with_app(settings, work))


# --------------------------------------------------------------------------- terminal chat


@cli.command()
@click.option("--agency", "abbreviation", required=True, help="Viết tắt của cơ quan, ví dụ SCT.")
@database_option
def chat(abbreviation: str, database_url: str | None) -> None:
    """Trò chuyện với bot ngay trong cửa sổ dòng lệnh (đọc từ stdin)."""
    settings = load_settings(database_url)
    logging.getLogger().setLevel(logging.WARNING)

    interactive = sys.stdin.isatty()

    async def read() -> str | None:
        if interactive:
            click.echo("> ", nl=False)
        line = await asyncio.to_thread(sys.stdin.readline)
        return line if line else None

    def write(text: str) -> None:
        click.echo(text)
        sys.stdout.flush()

    async def work(boot: Any) -> None:
        from bot.terminal import TerminalError, run_terminal

        try:
            await run_terminal(boot, abbreviation, read, write)
        except TerminalError as exc:
            raise Fail(str(exc)) from exc

    run(_with_app(settings, work))


# --------------------------------------------------------------------------- agencies


@cli.group(cls=BaocaoGroup)
def agencies() -> None:
    """Cơ quan, đơn vị báo cáo."""


@agencies.command("list")
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
        click.echo(_table(rows, ["ID", "Viết tắt", "Tên", "Cấp", "Người ký", ""]))

    run(_with_app(settings, work))


@agencies.command("add")
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

    run(_with_app(settings, work))


@agencies.command("import")
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

    run(_with_app(settings, work))


# --------------------------------------------------------------------------- invites


@cli.command()
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

    run(_with_app(settings, work))


async def _telegram_link(settings: Settings, code: str) -> str:
    """``Telegram: https://t.me/<bot>?start=<code>`` (the bot's name comes from getMe)."""
    from telegram.error import TelegramError

    from bot.channels.telegram.runtime import bot_username, deep_link

    try:
        username = await bot_username(settings.telegram_bot_token or "", settings.telegram_api_url)
    except TelegramError as exc:
        return f"Telegram: không lấy được tên bot ({exc}); mã dùng với lệnh /start {code}"
    return f"Telegram: {deep_link(username, code)}"



# --------------------------------------------------------------------------- render


@cli.command()
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
            assignment = await uow.assignments.get(assignment_id)
            if assignment is None:
                raise Fail(f"Không có phiếu số {assignment_id}.")
            round_ = await uow.rounds.get(assignment.round_id)
            agency = await uow.agencies.get(assignment.agency_id)
            answers = await uow.answers.get(assignment_id)
            references = await uow.references.for_document(assignment.round_id, assignment_id)
        if round_ is None or agency is None:
            raise Fail(f"Phiếu số {assignment_id} thiếu đợt hoặc cơ quan.")
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

    run(_with_app(settings, work))


from bot.cli_rounds import round_group  # noqa: E402 — it builds on the helpers above

cli.add_command(round_group)
from bot.cli_rollup import admin_link_command, rollup_command  # noqa: E402

cli.add_command(rollup_command), cli.add_command(admin_link_command)
from bot.cli_templates import templates_group  # noqa: E402

cli.add_command(templates_group)
from bot.cli_channels import channels_group, zalo_group  # noqa: E402

cli.add_command(zalo_group), cli.add_command(channels_group)


@cli.command()
@click.argument("assignment_id", type=int)
@database_option
def audit(assignment_id: int, database_url: str | None) -> None:
    """Lịch sử thay đổi của một phiếu báo cáo: ai sửa gì, lúc nào."""
    from bot.audit import assignment_audit
    from dialogs.pinned import round_template

    settings = load_settings(database_url)

    async def work(boot: Any) -> None:
        async with boot.uow_factory() as uow:
            assignment = await uow.assignments.get(assignment_id)
            if assignment is None:
                raise Fail(f"Không có phiếu số {assignment_id}.")
            round_ = await uow.rounds.get(assignment.round_id)
            template = await round_template(boot.templates, round_, uow)
            lines = await assignment_audit(uow, assignment_id, template, settings.timezone)
        if not lines:
            click.echo("Chưa có thay đổi nào.")
            return
        rows = [[f"{line.at:%d/%m/%Y %H:%M:%S}", line.who, line.what, line.detail]
                for line in lines]
        click.echo(_table(rows, ["Thời điểm", "Người thực hiện", "Thao tác", "Chi tiết"]))

    run(_with_app(settings, work))


from bot.cli_backup import backup_command, restore_command  # noqa: E402

cli.add_command(backup_command), cli.add_command(restore_command)


def main() -> None:
    """Console script entry point."""
    cli(prog_name="baocao")



if __name__ == "__main__":  # pragma: no cover
    main()
