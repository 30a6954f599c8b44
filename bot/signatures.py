"""Verifying a signed report PDF with pyHanko (PAdES), for the chat and the dashboard.

:func:`verify_signed_pdf` answers one question: may this file stand for a signed
report? It checks, for every signature in the file:

* the signature is intact (the signed bytes hash to the signed digest) and
  cryptographically valid;
* it covers the document, and what was added after it is only a permitted
  update (another signature, form filling): the verdict is taken from
  ``bottom_line``, the DocMDP check and the modification level, because pyHanko
  still reports a signature intact, valid and trusted when a page was added, text
  changed or an annotation added in a later incremental update;
* the signer's certificate chains to one of the DIC's trust roots
  (``BAOCAO_TRUST_ROOTS``) and was valid (not expired, not revoked) at signing
  time. Revocation information embedded in the file (its DSS, or in the
  signature) is used; without it the chain and the validity period are checked
  and revocation is not (no network look-ups: the bot may run offline) — the
  verdict says so in ``revocation``.

The submission id and answers hash are read from the revision the first
signature covers, through a reader of their own: the document information and
XMP may be edited after signing as permitted updates, and reading ``/Metadata`` on
the reader used for validation can break validating an earlier signature.

Refusal reasons are Vietnamese and shown to the officer as they are.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

__all__ = [
    "MAX_PDF_BYTES",
    "REASONS",
    "SignatureVerdict",
    "load_trust_roots",
    "looks_like_pdf",
    "verify_signed_pdf",
]

MAX_PDF_BYTES = 15 * 1024 * 1024  # a signed 30-page report is well under 5 MB
REASONS = {
    "invalid": "Chữ ký không hợp lệ.",
    "modified": "Tài liệu bị sửa sau khi ký.",
    "untrusted": "Chứng thư số không do tổ chức tin cậy cấp.",
    "expired": "Chứng thư số hết hạn hoặc bị thu hồi.",
    "not_report": "Không phải bản báo cáo đã nộp.",
    "not_pdf": "Không phải tệp PDF.",
    "too_large": f"Tệp quá lớn (tối đa {MAX_PDF_BYTES // (1024 * 1024)} MB).",
    "unsigned": "Tệp PDF chưa có chữ ký số.",
    "no_roots": ("Hệ thống chưa được cấu hình danh sách tổ chức cung cấp dịch vụ chứng thực "
                 "tin cậy."),
}
NO_REVOCATION = ("không có thông tin thu hồi kèm theo tệp: đã kiểm tra chuỗi chứng thư và "
                 "thời hạn tại thời điểm ký, chưa kiểm tra thu hồi")
WITH_REVOCATION = "đã kiểm tra chuỗi chứng thư, thời hạn và thông tin thu hồi kèm theo tệp"


@dataclass(frozen=True)
class SignatureVerdict:
    ok: bool
    reason_code: str | None = None  # a key of REASONS when refused
    signer: str | None = None  # the signer's name (certificate common name)
    signed_at: dt.datetime | None = None  # the time the signer's tool put in the signature
    issuer: str | None = None  # the issuing CA
    submission_id: int | None = None  # from the signed revision's document information
    answers_hash: str | None = None
    roll_up: bool = False  # prepared as a roll-up (no submission id)
    signatures: int = 0
    revocation: str = ""

    @property
    def reason(self) -> str | None:
        return REASONS[self.reason_code] if self.reason_code else None


def _refuse(code: str, **extra: object) -> SignatureVerdict:
    return SignatureVerdict(ok=False, reason_code=code, **extra)  # type: ignore[arg-type]


def looks_like_pdf(data: bytes) -> bool:
    """The PDF header within the first KiB (as readers accept) and an end-of-file mark."""
    return b"%PDF-" in data[:1024] and b"%%EOF" in data[-2048:]


def load_trust_roots(folder: Path | str | None) -> list[object]:
    """Every certificate (PEM, possibly several per file, or DER) in ``folder``."""
    from asn1crypto import pem
    from asn1crypto import x509 as asn1_x509

    if not folder or not str(folder).strip():
        return []
    if not Path(folder).is_dir():
        log.error("BAOCAO_TRUST_ROOTS: %s is not a folder; no signature can be trusted", folder)
        return []
    roots: list[object] = []
    for path in sorted(Path(folder).iterdir()):
        if not path.is_file():
            continue
        data = path.read_bytes()
        try:
            if pem.detect(data):
                roots.extend(asn1_x509.Certificate.load(der)
                             for kind, _, der in pem.unarmor(data, multiple=True)
                             if kind == "CERTIFICATE")
            else:
                cert = asn1_x509.Certificate.load(data)
                cert.native  # noqa: B018 — parse now, so a broken file is skipped here
                roots.append(cert)
        except Exception:
            log.warning("trust roots: %s is not a certificate; skipped", path)
    return roots


def _name_part(name: object, key: str) -> str | None:
    native = getattr(name, "native", {}) or {}
    value = native.get(key)
    return str(value) if value else None


def _trust_reason(status: object) -> str:
    indic = getattr(status, "trust_problem_indic", None)
    label = getattr(indic, "name", "") or ""
    if label in {"OUT_OF_BOUNDS_NO_POE", "OUT_OF_BOUNDS_NOT_REVOKED", "REVOKED_NO_POE",
                 "REVOKED", "REVOKED_CA_NO_POE", "EXPIRED", "NOT_YET_VALID"}:
        return "expired"
    return "untrusted"


def verify_signed_pdf(
    data: bytes, trust_roots: Iterable[object], *, moment: dt.datetime | None = None,
) -> SignatureVerdict:
    """Judge ``data`` (see the module docstring). ``moment`` fixes the validation time
    (tests); by default the signature is checked as of now."""
    if len(data) > MAX_PDF_BYTES:
        return _refuse("too_large")
    if not looks_like_pdf(data):
        return _refuse("not_pdf")
    roots = list(trust_roots)
    if not roots:
        return _refuse("no_roots")
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = list(reader.embedded_regular_signatures)
    except Exception:
        log.info("signed PDF: unreadable", exc_info=True)
        return _refuse("not_pdf")
    if not signatures:
        return _refuse("unsigned")
    try:
        return _verify(data, reader, signatures, roots, moment)
    except Exception:
        log.warning("signed PDF: validation failed", exc_info=True)
        return _refuse("invalid", signatures=len(signatures))


def _verify(data: bytes, reader: object, signatures: list, roots: list[object],
            moment: dt.datetime | None) -> SignatureVerdict:
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.dss import DocumentSecurityStore
    from pyhanko.sign.validation.errors import NoDSSFoundError, SignatureValidationError
    from pyhanko_certvalidator import ValidationContext

    kwargs: dict[str, object] = {
        "trust_roots": roots, "allow_fetching": False, "revocation_mode": "soft-fail",
    }
    if moment is not None:
        kwargs["moment"] = moment
    revocation = NO_REVOCATION
    try:
        dss = DocumentSecurityStore.read_dss(reader)  # type: ignore[arg-type]
    except NoDSSFoundError:
        dss = None
    if dss is not None and (dss.ocsps or dss.crls):
        revocation = WITH_REVOCATION

    def context() -> ValidationContext:
        if dss is not None:
            return dss.as_validation_context(kwargs)
        return ValidationContext(**kwargs)  # type: ignore[arg-type]

    first = min(signatures, key=lambda s: s.signed_revision)
    statuses = []
    for sig in signatures:
        try:
            status = validate_pdf_signature(sig, signer_validation_context=context())
        except SignatureValidationError:
            return _refuse("invalid", signatures=len(signatures))
        if not status.intact:  # a flipped byte: ``valid`` may still say True
            return _refuse("modified", signatures=len(signatures))
        if not status.valid:
            return _refuse("invalid", signatures=len(signatures))
        level = status.modification_level
        if (level is None or level == ModificationLevel.OTHER or not status.docmdp_ok
                or (not status.bottom_line and status.trusted)):
            return _refuse("modified", signatures=len(signatures))
        if not status.trusted:
            return _refuse(_trust_reason(status), signatures=len(signatures))
        if status.revocation_details is not None:
            revocation = WITH_REVOCATION
        statuses.append((sig, status))
    submission_id, answers_hash, roll_up = _signed_metadata(data, first.signed_revision)
    _signer_sig, signer_status = next(
        ((s, st) for s, st in statuses if s.field_name == _signer_field()), statuses[0])
    cert = signer_status.signing_cert
    return SignatureVerdict(
        ok=True,
        signer=_name_part(cert.subject, "common_name"),
        signed_at=signer_status.signer_reported_dt,
        issuer=_name_part(cert.issuer, "common_name") or _name_part(cert.issuer,
                                                                     "organization_name"),
        submission_id=submission_id, answers_hash=answers_hash, roll_up=roll_up,
        signatures=len(signatures), revocation=revocation,
    )


def _signer_field() -> str:
    from renderers.pdf_sign_fields import SIGNER_FIELD

    return SIGNER_FIELD


def _signed_metadata(data: bytes, revision: int) -> tuple[int | None, str | None, bool]:
    """Submission id and answers hash as the signed revision has them (own reader)."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    from renderers.pdf_sign_fields import ANSWERS_HASH_KEY, SUBMISSION_KEY

    reader = PdfFileReader(io.BytesIO(data), strict=False)
    historical = reader.get_historical_resolver(revision)
    try:
        info_ref = historical.trailer_view.raw_get("/Info")
    except KeyError:
        return None, None, False
    # resolve through the historical view: the reference itself would read the latest revision
    info = historical.get_object(info_ref.reference) if hasattr(info_ref, "reference") else info_ref
    raw_id = str(info.get(SUBMISSION_KEY, "")) if SUBMISSION_KEY in info else None
    raw_hash = str(info[ANSWERS_HASH_KEY]) if ANSWERS_HASH_KEY in info else None
    roll_up = raw_id == "" and raw_hash is not None
    submission_id = int(raw_id) if raw_id and raw_id.isdigit() else None
    return submission_id, raw_hash, roll_up
