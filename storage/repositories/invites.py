"""Invite codes (``uow.invites``): stored by the hash of the code, used once to bind
a chat identity to an officer of the invite's agency. Issuing a code from the
dashboard invalidates the agency's earlier unused ones (only the newest printed
code works)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from sqlalchemy import update

from dialogs.domain import Agency, Officer
from dialogs.ports import BindError
from storage.hot_path import bind_query
from storage.invites import generate_invite_code, hash_invite_code
from storage.models import InviteRow
from storage.rows import AGENCY_FIELDS, ROLES
from storage.transaction import Repository

__all__ = ["InviteRepository"]


class InviteRepository(Repository):
    __slots__ = ()

    async def add(
        self,
        code_hash: str,
        agency_id: int,
        role: str,
        now: dt.datetime,
        expires_at: dt.datetime,
    ) -> int:
        """Store an invite by the hash of its code; returns its id."""
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}")
        row = InviteRow(
            code_hash=code_hash,
            agency_id=agency_id,
            role=role,
            created_at=now,
            expires_at=expires_at,
        )
        session = self._tx.session
        session.add(row)
        await session.flush()
        return row.id

    async def reissue(
        self, agency_id: int, *, now: dt.datetime, ttl: dt.timedelta, role: str = "officer",
    ) -> str:
        """A fresh code for the agency (returned once; only its hash is stored); the
        agency's earlier unused codes of the same role expire now."""
        await self._tx.session.execute(
            update(InviteRow)
            .where(InviteRow.agency_id == agency_id, InviteRow.role == role,
                   InviteRow.used_at.is_(None), InviteRow.expires_at > now)
            .values(expires_at=now)
            .execution_options(synchronize_session=False)
        )
        code = generate_invite_code()
        await self.add(hash_invite_code(code), agency_id, role, now, now + ttl)
        return code

    async def bind(
        self, code: str, channel: str, user_id: str, display_name: str | None, now: dt.datetime
    ) -> Officer:
        """Use an invite code: bind the chat identity to an officer of its agency.

        Raises ``BindError("unknown" | "used" | "expired")``. Marking the invite
        used is a conditional UPDATE, so of two concurrent uses only one wins.
        An identity already bound to an officer of the same agency keeps that
        officer (promoted to ``dic`` if the invite says so); otherwise a new
        officer is created and the identity (re)bound to it. The invite's agency
        is kept for ``uow.agencies.get``. The writes are the transaction's batched
        writes; on PostgreSQL the claim and every read are one statement.
        """
        tx = self._tx
        code_hash = hash_invite_code(code)
        found = await self._claim(code_hash, channel, user_id, now)
        if found["claimed_id"] is None:
            raise BindError("unknown" if found["invite_id"] is None
                            else "expired" if found["used_at"] is None
                            and found["expires_at"] <= now else "used")
        agency_id, role = found["ag_id"], found["claimed_role"]
        tx.known_agencies[agency_id] = Agency(
            id=agency_id, **{n: found[f"ag_{n}"] for n in AGENCY_FIELDS})
        if found["identity_id"] is not None and found["o_agency_id"] == agency_id:
            officer = Officer(found["o_id"], agency_id, found["o_full_name"], found["o_role"])
            if role == "dic" and officer.role != "dic":
                officer = dataclasses.replace(officer, role="dic")
                await tx.write("promote_officer", {"w_id": officer.id, "v_role": "dic"})
        else:
            name = (display_name or "").strip() or f"Cán bộ {found['ag_abbreviation']}".strip()
            officer = Officer(found["next_officer_id"], agency_id, name, role)
            await tx.write("insert_officer", {
                "v_id": officer.id, "v_agency_id": agency_id, "v_full_name": name,
                "v_role": role, "v_created_at": now})
        bound = {"v_officer_id": officer.id, "v_last_seen_at": now,
                 "v_display_name": display_name or found["display_name"]}
        if found["identity_id"] is None:
            await tx.write("insert_identity", {
                **bound, "v_channel": channel, "v_user_id": user_id},
                check=f"identity {channel}:{user_id} bound meanwhile")
        else:
            await tx.write("bind_identity", {**bound, "w_id": found["identity_id"]},
                           check=f"identity {channel}:{user_id} changed meanwhile")
        await tx.write("use_invite", {
            "w_id": found["claimed_id"], "v_used_by_officer_id": officer.id})
        await tx.write_audit(
            "identity.bind",
            "officer",
            officer.id,
            actor_officer_id=officer.id,
            now=now,
            detail={
                "channel": channel,
                "user_id": user_id,
                "agency_id": agency_id,
                "invite_id": found["claimed_id"],
                "role": officer.role,
            },
        )
        return officer

    async def _claim(self, code_hash: str, channel: str, user_id: str, now: dt.datetime) -> Any:
        """Claim the invite and read what binding needs (:func:`storage.hot_path.bind_query`)."""
        tx = self._tx
        parameters = {"w_code_hash": code_hash, "channel": channel, "user_id": user_id,
                      "w_now": now}
        if tx.dialect != "postgresql":
            claimed = (await tx.execute(tx.hot.claim_invite, parameters)).one_or_none()
            parameters.update(claimed_id=None, claimed_agency_id=None, claimed_role=None)
            if claimed is not None:
                parameters.update(claimed_id=claimed[0], claimed_agency_id=claimed[1],
                                  claimed_role=claimed[2])
        result = await tx.execute(bind_query(tx.dialect), parameters)
        return result.one()._mapping
