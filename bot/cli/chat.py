"""``baocao chat --agency X``: talk to the bot in the terminal (reads stdin)."""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import Any

import click

from bot.cli.common import Fail, database_option, load_settings, run, with_app


@click.command("chat")
@click.option("--agency", "abbreviation", required=True, help="Viết tắt của cơ quan, ví dụ SCT.")
@database_option
def chat_command(abbreviation: str, database_url: str | None) -> None:
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

    run(with_app(settings, work))
