"""Empty signature fields on the rendered page, where Decree 30 (Phụ lục I) puts them:
the signer's on the blank space of the signature block, the agency's overlapping a third
of it to the left, an appendix's agency field at the top right of its first page. Checked
on the PDF LibreOffice made, for a báo cáo, a công văn with appendix and the roll-up."""

from __future__ import annotations

import functools
import io
import subprocess
import tempfile
from pathlib import Path

import pytest

from dialogs.domain import DocumentInfo
from dialogs.loader import load_templates
from renderers.pdf import convert
from renderers.pdf_sign_fields import (
    AGENCY_FIELD,
    ANSWERS_HASH_KEY,
    APPENDIX_FIELD,
    SIGNER_FIELD,
    SUBMISSION_KEY,
    Box,
    add_signature_fields,
    answers_sha256,
    page_lines,
)
from renderers.report import render_report
from renderers.rollup import build_rollup, render_rollup_docx
from tests.support.signed_pdfs import SKIP_NO_SOFFICE
from tests.unit.renderers.conftest import AGENCY, ROUND
from tests.unit.renderers.fake_answers import fake_answers

pytestmark = SKIP_NO_SOFFICE
TEMPLATES = load_templates()


@functools.cache
def _document(kind: str) -> tuple[bytes, str, str, bool]:
    """(prepared PDF, signer position line, signer name, has appendix)."""
    if kind == "rollup":
        from tests.unit.renderers import test_rollup as r

        pdf = convert(render_rollup_docx(build_rollup(r.TEMPLATE, r.ENTRIES, r.INFO))).pdf
        position, name, appendix, sid = "PHÓ GIÁM ĐỐC", r.DIC.signer_name, False, None
    else:
        template = TEMPLATES[kind]
        answers = fake_answers(template)
        docx = render_report(template, answers, DocumentInfo(agency=AGENCY, round=ROUND))
        pdf = convert(docx).pdf
        position, name = "PHÓ GIÁM ĐỐC", AGENCY.signer_name
        appendix, sid = template.appendix is not None, 17
    prepared = add_signature_fields(pdf, submission_id=sid, answers_hash=answers_sha256({}),
                                    has_appendix=appendix)
    return prepared, position, name, appendix


def _fields(pdf: bytes) -> dict[str, tuple[int, Box]]:
    """Field name → (0-based page, rectangle), as a PDF reader sees them."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    pages = [reader.find_page_for_modification(i)[0] for i in range(200)
             if _has_page(reader, i)]
    out = {}
    for ref in reader.root["/AcroForm"]["/Fields"]:
        field = ref.get_object()
        page_ref = field.raw_get("/P")
        index = next(i for i, p in enumerate(pages) if p.idnum == page_ref.idnum)
        out[str(field["/T"])] = (index, Box(*[float(x) for x in field["/Rect"]]))
    return out


def _has_page(reader, i: int) -> bool:
    try:
        reader.find_page_for_modification(i)
    except Exception:
        return False
    return True


def _ink(pdf: bytes, page: int, box: Box, page_height: float) -> float:
    """Share of dark pixels inside ``box`` on the page rendered at 72 dpi."""
    from PIL import Image

    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "page"
        subprocess.run(["pdftoppm", "-r", "72", "-gray", "-png", "-f", str(page + 1), "-l",
                        str(page + 1), "-singlefile", "-", str(target)], input=pdf, check=True)
        image = Image.open(target.with_suffix(".png"))
        crop = image.crop((int(box.x0), int(page_height - box.y1), int(box.x1),
                           int(page_height - box.y0)))
        dark = crop.point(lambda p: 255 if p < 128 else 0).histogram()[255]
    return dark / max(1, crop.width * crop.height)


@pytest.mark.parametrize("kind", ["annual_it", "covid_cong_van", "rollup"])
def test_signer_field_sits_on_the_blank_space_of_the_signature_block(kind: str) -> None:
    pdf, position, name, has_appendix = _document(kind)
    fields = _fields(pdf)
    page, signer = fields[SIGNER_FIELD]
    sizes, lines = page_lines(pdf)
    width, height = sizes[page]
    on_page = [ln for ln in lines if ln.page == page]
    title = [ln for ln in on_page if ln.text == position][-1]
    signer_name = [ln for ln in on_page if ln.text == name][-1]
    # the signature block's area: right-hand column, from the position line to the name
    block = Box(width * 0.45, height - signer_name.bottom, width, height - title.top)
    assert signer.inside(block), (kind, signer, block)
    assert height - signer.y1 >= title.bottom - 1  # below the position …
    assert height - signer.y0 <= signer_name.top + 1  # … above the name
    assert signer.height >= 40 and signer.width >= 120  # room for a signature image
    assert signer.x0 < (signer_name.x0 + signer_name.x1) / 2 < signer.x1  # centred on the name
    assert _ink(pdf, page, signer, height) == 0  # covers no text
    # the agency's seal overlaps about a third of the signer's, to its left
    agency_page, agency = fields[AGENCY_FIELD]
    assert agency_page == page and agency.x0 < signer.x0
    overlap = agency.x1 - signer.x0
    assert overlap == pytest.approx(signer.width / 3, abs=2)
    assert agency.y0 < signer.y1 and agency.y1 > signer.y0
    if has_appendix:
        appendix_page, box = fields[APPENDIX_FIELD]
        first_lines = [ln.text for ln in lines if ln.page == appendix_page][:3]
        assert any(t.lower().startswith("phụ lục") for t in first_lines), first_lines
        a_width, a_height = sizes[appendix_page]
        assert box.x1 > a_width * 0.85 and box.x0 > a_width / 2  # right
        assert box.y0 > a_height * 0.85  # top
    else:
        assert APPENDIX_FIELD not in fields


def test_submission_id_and_answers_hash_are_in_the_metadata() -> None:
    from pyhanko.pdf_utils.reader import PdfFileReader

    pdf, *_ = _document("covid_cong_van")
    info = PdfFileReader(io.BytesIO(pdf), strict=False).trailer_view["/Info"]
    assert str(info[SUBMISSION_KEY]) == "17"
    assert str(info[ANSWERS_HASH_KEY]) == answers_sha256({})
    assert len(answers_sha256({"a": "Điện tử"})) == 64
    assert answers_sha256({"a": 1, "b": 2}) == answers_sha256({"b": 2, "a": 1})
