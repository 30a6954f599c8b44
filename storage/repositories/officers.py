"""Officers (``uow.officers``): by id and agency, the dashboard's roster, and revoking one.

Revoking an officer unbinds every chat identity of theirs: the identity rows go,
and each of their conversations is marked ``revoked`` and set back to "unbound"
(with its version bumped, so a turn running meanwhile retries on the new state).
Their next message is answered with :data:`dialogs.texts.REVOKED` until they
bind again with a new invite code. The officer row stays for the history
(answers, submissions, audit) and loses the ``dic`` role.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, select, update

from dialogs.domain import Officer
from storage.models import AuditRow, ConversationRow, IdentityRow, OfficerRow
from storage.rows import to_officer
from storage.transaction import Repository

__all__ = ["REVOKED_FLAG", "OfficerRepository", "RosterEntry"]

REVOKED_FLAG = "revoked"


@dataclass(frozen=True)
class RosterEntry:
    officer_id: int
    full_name: str
    role: str
    channels: tuple[str, ...]  # bound chat channels ("telegram", "web", "zalo_oa" …)
    last_seen_at: dt.datetime | None
    revoked_at: dt.datetime | None  # the last revocation, when no identity is bound since


class OfficerRepository(Repository):
    __slots__ = ()

    async def get(self, officer_id: int) -> Officer | None:
        row = await self._tx.session.get(OfficerRow, officer_id)
        return None if row is None else to_officer(row)

    async def list(self, agency_id: int) -> list[Officer]:
        rows = await self._tx.session.scalars(
            select(OfficerRow).where(OfficerRow.agency_id == agency_id).order_by(OfficerRow.id)
        )
        return [to_officer(r) for r in rows.all()]

    async def names_by_agency(self, agency_ids: Iterable[int]) -> dict[int, list[str]]:
        """agency id -> its officers' full names, in the order of :meth:`list`."""
        wanted = list(agency_ids)
        out: dict[int, list[str]] = {a: [] for a in wanted}
        if not wanted:
            return out
        rows = await self._tx.session.execute(
            select(OfficerRow.agency_id, OfficerRow.full_name)
            .where(OfficerRow.agency_id.in_(wanted)).order_by(OfficerRow.id))
        for agency_id, name in rows.all():
            out[agency_id].append(name)
        return out

    async def roster(self, agency_id: int) -> list[RosterEntry]:
        """The agency's officers with their channels and last message, oldest first."""
        session = self._tx.session
        officers = (await session.execute(
            select(OfficerRow.id, OfficerRow.full_name, OfficerRow.role)
            .where(OfficerRow.agency_id == agency_id).order_by(OfficerRow.id)
        )).all()
        ids = [o.id for o in officers]
        identities = (await session.execute(
            select(IdentityRow.officer_id, IdentityRow.channel, IdentityRow.last_seen_at)
            .where(IdentityRow.officer_id.in_(ids)).order_by(IdentityRow.id)
        )).all() if ids else []
        revocations = (await session.execute(
            select(AuditRow.entity_id, AuditRow.at)
            .where(AuditRow.action == "officer.revoke", AuditRow.entity == "officer",
                   AuditRow.entity_id.in_([str(i) for i in ids]))
        )).all() if ids else []
        revoked: dict[int, dt.datetime] = {}
        for entity_id, at in revocations:
            revoked[int(entity_id)] = max(at, revoked.get(int(entity_id), at))
        entries = []
        for officer in officers:
            mine = [i for i in identities if i.officer_id == officer.id]
            seen = [i.last_seen_at for i in mine if i.last_seen_at is not None]
            entries.append(RosterEntry(
                officer_id=officer.id, full_name=officer.full_name, role=officer.role,
                channels=tuple(dict.fromkeys(i.channel for i in mine)),
                last_seen_at=max(seen) if seen else None,
                revoked_at=None if mine else revoked.get(officer.id),
            ))
        return entries

    async def revoke(self, officer_id: int, *, now: dt.datetime, actor_officer_id: int) -> int:
        """Unbind the officer's chat identities (see the module docstring); returns how
        many were unbound. Audited as ``officer.revoke``."""
        session = self._tx.session
        bound = (await session.execute(
            select(IdentityRow.channel, IdentityRow.user_id)
            .where(IdentityRow.officer_id == officer_id)
        )).all()
        for channel, user_id in bound:
            await session.execute(
                update(ConversationRow)
                .where(ConversationRow.channel == channel, ConversationRow.user_id == user_id)
                .values(state="unbound", officer_id=None, assignment_id=None, step=None,
                        data={REVOKED_FLAG: True}, version=ConversationRow.version + 1,
                        updated_at=now)
                .execution_options(synchronize_session=False)
            )
        await session.execute(
            delete(IdentityRow).where(IdentityRow.officer_id == officer_id)
            .execution_options(synchronize_session=False)
        )
        await session.execute(
            update(OfficerRow).where(OfficerRow.id == officer_id).values(role="officer")
            .execution_options(synchronize_session=False)
        )
        await self._tx.write_audit(
            "officer.revoke", "officer", officer_id, actor_officer_id=actor_officer_id,
            now=now, detail={"identities": [f"{c}:{u}" for c, u in bound]})
        return len(bound)
