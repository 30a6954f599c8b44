"""The verifier on the project's own PDF signed with the test PKI, and on every way
pyHanko 0.38 is known to be misleading about a LibreOffice PDF changed after signing."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.signatures import MAX_PDF_BYTES, load_trust_roots, verify_signed_pdf
from renderers.pdf_sign_fields import answers_sha256
from tests.support import signed_pdfs as sp
from tests.support.pki import make_pki

pytestmark = sp.SKIP_NO_SOFFICE
ANSWERS = {"computers": 120, "lan": True}


@pytest.fixture
def roots(tmp_path: Path) -> list[object]:
    return load_trust_roots(make_pki().write_trust_roots(tmp_path / "roots"))


def test_good_signature_is_accepted_with_signer_time_and_ca(roots: list[object]) -> None:
    verdict = verify_signed_pdf(sp.signed(42, ANSWERS), roots)
    assert verdict.ok, verdict.reason
    assert verdict.signer == "Nguyễn Trí Phương"
    assert verdict.issuer == "CA thử nghiệm cấp 2"
    assert verdict.signed_at is not None and verdict.signed_at.tzinfo is not None
    assert verdict.submission_id == 42
    assert verdict.answers_hash == answers_sha256(ANSWERS)
    assert "chưa kiểm tra thu hồi" in verdict.revocation  # nothing embedded: said so


def test_der_trust_root_works_too(tmp_path: Path) -> None:
    folder = tmp_path / "der"
    folder.mkdir()
    (folder / "root.cer").write_bytes(make_pki().root.der())
    (folder / "README.txt").write_text("không phải chứng thư")
    assert verify_signed_pdf(sp.signed(1, ANSWERS), load_trust_roots(folder)).ok


@pytest.mark.parametrize(("tamper", "name"), [
    (sp.add_page, "added page"), (sp.change_text, "changed text"),
    (sp.add_annotation, "added annotation"),
])
def test_changed_after_signing_is_refused(roots: list[object], tamper, name: str) -> None:
    verdict = verify_signed_pdf(tamper(sp.signed(42, ANSWERS)), roots)
    assert not verdict.ok, name
    assert verdict.reason == "Tài liệu bị sửa sau khi ký."


def test_flipped_byte_is_refused_as_modified(roots: list[object]) -> None:
    verdict = verify_signed_pdf(sp.flip_byte(sp.signed(42, ANSWERS)), roots)
    assert verdict.reason == "Tài liệu bị sửa sau khi ký."


def test_metadata_edited_after_signing_reads_the_signed_revision(roots: list[object]) -> None:
    edited = sp.edit_info(sp.signed(42, ANSWERS), BaocaoSubmission="43",
                          BaocaoAnswersSHA256="0" * 64, Title="Sửa tiêu đề")
    verdict = verify_signed_pdf(edited, roots)
    assert verdict.ok  # an info edit is a permitted update …
    assert verdict.submission_id == 42  # … but what was signed is what counts
    assert verdict.answers_hash == answers_sha256(ANSWERS)


def test_expired_certificate_is_refused(roots: list[object]) -> None:
    verdict = verify_signed_pdf(sp.signed(42, ANSWERS, who="expired_signer"), roots)
    assert verdict.reason == "Chứng thư số hết hạn hoặc bị thu hồi."


def test_certificate_from_untrusted_root_is_refused(roots: list[object]) -> None:
    verdict = verify_signed_pdf(sp.signed(42, ANSWERS, who="untrusted_signer"), roots)
    assert verdict.reason == "Chứng thư số không do tổ chức tin cậy cấp."


def test_unsigned_prepared_pdf_is_refused(roots: list[object]) -> None:
    verdict = verify_signed_pdf(sp.prepared(42, ANSWERS), roots)
    assert verdict.reason == "Tệp PDF chưa có chữ ký số."


def test_not_a_pdf_and_too_large_are_refused_before_parsing(roots: list[object]) -> None:
    assert verify_signed_pdf(b"PK\x03\x04 docx", roots).reason == "Không phải tệp PDF."
    truncated = sp.signed(42, ANSWERS)[:5000]
    assert verify_signed_pdf(truncated, roots).reason == "Không phải tệp PDF."
    huge = b"%PDF-1.7\n" + b"0" * MAX_PDF_BYTES + b"\n%%EOF\n"
    assert verify_signed_pdf(huge, roots).reason.startswith("Tệp quá lớn")


def test_signer_then_agency_seal_both_accepted(roots: list[object]) -> None:
    from renderers.pdf_sign_fields import AGENCY_FIELD, APPENDIX_FIELD
    from tests.support.pki import sign_pdf

    pki = make_pki()
    twice = sign_pdf(sp.signed(42, ANSWERS), pki.signer, chain=(pki.intermediate,),
                     field=AGENCY_FIELD)
    thrice = sign_pdf(twice, pki.signer, chain=(pki.intermediate,), field=APPENDIX_FIELD)
    verdict = verify_signed_pdf(thrice, roots)
    assert verdict.ok, verdict.reason
    assert (verdict.signatures, verdict.submission_id) == (3, 42)
    assert verify_signed_pdf(sp.add_page(thrice), roots).reason == "Tài liệu bị sửa sau khi ký."


def test_missing_trust_root_folder_trusts_nothing_and_says_so(tmp_path: Path) -> None:
    assert load_trust_roots(tmp_path / "missing") == []
    verdict = verify_signed_pdf(sp.signed(1, ANSWERS), load_trust_roots(None))
    assert verdict.reason is not None and "chưa được cấu hình" in verdict.reason
