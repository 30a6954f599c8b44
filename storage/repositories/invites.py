"""Issuing an agency's invite code from the dashboard: a new code invalidates the
agency's earlier unused ones (only the newest printed code works)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from storage.invites import generate_invite_code, hash_invite_code
from storage.models import InviteRow
from storage.uow import SqlUnitOfWork

__all__ = ["reissue_invite"]


async def reissue_invite(
    uow: SqlUnitOfWork, agency_id: int, *, now: dt.datetime, ttl: dt.timedelta,
    role: str = "officer",
) -> str:
    """A fresh code for the agency (returned once; only its hash is stored); the
    agency's earlier unused codes of the same role expire now."""
    await uow.session.execute(
        update(InviteRow)
        .where(InviteRow.agency_id == agency_id, InviteRow.role == role,
               InviteRow.used_at.is_(None), InviteRow.expires_at > now)
        .values(expires_at=now)
        .execution_options(synchronize_session=False)
    )
    code = generate_invite_code()
    await uow.add_invite(hash_invite_code(code), agency_id, role, now, now + ttl)
    return code
