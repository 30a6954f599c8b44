"""Signed documents (``uow.signatures``), the "đã ký số" status: signed PDFs that
passed verification, per submission and per round (the roll-up). Rows are only
added; the latest per submission counts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from storage.models import AssignmentRow, SignedDocumentRow, SubmissionRow
from storage.transaction import Repository

__all__ = ["SignatureRepository", "SignedDocument", "SubmissionRef"]


@dataclass(frozen=True, slots=True)
class SignedDocument:
    id: int
    round_id: int
    submission_id: int | None
    signer: str
    issuer: str
    signed_at: dt.datetime | None
    verified_at: dt.datetime
    channel: str
    filename: str
    checks: str


@dataclass(frozen=True, slots=True)
class SubmissionRef:
    """A submission with what a signed copy is matched against."""

    id: int
    assignment_id: int
    round_id: int
    agency_id: int
    latest_id: int  # the assignment's latest submission (only that one may be signed)


def _record(row: SignedDocumentRow) -> SignedDocument:
    return SignedDocument(row.id, row.round_id, row.submission_id, row.signer, row.issuer,
                          row.signed_at, row.verified_at, row.channel, row.filename, row.checks)


_COLUMNS = (SignedDocumentRow.id, SignedDocumentRow.round_id, SignedDocumentRow.submission_id,
            SignedDocumentRow.signer, SignedDocumentRow.issuer, SignedDocumentRow.signed_at,
            SignedDocumentRow.verified_at, SignedDocumentRow.channel, SignedDocumentRow.filename,
            SignedDocumentRow.checks)


class SignatureRepository(Repository):
    __slots__ = ()

    async def submission_ref(self, submission_id: int) -> SubmissionRef | None:
        row = (await self._tx.session.execute(
            select(SubmissionRow.id, SubmissionRow.assignment_id, AssignmentRow.round_id,
                   AssignmentRow.agency_id)
            .join(AssignmentRow, AssignmentRow.id == SubmissionRow.assignment_id)
            .where(SubmissionRow.id == submission_id)
        )).one_or_none()
        if row is None:
            return None
        latest = (await self._tx.session.execute(
            select(SubmissionRow.id).where(SubmissionRow.assignment_id == row.assignment_id)
            .order_by(SubmissionRow.version.desc()).limit(1)
        )).scalar_one()
        return SubmissionRef(row.id, row.assignment_id, row.round_id, row.agency_id, latest)

    async def add(
        self, *, round_id: int, submission_id: int | None, signer: str, issuer: str,
        signed_at: dt.datetime | None, verified_at: dt.datetime, officer_id: int | None,
        channel: str, filename: str, pdf: bytes, checks: str,
    ) -> SignedDocument:
        row = SignedDocumentRow(
            round_id=round_id, submission_id=submission_id, signer=signer[:300],
            issuer=issuer[:300],
            signed_at=signed_at, verified_at=verified_at, officer_id=officer_id, channel=channel,
            filename=filename[:255], pdf=pdf, checks=checks[:300],
        )
        self._tx.session.add(row)
        await self._tx.session.flush()
        return _record(row)

    async def latest_by_agency(self, round_id: int) -> dict[int, SignedDocument]:
        """Agency id → the signed copy of its latest submission in the round (agencies whose
        latest submission is not signed are absent: a resubmission needs a new signature)."""
        latest = (
            select(SubmissionRow.assignment_id, SubmissionRow.id)
            .join(AssignmentRow, AssignmentRow.id == SubmissionRow.assignment_id)
            .where(AssignmentRow.round_id == round_id)
            .order_by(SubmissionRow.assignment_id, SubmissionRow.version)
        )
        newest: dict[int, int] = {}
        for assignment_id, sub_id in (await self._tx.session.execute(latest)).all():
            newest[assignment_id] = sub_id
        agency_of = dict((await self._tx.session.execute(
            select(AssignmentRow.id, AssignmentRow.agency_id)
            .where(AssignmentRow.round_id == round_id)
        )).all())
        rows = (await self._tx.session.execute(
            select(*_COLUMNS).where(SignedDocumentRow.round_id == round_id,
                                    SignedDocumentRow.submission_id.is_not(None))
            .order_by(SignedDocumentRow.id)
        )).all()
        wanted = {sub_id: assignment_id for assignment_id, sub_id in newest.items()}
        out: dict[int, SignedDocument] = {}
        for row in rows:
            assignment_id = wanted.get(row.submission_id)
            if assignment_id is not None:
                out[agency_of[assignment_id]] = SignedDocument(*row)
        return out

    async def latest_among(self, round_id: int,
                           assignment_ids: Iterable[int]) -> dict[int, SignedDocument]:
        """agency id -> the signed copy of its latest submission in the round, for the
        assignments ``assignment_ids`` only (a page of the dashboard):
        :meth:`latest_by_agency` for those, without reading every submission and
        assignment of a national round."""
        wanted = list(assignment_ids)
        if not wanted:
            return {}
        session = self._tx.session
        newest: dict[int, tuple[int, int]] = {}  # assignment -> (version, submission)
        rows = await session.execute(
            select(SubmissionRow.assignment_id, SubmissionRow.version, SubmissionRow.id,
                   AssignmentRow.agency_id)
            .join(AssignmentRow, AssignmentRow.id == SubmissionRow.assignment_id)
            .where(AssignmentRow.round_id == round_id, SubmissionRow.assignment_id.in_(wanted))
            .order_by(SubmissionRow.assignment_id, SubmissionRow.version))
        agency_of: dict[int, int] = {}
        for assignment_id, version, sub_id, agency_id in rows.all():
            newest[assignment_id] = (version, sub_id)
            agency_of[sub_id] = agency_id
        latest = {sub_id for _, sub_id in newest.values()}
        if not latest:
            return {}
        out: dict[int, SignedDocument] = {}
        signed = await session.execute(
            select(*_COLUMNS).where(SignedDocumentRow.round_id == round_id,
                                    SignedDocumentRow.submission_id.in_(latest))
            .order_by(SignedDocumentRow.id))
        for row in signed.all():
            out[agency_of[row.submission_id]] = SignedDocument(*row)
        return out

    async def rollup(self, round_id: int) -> SignedDocument | None:
        row = (await self._tx.session.execute(
            select(*_COLUMNS).where(SignedDocumentRow.round_id == round_id,
                                    SignedDocumentRow.submission_id.is_(None))
            .order_by(SignedDocumentRow.id.desc()).limit(1)
        )).one_or_none()
        return None if row is None else SignedDocument(*row)

    async def pdf(self, signed_id: int) -> tuple[str, bytes] | None:
        row = (await self._tx.session.execute(
            select(SignedDocumentRow.filename, SignedDocumentRow.pdf)
            .where(SignedDocumentRow.id == signed_id)
        )).one_or_none()
        return None if row is None else (row.filename, bytes(row.pdf))
