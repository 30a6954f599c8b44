"""Conversations (``uow.conversations``): one per chat identity, saved at the end of
every turn with optimistic concurrency (a version)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from dialogs.domain import Conversation
from storage.hot_path import CONVERSATION_COLUMNS
from storage.models import ConversationRow
from storage.transaction import Repository

__all__ = ["ConversationRepository"]


class ConversationRepository(Repository):
    __slots__ = ()

    async def get(self, channel: str, user_id: str) -> Conversation | None:
        row = await self._tx.session.scalar(
            select(ConversationRow).where(
                ConversationRow.channel == channel, ConversationRow.user_id == user_id
            )
        )
        if row is None:
            return None
        return Conversation(
            **{n: getattr(row, n) for n in CONVERSATION_COLUMNS if n != "data"},
            data=dict(row.data),
        )

    async def save(self, conversation: Conversation) -> None:
        """Insert (version 0) or update (same version); ConflictError otherwise.

        On success ``conversation.version`` is bumped.
        """
        tx = self._tx
        values: dict[str, Any] = {
            "v_state": conversation.state,
            "v_officer_id": conversation.officer_id,
            "v_assignment_id": conversation.assignment_id,
            "v_step": conversation.step,
            "v_data": dict(conversation.data),
            "v_version": conversation.version + 1,
            "v_updated_at": tx.clock.now(),
        }
        if conversation.version == 0:
            kind = "insert_conversation"
            values.update(v_channel=conversation.channel, v_user_id=conversation.user_id)
        else:
            kind = "update_conversation"
            values.update(w_channel=conversation.channel, w_user_id=conversation.user_id,
                          w_version=conversation.version)
        await tx.write(kind, values, check=(
            f"conversation {conversation.channel}:{conversation.user_id} changed since "
            f"version {conversation.version}"))
        await tx.flush_writes()
        conversation.version += 1
