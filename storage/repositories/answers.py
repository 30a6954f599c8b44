"""Answers (``uow.answers``): one value per (assignment, question), every change kept
in the history (who, when, old, new). Setting an answer is a turn's main write: it
goes through the transaction's batched writes (:mod:`storage.hot_path`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from dialogs.domain import AssignmentStatus
from dialogs.ports import ConflictError
from storage.hot_path import previous_answers_query
from storage.models import AnswerHistoryRow
from storage.records import AnswerChange
from storage.rows import same_json
from storage.transaction import Repository

__all__ = ["AnswerRepository"]


class AnswerRepository(Repository):
    __slots__ = ()

    async def get(self, assignment_id: int) -> dict[str, Any]:
        tx = self._tx
        known = tx.known_answers.get(assignment_id)  # read by turns.load, kept by set
        if known is None:
            rows = await tx.execute(tx.hot.answers, {"w_assignment_id": assignment_id})
            known = tx.known_answers[assignment_id] = {r[0]: (r[1], r[2]) for r in rows}
        return {question_id: value for question_id, (value, _) in known.items()}

    async def set(
        self,
        assignment_id: int,
        question_id: str,
        value: Any,
        officer_id: int | None,
        now: dt.datetime,
        expected: Any = ...,
    ) -> None:
        """Store the value (``None`` deletes it) with a history row (old, new, who, when).

        The history is the answers' audit trail (``baocao audit`` reads it). Setting
        the value it already has changes nothing. The first answer moves a
        not-started (or returned) assignment to in progress. With ``expected``,
        raise :class:`ConflictError` if the stored value is no longer that one (an
        officer of the same agency changed it meanwhile), so no update is lost. The
        writes are the transaction's batched writes (on PostgreSQL sent with the
        turn's next statement), so a write that finds the row changed raises there.
        """
        tx = self._tx
        old, version = await self._stored(assignment_id, question_id)
        if expected is not ... and not same_json(old, expected):
            raise ConflictError(f"answer {assignment_id}/{question_id} changed meanwhile")
        if old is None and value is None:
            return
        if old is not None and value is not None and same_json(old, value):
            return
        # Every write is conditional on what was read (the version, or no row), so a
        # change committed by another officer in between fails instead of being
        # overwritten; the caller rolls back and retries the turn.
        conflict = f"answer {assignment_id}/{question_id} changed meanwhile"
        if tx.has_pending("_answer"):
            await tx.flush_writes()  # one write per row and statement
        key = {"w_assignment_id": assignment_id, "w_question_id": question_id,
               "w_version": version}
        if value is None:
            await tx.write("delete_answer", key, check=conflict)
        elif old is None:
            await tx.write("insert_answer", {
                "v_assignment_id": assignment_id, "v_question_id": question_id,
                "v_value": value, "v_updated_at": now, "v_updated_by_officer_id": officer_id,
                "v_version": 1}, check=conflict)
        else:
            await tx.write("update_answer", {
                **key, "v_value": value, "v_updated_at": now,
                "v_updated_by_officer_id": officer_id, "v_version": version + 1},
                check=conflict)
        known = tx.known_answers.get(assignment_id)
        if known is not None:
            if value is None:
                known.pop(question_id, None)
            else:
                known[question_id] = (value, 1 if old is None else version + 1)
        await tx.write("history", {
            "v_assignment_id": assignment_id, "v_question_id": question_id, "v_old": old,
            "v_new": value, "v_officer_id": officer_id, "v_at": now})
        if tx.known_statuses.get(assignment_id) is not AssignmentStatus.IN_PROGRESS:
            await tx.write("start_assignment", {
                "w_id": assignment_id, "v_status": AssignmentStatus.IN_PROGRESS.value,
                "v_updated_at": now})
            tx.known_statuses.pop(assignment_id, None)

    async def _stored(self, assignment_id: int, question_id: str) -> tuple[Any, int]:
        """(value, version) of an answer, ``(None, 0)`` when absent: from this
        transaction's :meth:`get` when it read them, else from the database."""
        tx = self._tx
        known = tx.known_answers.get(assignment_id)
        if known is not None:
            return known.get(question_id, (None, 0))
        row = (await tx.execute(tx.hot.answer, {
            "w_assignment_id": assignment_id, "w_question_id": question_id})).one_or_none()
        return (None, 0) if row is None else (row[0], row[1])

    async def history(
        self, assignment_id: int, question_id: str | None = None
    ) -> list[AnswerChange]:
        """Every change of the assignment's answers, oldest first."""
        stmt = select(AnswerHistoryRow).where(AnswerHistoryRow.assignment_id == assignment_id)
        if question_id is not None:
            stmt = stmt.where(AnswerHistoryRow.question_id == question_id)
        rows = (await self._tx.session.scalars(stmt.order_by(AnswerHistoryRow.id))).all()
        return [
            AnswerChange(r.assignment_id, r.question_id, r.old, r.new, r.officer_id, r.at)
            for r in rows
        ]

    async def previous(self, assignment_id: int) -> dict[str, Any]:
        """The agency's answers in its latest submission of the same template in an
        earlier round (rounds ordered by creation), else ``{}``."""
        result = await self._tx.execute(previous_answers_query(),
                                        {"assignment_id": assignment_id})
        answers = result.scalar_one_or_none()
        return dict(answers) if answers else {}

