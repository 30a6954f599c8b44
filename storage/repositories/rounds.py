"""Reporting rounds (``uow.rounds``): a template version asked of many agencies by a
deadline; opening one creates a not-started assignment per agency."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from dialogs.domain import AssignmentStatus, Round
from storage.models import AssignmentRow, RoundRow
from storage.rows import ROUND_FIELDS, to_round
from storage.transaction import Repository

__all__ = ["RoundRepository"]


class RoundRepository(Repository):
    __slots__ = ()

    async def add(
        self, values: dict[str, Any], agency_ids: Iterable[int], now: dt.datetime
    ) -> Round:
        """Create a round and a not-started assignment per agency."""
        session = self._tx.session
        row = RoundRow(created_at=now, **values)
        session.add(row)
        await session.flush()
        for agency_id in dict.fromkeys(agency_ids):
            session.add(
                AssignmentRow(
                    round_id=row.id,
                    agency_id=agency_id,
                    status=AssignmentStatus.NOT_STARTED.value,
                    updated_at=now,
                )
            )
        await session.flush()
        return to_round(row)

    async def update(self, round_id: int, **values: Any) -> Round:
        """Change fields of a round (e.g. ``deadline``, ``status``)."""
        unknown = set(values) - set(ROUND_FIELDS)
        if unknown:
            raise ValueError(f"unknown round fields: {sorted(unknown)}")
        session = self._tx.session
        row = await session.get(RoundRow, round_id)
        if row is None:
            raise LookupError(f"no round {round_id}")
        for name, value in values.items():
            setattr(row, name, value)
        await session.flush()
        self._tx.known_rounds.pop(round_id, None)
        return to_round(row)

    async def get(self, round_id: int) -> Round | None:
        tx = self._tx
        if round_id in tx.known_rounds:  # read by this transaction's turn query
            return tx.known_rounds[round_id]
        row = (await tx.execute(tx.hot.round, {"w_id": round_id})).one_or_none()
        return None if row is None else to_round(row)

    async def list(self, *, status: str | None = None) -> list[Round]:
        """Rounds, newest first."""
        stmt = select(RoundRow).order_by(RoundRow.created_at.desc(), RoundRow.id.desc())
        if status is not None:
            stmt = stmt.where(RoundRow.status == status)
        return [to_round(r) for r in (await self._tx.session.scalars(stmt)).all()]
