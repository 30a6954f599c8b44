"""The templates a running process uses, read from the database.

:class:`TemplateCatalog` is a ``Mapping[str, Template]`` of the latest active
(not retired) version of each template — what a new round may use — plus every
version a round has pinned:

* ``await catalog.pinned(template_id, version)`` is the version a round was
  opened with (or moved to). Versions never change once stored, so a cached one
  is always right; an unknown one is read from the database at once. This is
  how a template published by another process (``baocao templates add``, the
  dashboard) is used by a running ``baocao run`` without a restart.
* ``await catalog.refresh()`` re-reads the list of latest versions when a cheap
  stamp (row count, retired count, version sum) changed; it asks the database at
  most once every ``ttl`` seconds. Call it before showing lists of templates.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from dialogs.loader import load_template_text
from dialogs.pinned import round_template
from dialogs.schema import Template
from dialogs.template_errors import TemplateError
from storage.repositories import templates as repo

__all__ = ["TemplateCatalog", "round_template"]

log = logging.getLogger(__name__)


class TemplateCatalog(Mapping[str, Template]):
    def __init__(self, uow_factory: Callable[[], Any], *, ttl: float = 1.0) -> None:
        self._uow_factory = uow_factory
        self._ttl = ttl
        self._versions: dict[tuple[str, int], Template] = {}
        self._latest: dict[str, Template] = {}
        self._stamp: tuple[int, int, int] | None = None
        self._checked = float("-inf")
        self._lock = asyncio.Lock()
        self._primed: dict[tuple[str, int], Template] = {}

    def prime(self, templates: Mapping[str, Template]) -> None:
        """Reuse already parsed bundled templates for their stored versions."""
        self._primed.update({(t.id, t.version): t for t in templates.values()})

    # ------------------------------------------------------------------ Mapping
    def __getitem__(self, template_id: str) -> Template:
        return self._latest[template_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._latest)

    def __len__(self) -> int:
        return len(self._latest)

    # ------------------------------------------------------------------ loading
    def get_version(self, template_id: str, version: int) -> Template | None:
        """A version already in memory, or None (see :meth:`pinned`)."""
        return self._versions.get((template_id, version))

    async def pinned(self, template_id: str, version: int, *, uow: Any = None) -> Template | None:
        """The given version, read from the database if not yet in memory.

        ``uow``: the caller's open unit of work, used for the read (on SQLite a
        second transaction would wait for the caller's write lock). A round
        opened before templates were stored (no such version) falls back to the
        latest version of its template.
        """
        found = self._versions.get((template_id, version))
        if found is not None:
            return found
        if uow is not None:
            stored = await uow.templates.get_version(template_id, version)
        else:
            async with self._uow_factory() as own:
                stored = await own.templates.get_version(template_id, version)
        if stored is not None:
            return self._parse(stored)
        if uow is None:
            await self.refresh(force=True)
        return self._latest.get(template_id) or self._any_version(template_id)

    async def refresh(self, *, force: bool = False, uow: Any = None) -> None:
        """Re-read the latest versions if they changed (at most once per ``ttl``).

        ``uow``: the caller's open unit of work, if any, to read through.
        """
        if not force and time.monotonic() - self._checked < self._ttl:
            return
        async with self._lock:
            if uow is not None:
                stored = await self._changed(uow)
            else:
                async with self._uow_factory() as own:
                    stored = await self._changed(own)
            if stored is None:
                return
            latest: dict[str, Template] = {}
            for record in stored:  # by id, newest first
                if record.id in latest or record.retired_at is not None:
                    continue
                template = self._parse(record)
                if template is not None:
                    latest[record.id] = template
            self._latest = dict(sorted(latest.items()))

    async def _changed(self, uow: Any) -> list[repo.StoredTemplate] | None:
        """Every stored version if the stamp moved since the last read, else None."""
        stamp = await uow.templates.catalog_stamp()
        self._checked = time.monotonic()
        if stamp == self._stamp:
            return None
        self._stamp = stamp
        return await uow.templates.list_versions()

    def _parse(self, record: repo.StoredTemplate) -> Template | None:
        key = (record.id, record.version)
        if key in self._versions:
            return self._versions[key]
        primed = self._primed.get(key)
        if primed is not None and record.source_format == "bundled":
            self._versions[key] = primed
            return primed
        try:
            template = load_template_text(record.source, f"{record.id}@{record.version}")
        except TemplateError as exc:  # stored by an older release with other rules
            log.error("stored template %s version %s cannot be read: %s", *key, exc)
            return None
        if template.version != record.version:
            template = template.model_copy(update={"version": record.version})
        self._versions[key] = template
        return template

    def _any_version(self, template_id: str) -> Template | None:
        found = [t for (tid, _), t in self._versions.items() if tid == template_id]
        return max(found, key=lambda t: t.version) if found else None
