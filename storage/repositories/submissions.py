"""The latest submitted answers of many assignments at once (the roll-up).

``uow.latest_submission`` loads one assignment's latest version as an ORM row, DOCX
blob included; the roll-up of a national round asked it 4,080 times and kept every
blob in the session. Here: only the answers and the version, a few queries in all.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select

from storage.models import SubmissionRow

CHUNK = 500


async def latest_answers(
    uow: Any, assignment_ids: Iterable[int]
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
        rows = await uow.session.execute(
            select(SubmissionRow.assignment_id, SubmissionRow.answers, SubmissionRow.version)
            .join(latest, (latest.c.assignment_id == SubmissionRow.assignment_id)
                  & (latest.c.v == SubmissionRow.version)))
        for assignment_id, answers, version in rows.all():
            out[assignment_id] = (dict(answers), version)
    return out
