"""Fixtures of the Zalo channel tests (defined in tests/support/zalo.py)."""

from tests.support.zalo import bot_world, fake_bot, fake_oa, oa_world  # noqa: F401
