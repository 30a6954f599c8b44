"""The template version a round is pinned to."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dialogs.schema import Template

__all__ = ["round_template"]


async def round_template(
    templates: Mapping[str, Template], round_: Any, uow: Any = None
) -> Template | None:
    """The template version ``round_`` is pinned to (any mapping of templates).

    With a ``bot.template_catalog.TemplateCatalog`` this is the pinned version,
    read through ``uow`` (the caller's open unit of work, if any) when it is not
    in memory yet; with a plain dict (tests, tools) it is the template of that id.
    """
    if round_ is None:
        return None
    pinned = getattr(templates, "pinned", None)
    if pinned is not None:
        return await pinned(round_.template_id, round_.template_version, uow=uow)
    return templates.get(round_.template_id)
