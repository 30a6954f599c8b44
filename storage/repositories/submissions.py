"""Submissions (``uow.submissions``): immutable versions (1, 2, …) of an assignment's
report, with the answers as submitted and the DOCX.

:meth:`SubmissionRepository.latest_answers` reads the latest answers of many
assignments at once (the roll-up of a national round asked :meth:`latest` 4,080
times, loading every DOCX blob): only the answers and the version, a few queries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select, update

from dialogs.domain import AssignmentStatus
from dialogs.ports import ConflictError, SubmissionRecord
from storage.filenames import versioned_filename
from storage.hot_path import rowcount
from storage.models import AssignmentRow, SubmissionRow
from storage.rows import to_submission
from storage.transaction import Repository

__all__ = ["SubmissionRepository"]

CHUNK = 500


class SubmissionRepository(Repository):
    __slots__ = ()

    async def add(
        self,
        assignment_id: int,
        answers: dict[str, Any],
        docx: bytes,
        filename: str,
        officer_id: int | None,
        now: dt.datetime,
    ) -> SubmissionRecord:
        """Store the next version (1, 2, …) and mark the assignment submitted."""
        # Updating the assignment first locks its row, serialising version numbers;
        # the status condition makes a second, simultaneous submit fail instead of
        # becoming version 2.
        session = self._tx.session
        marked = await session.execute(
            update(AssignmentRow)
            .where(
                AssignmentRow.id == assignment_id,
                AssignmentRow.status != AssignmentStatus.SUBMITTED.value,
            )
            .values(status=AssignmentStatus.SUBMITTED.value, submitted_at=now, updated_at=now)
        )
        if rowcount(marked) != 1:
            if await session.get(AssignmentRow, assignment_id) is None:
                raise LookupError(f"no assignment {assignment_id}")
            raise ConflictError(f"assignment {assignment_id} is already submitted")
        latest = await session.scalar(
            select(func.max(SubmissionRow.version)).where(
                SubmissionRow.assignment_id == assignment_id
            )
        )
        version = (latest or 0) + 1
        row = SubmissionRow(
            assignment_id=assignment_id,
            version=version,
            answers=dict(answers),
            docx=bytes(docx),
            filename=versioned_filename(filename, version),
            officer_id=officer_id,
            submitted_at=now,
        )
        session.add(row)
        await session.flush()
        await self._tx.write_audit(
            "submission.add",
            "assignment",
            assignment_id,
            actor_officer_id=officer_id,
            now=now,
            detail={"submission_id": row.id, "version": row.version, "filename": filename},
        )
        return to_submission(row)

    async def latest(self, assignment_id: int) -> SubmissionRecord | None:
        row = await self._tx.session.scalar(
            select(SubmissionRow)
            .where(SubmissionRow.assignment_id == assignment_id)
            .order_by(SubmissionRow.version.desc())
            .limit(1)
        )
        return None if row is None else to_submission(row)

    async def list(self, assignment_id: int) -> list[SubmissionRecord]:
        """Every submitted version, oldest first."""
        rows = await self._tx.session.scalars(
            select(SubmissionRow)
            .where(SubmissionRow.assignment_id == assignment_id)
            .order_by(SubmissionRow.version)
        )
        return [to_submission(r) for r in rows.all()]

    async def docx(self, submission_id: int) -> tuple[str, bytes] | None:
        row = (
            await self._tx.session.execute(
                select(SubmissionRow.filename, SubmissionRow.docx).where(
                    SubmissionRow.id == submission_id
                )
            )
        ).one_or_none()
        return None if row is None else (row.filename, bytes(row.docx))

    async def latest_answers(
        self, assignment_ids: Iterable[int]
    ) -> dict[int, tuple[dict[str, Any], int]]:
        """assignment id -> (answers, version) of its latest submitted version; assignments
        never submitted are absent."""
        ids = list(assignment_ids)
        out: dict[int, tuple[dict[str, Any], int]] = {}
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start:start + CHUNK]
            latest = (
                select(SubmissionRow.assignment_id, func.max(SubmissionRow.version).label("v"))
                .where(SubmissionRow.assignment_id.in_(chunk))
                .group_by(SubmissionRow.assignment_id)
                .subquery()
            )
            rows = await self._tx.session.execute(
                select(SubmissionRow.assignment_id, SubmissionRow.answers, SubmissionRow.version)
                .join(latest, (latest.c.assignment_id == SubmissionRow.assignment_id)
                      & (latest.c.v == SubmissionRow.version)))
            for assignment_id, answers, version in rows.all():
                out[assignment_id] = (dict(answers), version)
        return out
