"""The ``baocao`` command line: set up, serve, seed the demo, chat in a terminal, administer.

One module per command group; what they share is in :mod:`bot.cli.common`.
"""

from __future__ import annotations

import click

from bot.cli.agencies import agencies_group, invite
from bot.cli.backup import backup_command, restore_command
from bot.cli.channels import channels_group, zalo_group
from bot.cli.chat import chat_command
from bot.cli.common import BaocaoGroup, database_option, run
from bot.cli.reports import audit, render
from bot.cli.rollup import admin_link_command, rollup_command
from bot.cli.rounds import round_group
from bot.cli.server import demo, init, run_command
from bot.cli.templates import templates_group

__all__ = ["cli", "main", "run"]


@click.group(cls=BaocaoGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, hidden=True, help="Hiện traceback khi lỗi.")
@database_option
@click.pass_context
def cli(ctx: click.Context, debug: bool, database_url: str | None) -> None:
    """Báo cáo bot — thu thập báo cáo ứng dụng CNTT qua trò chuyện."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    ctx.obj["database_url"] = database_url


for command in (
    init, run_command, demo, chat_command, agencies_group, invite, render, round_group,
    rollup_command, admin_link_command, templates_group, zalo_group, channels_group, audit,
    backup_command, restore_command,
):
    cli.add_command(command)


def main() -> None:
    """Console script entry point."""
    cli(prog_name="baocao")
