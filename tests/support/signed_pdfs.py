"""Prepared and signed report PDFs for the signature tests, and the tampering a
forger would try after signing (each as an incremental update, the way PDF
editors save)."""

from __future__ import annotations

import functools
import io
import shutil
from typing import Any

import pytest

from renderers.pdf_sign_fields import SIGNER_FIELD, add_signature_fields, answers_sha256
from tests.support.pki import make_pki, sign_pdf

SKIP_NO_SOFFICE = pytest.mark.skipif(
    shutil.which("soffice") is None or shutil.which("pdftotext") is None,
    reason="LibreOffice (soffice) and poppler-utils are needed: "
           "apt-get install -y libreoffice-writer-nogui poppler-utils",
)


@functools.cache
def sample_pdf() -> bytes:
    """The renderer tests' sample report (2 pages + appendix) through LibreOffice."""
    from dialogs.domain import DocumentInfo
    from renderers.pdf import convert
    from renderers.report import render_report
    from tests.unit.renderers.conftest import AGENCY, ANSWERS, ROUND, SAMPLE, make_template

    template = make_template(SAMPLE)
    return convert(render_report(template, ANSWERS, DocumentInfo(agency=AGENCY, round=ROUND))).pdf


def prepared(submission_id: int | None, answers: dict[str, Any], *, pdf: bytes | None = None,
             has_appendix: bool = True) -> bytes:
    return add_signature_fields(pdf or sample_pdf(), submission_id=submission_id,
                                answers_hash=answers_sha256(answers), has_appendix=has_appendix)


def signed(submission_id: int | None, answers: dict[str, Any], who: str = "signer",
           **kwargs: Any) -> bytes:
    pki = make_pki()
    issued = getattr(pki, who)
    chain = (pki.untrusted_root,) if who == "untrusted_signer" else (pki.intermediate,)
    return sign_pdf(prepared(submission_id, answers, **kwargs), issued, chain=chain,
                    field=SIGNER_FIELD)


def _writer(pdf: bytes) -> Any:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    return IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)


def _save(writer: Any) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def add_page(pdf: bytes) -> bytes:
    """A blank-looking page with a line of text appended after the signature."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.content import RawContent
    from pyhanko.pdf_utils.layout import BoxConstraints
    from pyhanko.pdf_utils.writer import PageObject

    w = _writer(pdf)
    content = RawContent(b"BT /F1 12 Tf 72 720 Td (So lieu sua) Tj ET",
                         box=BoxConstraints(595, 842))
    page = PageObject(contents=w.add_object(generic.StreamObject(stream_data=content.render())),
                      media_box=[0, 0, 595, 842])
    w.insert_page(page)
    return _save(w)


def change_text(pdf: bytes) -> bytes:
    """The first page's content replaced by different text."""
    from pyhanko.pdf_utils import generic

    w = _writer(pdf)
    page_ref = w.root["/Pages"]["/Kids"][0]
    page = page_ref.get_object()
    stream = generic.StreamObject(stream_data=b"BT /F1 14 Tf 72 720 Td (Tong so: 9999) Tj ET")
    page["/Contents"] = w.add_object(stream)
    w.update_container(page)
    return _save(w)


def add_annotation(pdf: bytes) -> bytes:
    """A free-text annotation over the first page, as a PDF editor adds a comment."""
    from pyhanko.pdf_utils import generic

    w = _writer(pdf)
    page = w.root["/Pages"]["/Kids"][0].get_object()
    annot = generic.DictionaryObject({
        generic.NameObject("/Type"): generic.NameObject("/Annot"),
        generic.NameObject("/Subtype"): generic.NameObject("/FreeText"),
        generic.NameObject("/Rect"): generic.ArrayObject(
            [generic.NumberObject(x) for x in (100, 100, 300, 140)]),
        generic.NameObject("/Contents"): generic.TextStringObject("Tổng số: 9999"),
        generic.NameObject("/DA"): generic.TextStringObject("/Helv 12 Tf 0 g"),
    })
    annots = page.get("/Annots")
    array = annots.get_object() if annots is not None else generic.ArrayObject()
    array.append(w.add_object(annot))
    page["/Annots"] = array
    w.update_container(page)
    return _save(w)


def edit_info(pdf: bytes, **values: str) -> bytes:
    """Document-information entries rewritten after signing (a permitted update)."""
    from pyhanko.pdf_utils import generic

    w = _writer(pdf)
    info_ref = w.trailer.raw_get("/Info")
    info = info_ref.get_object()
    for key, value in values.items():
        info[generic.NameObject("/" + key)] = generic.TextStringObject(value)
    w.mark_update(info_ref)
    return _save(w)


def flip_byte(pdf: bytes) -> bytes:
    """One byte of the signed content changed in place (no new revision)."""
    at = pdf.index(b"stream", len(pdf) // 4) + 20
    data = bytearray(pdf)
    data[at] ^= 0x01
    return bytes(data)


def docx_for_tests() -> bytes:
    """A short report DOCX (the renderer tests' sample) for submissions made directly."""
    from dialogs.domain import DocumentInfo
    from renderers.report import render_report
    from tests.unit.renderers.conftest import AGENCY, ANSWERS, ROUND, SAMPLE, make_template

    return render_report(make_template(SAMPLE), ANSWERS, DocumentInfo(agency=AGENCY, round=ROUND))
