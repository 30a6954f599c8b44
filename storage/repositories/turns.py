"""A turn's first read (``uow.turns``): the chat identity's conversation, officer and
agency, and the conversation's assignment, round and answers, in one query
(:func:`storage.hot_path.turn_query`); on PostgreSQL claiming the delivery id too.
What it reads is kept for the rest of the transaction (``uow.rounds.get``,
``uow.agencies.get`` and ``uow.answers.get`` then need no query)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from dialogs.domain import Agency, Conversation, Officer
from dialogs.ports import TurnContext
from storage.hot_path import CONVERSATION_COLUMNS, rowcount, turn_query
from storage.rows import AGENCY_FIELDS
from storage.transaction import Repository

__all__ = ["TurnRepository"]


class TurnRepository(Repository):
    __slots__ = ()

    async def begin(
        self, channel: str, user_id: str, message_id: str | None, now: dt.datetime
    ) -> TurnContext | None:
        """Claim the delivery (as ``uow.inbound.claim``) and :meth:`load`; None when
        this delivery was processed already. On PostgreSQL this is one statement."""
        tx = self._tx
        if message_id is None:
            return await self.load(channel, user_id)
        if tx.dialect != "postgresql":
            claimed = await tx.execute(
                tx.hot.claim, {"channel": channel, "message_id": message_id, "received_at": now})
            if rowcount(claimed) != 1:
                return None
            return await self.load(channel, user_id)
        result = await tx.execute(turn_query(tx.dialect, claiming=True), {
            "channel": channel, "user_id": user_id, "message_id": message_id,
            "received_at": now})
        row = result.one()._mapping
        return self._context(row) if row["claimed"] else None

    async def load(self, channel: str, user_id: str) -> TurnContext:
        """The conversation, the identity's officer and agency, and the conversation's
        assignment, round and answers, in one query (a turn's first read)."""
        tx = self._tx
        result = await tx.execute(turn_query(tx.dialect), {"channel": channel, "user_id": user_id})
        return self._context(result.one()._mapping)

    def _context(self, row: Any) -> TurnContext:
        conversation = None
        if row["c_version"] is not None:
            conversation = Conversation(
                **{n: row[f"c_{n}"] for n in CONVERSATION_COLUMNS if n != "data"},
                data=dict(row["c_data"] or {}),
            )
        officer = None if row["o_id"] is None else Officer(
            id=row["o_id"], agency_id=row["o_agency_id"], full_name=row["o_full_name"],
            role=row["o_role"])
        agency = None if row["ag_id"] is None else Agency(
            id=row["ag_id"], **{n: row[f"ag_{n}"] for n in AGENCY_FIELDS})
        if agency is not None:
            self._tx.known_agencies[agency.id] = agency
        assignment, round_ = None, None
        if row["a_id"] is not None:
            assignment, round_ = self._tx.keep_assignment(row)
        return TurnContext(conversation, officer, agency, assignment, round_,
                           row["i_last_seen_at"])
