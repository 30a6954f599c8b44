"""Fixtures of the dashboard tests (defined in support.py)."""

from tests.integration.bot.dashboard.support import mini_template  # noqa: F401
