"""Uploaded templates waiting to be published from the dashboard's preview.

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
from storage.uow import SqlUnitOfWork

__all__ = ["delete_draft", "get_draft", "mark_previewed", "save_draft"]

PREFIX = "template_draft:"
KEEP = dt.timedelta(days=1)


async def save_draft(uow: SqlUnitOfWork, value: dict[str, Any], *, now: dt.datetime) -> str:
    await uow.session.execute(
        delete(ChannelStateRow).where(ChannelStateRow.key.like(PREFIX + "%"),
                                      ChannelStateRow.updated_at < now - KEEP)
        .execution_options(synchronize_session=False)
    )
    token = secrets.token_urlsafe(18)
    uow.session.add(ChannelStateRow(key=PREFIX + token, version=0, updated_at=now,
                                    value={**value, "previewed": False}))
    await uow.session.flush()
    return token


async def get_draft(uow: SqlUnitOfWork, token: str, *, now: dt.datetime) -> dict[str, Any] | None:
    if not token or len(token) > 64:
        return None
    row = (await uow.session.execute(
        select(ChannelStateRow.value, ChannelStateRow.updated_at)
        .where(ChannelStateRow.key == PREFIX + token)
    )).one_or_none()
    if row is None or row.updated_at < now - KEEP:
        return None
    return dict(row.value)


async def mark_previewed(uow: SqlUnitOfWork, token: str, *, now: dt.datetime) -> None:
    value = await get_draft(uow, token, now=now)
    if value is None or value.get("previewed"):
        return
    await uow.session.execute(
        update(ChannelStateRow).where(ChannelStateRow.key == PREFIX + token)
        .values(value={**value, "previewed": True})
        .execution_options(synchronize_session=False)
    )


async def delete_draft(uow: SqlUnitOfWork, token: str) -> bool:
    result = await uow.session.execute(
        delete(ChannelStateRow).where(ChannelStateRow.key == PREFIX + token)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))
