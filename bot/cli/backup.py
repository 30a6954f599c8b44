"""``baocao backup FILE`` and ``baocao restore FILE`` (see :mod:`bot.backup`)."""

from __future__ import annotations

from pathlib import Path

import click

from bot.cli.common import Fail, database_option, display_url, load_settings


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@database_option
def backup_command(file: Path, database_url: str | None) -> None:
    """Sao lưu toàn bộ cơ sở dữ liệu vào FILE (được cả khi bot đang chạy)."""
    from bot.backup import BackupError, backup

    settings = load_settings(database_url)
    try:
        result = backup(settings.database_url, file)
    except BackupError as exc:
        raise Fail(str(exc)) from exc
    kind = "SQLite" if result.backend == "sqlite" else "PostgreSQL (pg_dump)"
    click.echo(f"Đã sao lưu {display_url(settings.database_url)} vào {result.path} "
               f"({_size(result.size)}, định dạng {kind}).")


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True,
              help="Xoá dữ liệu đang có trong cơ sở dữ liệu đích trước khi khôi phục.")
@database_option
def restore_command(file: Path, replace: bool, database_url: str | None) -> None:
    """Khôi phục cơ sở dữ liệu từ FILE (hãy dừng bot trước)."""
    from bot.backup import BackupError, restore

    settings = load_settings(database_url)
    try:
        restore(settings.database_url, file, replace=replace)
    except BackupError as exc:
        raise Fail(str(exc)) from exc
    click.echo(f"Đã khôi phục {file} vào {display_url(settings.database_url)}.")


def _size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB".replace(".", ",")
    return f"{max(1, round(size / 1024))} KB"
