"""Stored template versions (``uow.templates``): one row per (template id, version).

Methods return :class:`StoredTemplate` (or :class:`storage.records.TemplateSource`)
records, never ORM rows. A version is never changed after it is stored (rounds pin
it); retiring a template marks every version.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select, update

from storage.models import RoundRow, TemplateRow
from storage.records import TemplateSource
from storage.transaction import Repository

__all__ = ["StoredTemplate", "TemplateRepository"]


@dataclass(frozen=True, slots=True)
class StoredTemplate:
    id: str
    version: int
    name: str
    source: str  # YAML text of the template (canonical form for uploads)
    source_format: str  # "yaml" | "xlsform" | "bundled"
    published_by: str | None
    created_at: dt.datetime
    retired_at: dt.datetime | None


def _record(row: TemplateRow) -> StoredTemplate:
    return StoredTemplate(
        row.id, row.version, row.name, row.source, row.source_format, row.published_by,
        row.created_at, row.retired_at,
    )


class TemplateRepository(Repository):
    __slots__ = ()

    async def save_source(
        self, template_id: str, version: int, name: str, source: str, now: dt.datetime
    ) -> TemplateSource:
        """Keep a snapshot of a template's YAML. A stored (id, version) is never
        changed (rounds pin it): saving it again keeps the first snapshot."""
        session = self._tx.session
        row = await session.get(TemplateRow, (template_id, version))
        if row is None:
            row = TemplateRow(id=template_id, version=version, created_at=now, name=name,
                              source=source)
            session.add(row)
            await session.flush()
        return TemplateSource(row.id, row.version, row.name, row.source, row.created_at)

    async def get_source(self, template_id: str, version: int) -> TemplateSource | None:
        row = await self._tx.session.get(TemplateRow, (template_id, version))
        if row is None:
            return None
        return TemplateSource(row.id, row.version, row.name, row.source, row.created_at)

    async def latest_version_number(self, template_id: str) -> int | None:
        return await self._tx.session.scalar(
            select(func.max(TemplateRow.version)).where(TemplateRow.id == template_id)
        )

    async def add_version(
        self, *, template_id: str, version: int, name: str, source: str,
        source_format: str, published_by: str | None, now: dt.datetime,
    ) -> StoredTemplate:
        """Store a new version; a retired template becomes active again."""
        await self._tx.session.execute(
            update(TemplateRow).where(TemplateRow.id == template_id).values(retired_at=None)
        )
        row = TemplateRow(
            id=template_id, version=version, name=name, source=source, created_at=now,
            source_format=source_format, published_by=published_by, retired_at=None,
        )
        self._tx.session.add(row)
        await self._tx.session.flush()
        return _record(row)

    async def get_version(
        self, template_id: str, version: int | None = None
    ) -> StoredTemplate | None:
        """One version, or the latest when ``version`` is None."""
        query = select(TemplateRow).where(TemplateRow.id == template_id)
        if version is not None:
            query = query.where(TemplateRow.version == version)
        row = await self._tx.session.scalar(query.order_by(TemplateRow.version.desc()).limit(1))
        return _record(row) if row is not None else None

    async def list_versions(self, template_id: str | None = None) -> list[StoredTemplate]:
        """Versions (of one template or all), by id then newest first."""
        query = select(TemplateRow)
        if template_id is not None:
            query = query.where(TemplateRow.id == template_id)
        rows = await self._tx.session.scalars(
            query.order_by(TemplateRow.id, TemplateRow.version.desc()))
        return [_record(r) for r in rows]

    async def retire(self, template_id: str, now: dt.datetime) -> bool:
        result = await self._tx.session.execute(
            update(TemplateRow)
            .where(TemplateRow.id == template_id, TemplateRow.retired_at.is_(None))
            .values(retired_at=now)
        )
        if result.rowcount:
            return True
        return await self.latest_version_number(template_id) is not None

    async def catalog_stamp(self) -> tuple[int, int, int]:
        """Changes whenever a version is added or a template retired or re-activated."""
        count, retired, total = (
            await self._tx.session.execute(
                select(
                    func.count(),
                    func.count(TemplateRow.retired_at),
                    func.coalesce(func.sum(TemplateRow.version), 0),
                )
            )
        ).one()
        return int(count), int(retired), int(total)

    async def open_rounds(self, template_id: str) -> list[tuple[int, int]]:
        """(round id, pinned version) of the template's open rounds."""
        rows = await self._tx.session.execute(
            select(RoundRow.id, RoundRow.template_version)
            .where(RoundRow.template_id == template_id, RoundRow.status == "open")
            .order_by(RoundRow.id)
        )
        return [(int(r[0]), int(r[1])) for r in rows]

    async def move_rounds(self, round_ids: list[int], version: int) -> None:
        """Re-pin open rounds to ``version``; their stored answers are left as they are."""
        if round_ids:
            await self._tx.session.execute(
                update(RoundRow).where(RoundRow.id.in_(round_ids))
                .values(template_version=version)
            )
