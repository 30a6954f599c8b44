"""What every ``baocao`` command shares: failures explained in one line, ``--database-url``,
settings, the event loop, the booted application and plain-text tables."""

from __future__ import annotations

import asyncio
import socket
import sys
from collections.abc import Awaitable, Callable, Coroutine
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


async def with_app(
    settings: Settings, work: Callable[[Any], Awaitable[T]], *, migrate: bool = True
) -> T:
    """Boot the application (migrating the database first), run ``work`` on it, close it."""
    from bot.bootstrap import build_app

    boot = await build_app(settings, run_migrations=migrate)
    try:
        return await work(boot)
    finally:
        await boot.aclose()


def table(rows: list[list[str]], headers: list[str]) -> str:
    """Rows as aligned plain-text columns under a header and a rule."""
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    lines = ["  ".join(str(h).ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))
    return "\n".join(line.rstrip() for line in lines)


def display_url(url: str) -> str:
    """A database URL with its password hidden."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
