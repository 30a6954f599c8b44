"""Use cases of signed reports: the PDF to sign, and a signed PDF coming back.

Every channel hands an uploaded file to :func:`receive_signed_pdf` and sends the
returned Vietnamese text back; the dashboard uses :func:`receive_signed_rollup`
for the DIC's own signed roll-up. A refused file changes nothing.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.downloads import DEFAULT_LINK_DAYS
from bot.signatures import REASONS, SignatureVerdict, load_trust_roots, verify_signed_pdf
from dialogs.pinned import round_template
from dialogs.ports import Clock
from dialogs.schema import Template
from renderers.pdf import to_pdf
from renderers.pdf_sign_fields import add_signature_fields, answers_sha256
from renderers.rollup import AgencyEntry
from storage.repositories import signatures as repo
from storage.uow import SqlUnitOfWork

__all__ = [
    "TOO_LARGE",
    "ReceiveDocument",
    "SignedOutcome",
    "TrustRoots",
    "document_receiver",
    "format_signed_at",
    "pdf_link_text",
    "pdf_link_text_elsewhere",
    "pdf_to_sign",
    "pdf_to_sign_path",
    "receive_signed_pdf",
    "receive_signed_rollup",
    "rollup_hash",
    "rollup_to_sign",
    "signature_status",
    "signed_filename",
]

REFUSED = "Không nhận được bản báo cáo đã ký số: {reason}"
TOO_LARGE = REFUSED.format(reason=REASONS["too_large"])
NOT_BOUND = ("Anh/Chị cần nhập mã mời của cơ quan trước khi gửi bản báo cáo đã ký số.")


class TrustRoots:
    """The DIC's trust roots, read from ``BAOCAO_TRUST_ROOTS`` once and kept."""

    def __init__(self, folder: Path | str | None) -> None:
        self.folder = folder
        self._roots: list[object] | None = None

    def get(self) -> list[object]:
        if self._roots is None:
            self._roots = load_trust_roots(self.folder) if self.folder else []
        return self._roots


@dataclass(frozen=True)
class SignedOutcome:
    accepted: bool
    text: str  # what the officer (or DIC) is told
    verdict: SignatureVerdict | None = None


def pdf_to_sign_path(secret_key: str, submission_id: int, *, days: int = DEFAULT_LINK_DAYS,
                     now: float | None = None) -> str:
    """The site-relative "Tải PDF để ký số" link, signed and expiring like the DOCX
    download link."""
    from bot.downloads import signed_query

    query = signed_query(secret_key, submission_id, days=days, now=now)
    return f"/pdf-ky-so/{submission_id}?{query}"


def pdf_link_text(public_url: str, secret_key: str, submission_id: int) -> str:
    """What a chat without buttons for links is sent beside the DOCX."""
    url = public_url.rstrip("/") + pdf_to_sign_path(secret_key, submission_id)
    return (f"Tải PDF để ký số: {url}\nKý số xong, Anh/Chị gửi lại tệp PDF đã ký vào "
            "cuộc trò chuyện này.")


def pdf_link_text_elsewhere(public_url: str, secret_key: str, submission_id: int) -> str:
    """The same link for a chat that cannot receive files (Zalo Bot Platform: text and
    photos only): the signed PDF goes back through the web chat, Telegram or Zalo OA."""
    url = public_url.rstrip("/") + pdf_to_sign_path(secret_key, submission_id)
    return (f"Tải PDF để ký số: {url}\nKênh Zalo này không nhận được tệp: ký số xong, "
            "Anh/Chị gửi tệp PDF đã ký qua trò chuyện trên trang web, Telegram hoặc "
            "Zalo OA của báo cáo.")


def format_signed_at(moment: dt.datetime | None, timezone: str = "Asia/Ho_Chi_Minh") -> str:
    """ISO 8601 in Vietnamese time, e.g. ``2026-12-07T19:30:05+07:00``."""
    if moment is None:
        return "không rõ"
    return moment.astimezone(ZoneInfo(timezone)).replace(microsecond=0).isoformat()


def signature_status(doc: repo.SignedDocument | None,
                     timezone: str = "Asia/Ho_Chi_Minh") -> str:
    """The round page's cell: ``đã ký số: <signer>, <ISO 8601 +07:00>, <issuing CA>``,
    or ``chưa ký số`` when the agency's latest submission has no verified signature."""
    if doc is None:
        return "chưa ký số"
    return (f"đã ký số: {doc.signer}, {format_signed_at(doc.signed_at, timezone)}, "
            f"{doc.issuer}")


def signed_filename(filename: str) -> str:
    """``Bao_cao_SCT.docx`` → ``Bao_cao_SCT_da_ky_so.pdf``."""
    stem = re.sub(r"\.(docx|pdf)$", "", filename, flags=re.IGNORECASE)
    return f"{stem}_da_ky_so.pdf"


def _accepted_text(verdict: SignatureVerdict, timezone: str, what: str) -> str:
    return (
        f"Đã nhận {what} đã ký số. Trạng thái: đã ký số.\n"
        f"- Người ký: {verdict.signer or 'không rõ'}\n"
        f"- Thời điểm ký: {format_signed_at(verdict.signed_at, timezone)}\n"
        f"- Tổ chức cấp chứng thư: {verdict.issuer or 'không rõ'}\n"
        f"- Kiểm tra: {verdict.revocation}."
    )


def _refused(code: str) -> SignedOutcome:
    return SignedOutcome(False, REFUSED.format(reason=REASONS[code]))


async def _verify(data: bytes, roots: TrustRoots) -> SignatureVerdict:
    return await asyncio.to_thread(verify_signed_pdf, data, roots.get())


async def receive_signed_pdf(
    uow_factory: Callable[[], SqlUnitOfWork], roots: TrustRoots, *, channel: str, user_id: str,
    data: bytes, now: dt.datetime, timezone: str = "Asia/Ho_Chi_Minh",
    message_id: str | None = None,
) -> SignedOutcome:
    """Verify an officer's signed PDF; when it is the latest submission of the
    officer's agency, record it as "đã ký số". A delivery (``message_id``) already
    accepted is recognised and answered with nothing (``text`` empty)."""
    verdict = await _verify(data, roots)
    if not verdict.ok:
        return SignedOutcome(False, REFUSED.format(reason=verdict.reason), verdict)
    async with uow_factory() as uow:
        if message_id is not None and not await uow.inbound.claim(
                channel, f"signed:{message_id}", now):
            return SignedOutcome(True, "", verdict)
        officer = await uow.identities.officer_for(channel, user_id)
        if officer is None:
            return SignedOutcome(False, NOT_BOUND, verdict)
        if verdict.submission_id is None:
            return _refused("not_report")
        ref = await uow.signatures.submission_ref(verdict.submission_id)
        if ref is None or ref.agency_id != officer.agency_id or ref.latest_id != ref.id:
            return _refused("not_report")
        record = await uow.submissions.latest(ref.assignment_id)
        if record is None or verdict.answers_hash != answers_sha256(record.answers):
            return _refused("not_report")
        await uow.signatures.add(
            round_id=ref.round_id, submission_id=ref.id, signer=verdict.signer or "",
            issuer=verdict.issuer or "", signed_at=verdict.signed_at, verified_at=now,
            officer_id=officer.id, channel=channel, filename=signed_filename(record.filename),
            pdf=data, checks=verdict.revocation,
        )
        await uow.commit()
    return SignedOutcome(True, _accepted_text(verdict, timezone, "bản báo cáo"), verdict)


ReceiveDocument = Callable[[str, str, bytes, str | None], Awaitable[str]]


def document_receiver(
    uow_factory: Callable[[], SqlUnitOfWork], roots: TrustRoots, clock: Clock,
    timezone: str = "Asia/Ho_Chi_Minh",
) -> ReceiveDocument:
    """What a chat channel calls with a file an officer sent: ``(channel, user id,
    bytes, delivery id)`` → the reply text (empty: nothing to say)."""

    async def receive(channel: str, user_id: str, data: bytes, message_id: str | None) -> str:
        outcome = await receive_signed_pdf(
            uow_factory, roots, channel=channel, user_id=user_id, data=data, now=clock.now(),
            timezone=timezone, message_id=message_id)
        return outcome.text

    return receive


async def receive_signed_rollup(
    uow_factory: Callable[[], SqlUnitOfWork], roots: TrustRoots, *, round_id: int,
    expected_hash: str, officer_id: int, data: bytes, filename: str, now: dt.datetime,
    timezone: str = "Asia/Ho_Chi_Minh",
) -> SignedOutcome:
    """The DIC's signed roll-up of ``round_id``: verified the same way; it must be the
    roll-up prepared from the round's current submissions (``expected_hash``)."""
    verdict = await _verify(data, roots)
    if not verdict.ok:
        return SignedOutcome(False, REFUSED.format(reason=verdict.reason), verdict)
    if not verdict.roll_up or verdict.answers_hash != expected_hash:
        return _refused("not_report")
    async with uow_factory() as uow:
        await uow.signatures.add(
            round_id=round_id, submission_id=None, signer=verdict.signer or "",
            issuer=verdict.issuer or "", signed_at=verdict.signed_at, verified_at=now,
            officer_id=officer_id, channel="dashboard", filename=signed_filename(filename),
            pdf=data, checks=verdict.revocation,
        )
        await uow.commit()
    return SignedOutcome(True, _accepted_text(verdict, timezone, "bản tổng hợp"), verdict)


def rollup_hash(round_id: int, entries: Sequence[AgencyEntry]) -> str:
    """What a signed roll-up must match: the round and every submitted version's answers."""
    return answers_sha256({
        "round": round_id,
        "agencies": {e.agency.abbreviation: [e.version, answers_sha256(e.answers or {})]
                     for e in entries if e.submitted},
    })


async def rollup_to_sign(
    uow_factory: Callable[[], SqlUnitOfWork], templates: Mapping[str, Template], round_id: int,
    *, calendar: object, now: dt.datetime, timezone: str = "Asia/Ho_Chi_Minh",
) -> tuple[str, bytes, str]:
    """The roll-up as a PDF with empty fields for the DIC's leader: (filename, PDF, hash)."""
    from bot.rollup_service import make_rollup

    files = await make_rollup(uow_factory, round_id, templates=templates, calendar=calendar,
                              now=now, timezone=timezone, with_xlsx=False)
    expected = await current_rollup_hash(uow_factory, templates, round_id, calendar=calendar,
                                         now=now)

    def build() -> bytes:
        return add_signature_fields(to_pdf(files.docx, pdfa=True), submission_id=None,
                                    answers_hash=expected, has_appendix=False)

    pdf = await asyncio.to_thread(build)
    name = re.sub(r"\.docx$", "", files.filename, flags=re.IGNORECASE) + "_de_ky_so.pdf"
    return name, pdf, expected


async def current_rollup_hash(
    uow_factory: Callable[[], SqlUnitOfWork], templates: Mapping[str, Template], round_id: int,
    *, calendar: object, now: dt.datetime,
) -> str:
    from bot.rollup_service import rollup_entries

    async with uow_factory() as uow:
        _, entries = await rollup_entries(uow, round_id, templates=templates,
                                          calendar=calendar, now=now)  # type: ignore[arg-type]
    return rollup_hash(round_id, entries)


async def pdf_to_sign(
    uow_factory: Callable[[], SqlUnitOfWork], templates: Mapping[str, Template],
    submission_id: int,
) -> tuple[str, bytes] | None:
    """"Tải PDF để ký số": the submission's DOCX through LibreOffice, with the empty
    signature fields and the submission id and answers hash in its metadata."""
    async with uow_factory() as uow:
        ref = await uow.signatures.submission_ref(submission_id)
        if ref is None:
            return None
        records = {r.id: r for r in await uow.submissions.list(ref.assignment_id)}
        found = await uow.submissions.docx(submission_id)
        round_ = await uow.rounds.get(ref.round_id)
    record = records.get(submission_id)
    if found is None or record is None or round_ is None:
        return None
    filename, docx = found
    template = await round_template(templates, round_)
    has_appendix = template is not None and template.appendix is not None

    def build() -> bytes:
        return add_signature_fields(to_pdf(docx, pdfa=True), submission_id=submission_id,
                                    answers_hash=answers_sha256(record.answers),
                                    has_appendix=has_appendix)

    pdf = await asyncio.to_thread(build)
    return re.sub(r"\.docx$", "", filename, flags=re.IGNORECASE) + "_de_ky_so.pdf", pdf
