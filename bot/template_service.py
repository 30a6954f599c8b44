"""Templates the DIC uploads: validate, publish, list, retire, export.

This is the one API the CLI (``baocao templates …``) and the dashboard call.
Every function takes plain values and returns plain records; nothing here
knows about HTTP or click.

How to call it (everything is ``async`` except :func:`validate_upload` and
:func:`export_template`)::

    from bot import template_service as ts

    # 1. Check an uploaded file (raw bytes + the file name as uploaded). It is CPU
    #    work (pyxform, the loader): off the event loop in a server.
    result = await asyncio.to_thread(ts.validate_upload, data, "mau.xlsx")
    if result.problems:               # list[ts.Problem]; nothing was stored
        for p in result.problems:
            print(p.text)             # "Trang survey, dòng 5, cột type: kiểu 'numbr' không có"
    else:
        template = result.template    # dialogs.schema.Template, ready to preview

    # 2. Publish it: a new version (1, 2, 3… per template id). The template is
    #    checked again; dialogs.template_errors.TemplateError if it cannot be used.
    published = await ts.publish(
        uow_factory, template, published_by="admin", move_open_rounds=False,
        source_format=result.format, now=clock.now())
    published.version                  # the new version number
    published.open_rounds               # ids of open rounds on an older version
    published.moved_rounds              # ids of those moved (only if move_open_rounds)

    # 3. Lists and detail.
    await ts.list_templates(uow_factory)            # list[TemplateSummary] (latest version each)
    await ts.list_versions(uow_factory, "annual_it")  # list[TemplateVersionInfo], newest first
    await ts.get_template(uow_factory, "annual_it")   # Template | None (latest, version=None)
    await ts.get_template(uow_factory, "annual_it", version=2)

    # Before publishing, ask whether open rounds use the template (the dashboard
    # asks the DIC whether to move them; the CLI needs --move-open-rounds):
    await ts.open_rounds_of(uow_factory, "annual_it")  # list[OpenRound(round_id, version)]

    # 4. Retire: no new round can use it; open rounds keep their pinned version.
    await ts.retire(uow_factory, "annual_it", now=clock.now())

    # 5. Export as YAML or XLSForm (bytes to download or write to a file).
    data = ts.export_template(template, "xlsform")   # or "yaml"
    # xlsform: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet, .xlsx

    # The questions as officers see them (numbering, sections, conditions, rules):
    bot.template_info.describe_template(template)    # plain data (dict)

``result.format``/``source_format`` is "yaml" or "xlsform"; bundled templates are
stored as "bundled" (``baocao init`` / every start stores those the database lacks).
Publishing never changes a stored version; answers of questions a new version
dropped stay stored and in the audit.

A running process keeps its templates in a :class:`bot.template_catalog.TemplateCatalog`
(``boot.templates``); call ``await boot.templates.refresh()`` before using it in a
request so a version published by another process is seen (it reads one cheap
stamp from the database at most once per ``ttl`` seconds).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError

from bot.template_upload import (
    MAX_UPLOAD_BYTES,
    Problem,
    SourceFormat,
    UploadResult,
    validate_upload,
)
from dialogs.cursor import Outline
from dialogs.loader import load_template_text, load_templates, template_to_yaml
from dialogs.schema import Template

__all__ = [
    "MAX_UPLOAD_BYTES",
    "OpenRound",
    "Problem",
    "PublishResult",
    "TemplateSummary",
    "TemplateVersionInfo",
    "UploadResult",
    "export_template",
    "get_template",
    "list_templates",
    "list_versions",
    "load_bundled",
    "open_rounds_of",
    "publish",
    "retire",
    "validate_upload",
]

@dataclass(frozen=True, slots=True)
class PublishResult:
    template_id: str
    version: int
    open_rounds: list[int]  # open rounds of this template on an older version
    moved_rounds: list[int]  # those moved to the new version (move_open_rounds=True)


@dataclass(frozen=True, slots=True)
class OpenRound:
    round_id: int
    version: int  # the template version the round is pinned to


@dataclass(frozen=True, slots=True)
class TemplateVersionInfo:
    template_id: str
    version: int
    name: str
    source_format: str  # "yaml" | "xlsform" | "bundled"
    published_by: str | None
    published_at: dt.datetime
    retired_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class TemplateSummary:
    template_id: str
    name: str
    latest_version: int
    question_count: int
    published_by: str | None
    published_at: dt.datetime
    retired: bool


async def publish(
    uow_factory: Callable[[], Any],
    template: Template,
    *,
    published_by: str | None,
    move_open_rounds: bool,
    now: dt.datetime,
    source_format: str = "yaml",
) -> PublishResult:
    """Store ``template`` as the next version of its id (1 for a new id).

    The template is checked again (``dialogs.template_errors.TemplateError`` if unusable).
    Open rounds of the template stay on their version unless ``move_open_rounds``;
    answers to questions the new version no longer has stay stored (and in the
    audit), they are just not asked or printed.
    """
    load_template_text(template_to_yaml(template), template.id)  # TemplateError if unusable
    async with uow_factory() as uow:
        latest = await uow.templates.latest_version_number(template.id)
        version = (latest or 0) + 1
        stored = template.model_copy(update={"version": version})
        await uow.templates.add_version(
            template_id=template.id, version=version, name=template.name,
            source=template_to_yaml(stored), source_format=source_format,
            published_by=published_by, now=now,
        )
        pinned = await uow.templates.open_rounds(template.id)
        rounds = [rid for rid, v in pinned if v != version]
        moved = rounds if move_open_rounds else []
        await uow.templates.move_rounds(moved, version)
        await uow.commit()
    return PublishResult(template.id, version, rounds, moved)


async def load_bundled(
    uow_factory: Callable[[], Any], *, now: dt.datetime,
    templates: Mapping[str, Template] | None = None,
) -> list[str]:
    """Store each bundled template the database lacks (or has an older version of).

    Safe to run from several processes at once; returns the ids stored.
    """
    stored_ids: list[str] = []
    bundled = templates if templates is not None else load_templates()
    for template in bundled.values():
        try:
            async with uow_factory() as uow:
                latest = await uow.templates.latest_version_number(template.id)
                if latest is not None and latest >= template.version:
                    continue
                await uow.templates.add_version(
                    template_id=template.id, version=template.version,
                    name=template.name, source=template_to_yaml(template),
                    source_format="bundled", published_by=None, now=now,
                )
                await uow.commit()
                stored_ids.append(template.id)
        except IntegrityError:  # another process stored it first
            continue
    return stored_ids


async def list_templates(
    uow_factory: Callable[[], Any], *, include_retired: bool = True
) -> list[TemplateSummary]:
    """The latest version of every stored template, by id."""
    async with uow_factory() as uow:
        records = await uow.templates.list_versions()
    out: list[TemplateSummary] = []
    seen: set[str] = set()
    for record in records:  # by id, newest first
        if record.id in seen:
            continue
        seen.add(record.id)
        if record.retired_at is not None and not include_retired:
            continue
        template = load_template_text(record.source, record.id)
        out.append(TemplateSummary(
            record.id, record.name, record.version, Outline.of(template).total,
            record.published_by, record.created_at, record.retired_at is not None,
        ))
    return out


async def list_versions(
    uow_factory: Callable[[], Any], template_id: str
) -> list[TemplateVersionInfo]:
    """Every version of one template, newest first (empty: no such template)."""
    async with uow_factory() as uow:
        records = await uow.templates.list_versions(template_id)
    return [
        TemplateVersionInfo(r.id, r.version, r.name, r.source_format, r.published_by,
                            r.created_at, r.retired_at)
        for r in records
    ]


async def get_template(
    uow_factory: Callable[[], Any], template_id: str, version: int | None = None
) -> Template | None:
    """A stored version (the latest when ``version`` is None), or None."""
    async with uow_factory() as uow:
        record = await uow.templates.get_version(template_id, version)
    if record is None:
        return None
    template = load_template_text(record.source, record.id)
    return template.model_copy(update={"version": record.version})


async def open_rounds_of(uow_factory: Callable[[], Any], template_id: str) -> list[OpenRound]:
    """The open rounds of a template with their pinned versions (ask before publishing)."""
    async with uow_factory() as uow:
        return [OpenRound(rid, v) for rid, v in await uow.templates.open_rounds(template_id)]


async def retire(uow_factory: Callable[[], Any], template_id: str, *, now: dt.datetime) -> bool:
    """Retire every version of ``template_id``: no new round may use it; open
    rounds keep their pinned version. False when there is no such template."""
    async with uow_factory() as uow:
        found = await uow.templates.retire(template_id, now)
        await uow.commit()
    return found


def export_template(template: Template, fmt: SourceFormat) -> bytes:
    """The template as a YAML file or an XLSForm workbook (``.xlsx`` bytes)."""
    if fmt == "yaml":
        return template_to_yaml(template).encode("utf-8")
    if fmt == "xlsform":
        from dialogs.xlsform_write import template_to_xlsform

        return template_to_xlsform(template)
    raise ValueError(f"unknown format {fmt!r} (yaml or xlsform)")
