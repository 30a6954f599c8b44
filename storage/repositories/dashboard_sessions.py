"""Server-side dashboard sessions (``uow.dashboard_sessions``, table ``dashboard_sessions``).

The browser's cookie holds a random token; only its SHA-256 is stored, with the
officer, the session's CSRF token, its expiry and, once ended, when it was
revoked. Logout or the DIC's "end session" revokes a row at once, so a copied
cookie stops working; expired and revoked rows are purged after ``KEEP_ENDED``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, or_, select, update

from storage.models import DashboardSessionRow, OfficerRow
from storage.transaction import Repository

__all__ = ["KEEP_ENDED", "ActiveSession", "DashboardSessionRepository"]

KEEP_ENDED = dt.timedelta(days=2)


@dataclass(frozen=True, slots=True)
class ActiveSession:
    id: int
    officer_id: int
    officer_name: str
    csrf: str
    created_at: dt.datetime
    expires_at: dt.datetime
    user_agent: str | None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def _active(now: dt.datetime) -> Any:
    return select(DashboardSessionRow, OfficerRow.full_name).join(
        OfficerRow, OfficerRow.id == DashboardSessionRow.officer_id).where(
        DashboardSessionRow.revoked_at.is_(None), DashboardSessionRow.expires_at > now)


def _record(row: DashboardSessionRow, name: str) -> ActiveSession:
    return ActiveSession(row.id, row.officer_id, name, row.csrf, row.created_at,
                         row.expires_at, row.user_agent)


class DashboardSessionRepository(Repository):
    __slots__ = ()

    async def start(self, officer_id: int, *, now: dt.datetime, ttl: dt.timedelta,
                    user_agent: str | None = None) -> str:
        """A new session for ``officer_id``; returns the cookie's token."""
        await self._tx.session.execute(
            delete(DashboardSessionRow).where(or_(
                DashboardSessionRow.expires_at < now - KEEP_ENDED,
                DashboardSessionRow.revoked_at < now - KEEP_ENDED,
            )).execution_options(synchronize_session=False))
        token = secrets.token_urlsafe(32)
        self._tx.session.add(DashboardSessionRow(
            token_hash=_hash(token), officer_id=officer_id, csrf=secrets.token_urlsafe(24),
            created_at=now, expires_at=now + ttl, revoked_at=None,
            user_agent=(user_agent or "")[:200] or None))
        await self._tx.session.flush()
        return token

    async def find(self, token: str | None, *, now: dt.datetime) -> ActiveSession | None:
        """The live session a cookie's token names, or None (unknown, expired, revoked)."""
        if not token or len(token) > 200:
            return None
        found = (await self._tx.session.execute(
            _active(now).where(DashboardSessionRow.token_hash == _hash(token)))).first()
        return None if found is None else _record(found[0], found[1])

    async def list_active(self, *, now: dt.datetime) -> list[ActiveSession]:
        rows = (await self._tx.session.execute(
            _active(now).order_by(DashboardSessionRow.created_at.desc()))).all()
        return [_record(row, name) for row, name in rows]

    async def revoke(self, session_id: int, *, now: dt.datetime) -> bool:
        """End a session at once; False when it was not live."""
        result = await self._tx.session.execute(
            update(DashboardSessionRow)
            .where(DashboardSessionRow.id == session_id, DashboardSessionRow.revoked_at.is_(None))
            .values(revoked_at=now).execution_options(synchronize_session=False))
        return int(getattr(result, "rowcount", 0) or 0) == 1
