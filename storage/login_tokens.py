"""Single-use dashboard login tokens, kept hashed in the ``channel_state`` table.

No new table: a token is a row ``dashboard_login:<sha256 of the token>`` whose
value holds the officer and the expiry; ``version`` 0 means unused. Using a
token is one conditional UPDATE (``version 0 → 1``), so two requests racing with
the same link cannot both log in, on SQLite or PostgreSQL. The token itself is
never stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import delete, select, update

from storage.models import ChannelStateRow
from storage.uow import SqlUnitOfWork

__all__ = ["PREFIX", "consume_login_token", "issue_login_token"]

PREFIX = "dashboard_login:"
KEEP_USED = dt.timedelta(days=2)  # used/expired rows are purged after this


def _key(token: str) -> str:
    return PREFIX + hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


async def issue_login_token(
    uow: SqlUnitOfWork, officer_id: int, *, now: dt.datetime, ttl: dt.timedelta
) -> str:
    """A fresh token for ``officer_id`` (in the caller's transaction)."""
    await uow.session.execute(
        delete(ChannelStateRow).where(
            ChannelStateRow.key.like(PREFIX + "%"), ChannelStateRow.updated_at < now - KEEP_USED
        )
    )
    token = secrets.token_urlsafe(32)
    uow.session.add(ChannelStateRow(
        key=_key(token), version=0, updated_at=now,
        value={"officer_id": officer_id, "expires_at": (now + ttl).isoformat()},
    ))
    await uow.session.flush()
    return token


async def consume_login_token(uow: SqlUnitOfWork, token: str, *, now: dt.datetime) -> int | None:
    """The officer id if the token is known, unused and unexpired; it is used up either way."""
    if not token or len(token) > 200:
        return None
    key = _key(token)
    result = await uow.session.execute(
        update(ChannelStateRow)
        .where(ChannelStateRow.key == key, ChannelStateRow.version == 0)
        .values(version=1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        return None
    value = await uow.session.scalar(
        select(ChannelStateRow.value).where(ChannelStateRow.key == key)
    )
    if not value:
        return None
    try:
        expires = dt.datetime.fromisoformat(value["expires_at"])
        officer_id = int(value["officer_id"])
    except (KeyError, TypeError, ValueError):
        return None
    return officer_id if now < expires else None
