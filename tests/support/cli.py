"""Running the ``baocao`` command in-process against a test database."""

from __future__ import annotations

from collections.abc import Callable

from click.testing import Result

Invoke = Callable[..., Result]


def ok(result: Result) -> str:
    """The output of a command that must succeed."""
    assert result.exit_code == 0, result.output
    return result.output
