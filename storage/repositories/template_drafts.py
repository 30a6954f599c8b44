"""Template drafts (``uow.template_drafts``): uploaded templates waiting to be
published from the dashboard's preview.

No new table: a draft is a ``channel_state`` row ``template_draft:<token>`` whose
value holds the checked template (as YAML), its source format, the file name and
who uploaded it. It is read by any process (the preview and the "Xuất bản" may
reach different workers), deleted when published or discarded, and purged a day
after it was made.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from sqlalchemy import delete, select, update

from storage.models import ChannelStateRow
from storage.transaction import Repository

__all__ = ["KEEP", "PREFIX", "TemplateDraftRepository"]

PREFIX = "template_draft:"
KEEP = dt.timedelta(days=1)


class TemplateDraftRepository(Repository):
    __slots__ = ()

    async def save(self, value: dict[str, Any], *, now: dt.datetime) -> str:
        await self._tx.session.execute(
            delete(ChannelStateRow).where(ChannelStateRow.key.like(PREFIX + "%"),
                                          ChannelStateRow.updated_at < now - KEEP)
            .execution_options(synchronize_session=False)
        )
        token = secrets.token_urlsafe(18)
        self._tx.session.add(ChannelStateRow(key=PREFIX + token, version=0, updated_at=now,
                                        value={**value, "previewed": False}))
        await self._tx.session.flush()
        return token

    async def get(self, token: str, *, now: dt.datetime) -> dict[str, Any] | None:
        if not token or len(token) > 64:
            return None
        row = (await self._tx.session.execute(
            select(ChannelStateRow.value, ChannelStateRow.updated_at)
            .where(ChannelStateRow.key == PREFIX + token)
        )).one_or_none()
        if row is None or row.updated_at < now - KEEP:
            return None
        return dict(row.value)

    async def mark_previewed(self, token: str, *, now: dt.datetime) -> None:
        value = await self.get(token, now=now)
        if value is None or value.get("previewed"):
            return
        await self._tx.session.execute(
            update(ChannelStateRow).where(ChannelStateRow.key == PREFIX + token)
            .values(value={**value, "previewed": True})
            .execution_options(synchronize_session=False)
        )

    async def delete(self, token: str) -> bool:
        result = await self._tx.session.execute(
            delete(ChannelStateRow).where(ChannelStateRow.key == PREFIX + token)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))
