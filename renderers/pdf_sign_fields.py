"""A PDF ready for digital signing: empty signature fields where Decree 30 puts them.

Decree 30/2020 (Phụ lục I) places the electronic signatures of a document:

* the signer's on the signature block, in the blank space between the signer's
  position and name (field :data:`SIGNER_FIELD`);
* the agency's (its seal image) overlapping about a third of the signer's, to the
  left (field :data:`AGENCY_FIELD`);
* on an attached appendix, the agency's at the top right of the appendix's first
  page (field :data:`APPENDIX_FIELD`).

The positions are read from the page LibreOffice rendered (``pdftotext
-bbox-layout`` from poppler-utils gives every line's box): the signature block is
the right-hand column level with and below the last "Nơi nhận:" line, and the
signer's space is the largest vertical gap between the lines of that column. The
fields are added with pyHanko as one incremental update, which also writes the
submission id and a SHA-256 of the submitted answers into the document
information dictionary (``/BaocaoSubmission``, ``/BaocaoAnswersSHA256``); the
verifier reads them back from the signed revision.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree

from renderers.pdf import PdfError

__all__ = [
    "AGENCY_FIELD",
    "ANSWERS_HASH_KEY",
    "APPENDIX_FIELD",
    "SIGNER_FIELD",
    "SUBMISSION_KEY",
    "Box",
    "Line",
    "SignatureLayout",
    "add_signature_fields",
    "answers_sha256",
    "find_signature_layout",
    "page_lines",
]

SIGNER_FIELD = "ChuKyNguoiKy"
AGENCY_FIELD = "ChuKyCoQuan"
APPENDIX_FIELD = "ChuKyCoQuanPhuLuc"
SUBMISSION_KEY = "/BaocaoSubmission"
ANSWERS_HASH_KEY = "/BaocaoAnswersSHA256"

MM = 72 / 25.4
SIGNER_WIDTH = 55 * MM  # the signer's signature image with its text lines
SEAL = 36 * MM  # a round seal is 35-40 mm across; its image is placed at actual size
APPENDIX_WIDTH, APPENDIX_HEIGHT = 60 * MM, 18 * MM
PDFTOTEXT_HINT = (
    "Chưa cài poppler-utils (pdftotext) nên không đặt được ô chữ ký số. "
    "Cài đặt: apt-get install -y poppler-utils."
)
_XHTML = "{http://www.w3.org/1999/xhtml}"


@dataclass(frozen=True)
class Box:
    """A rectangle in PDF points, origin at the bottom left of the page."""

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    def inside(self, other: Box, slack: float = 0.5) -> bool:
        return (self.x0 >= other.x0 - slack and self.y0 >= other.y0 - slack
                and self.x1 <= other.x1 + slack and self.y1 <= other.y1 + slack)

    def as_tuple(self) -> tuple[float, float, float, float]:
        return (self.x0, self.y0, self.x1, self.y1)


@dataclass(frozen=True)
class Line:
    """A text line as pdftotext found it: top-left origin, like the rendered page."""

    page: int  # 0-based
    text: str
    x0: float
    top: float
    x1: float
    bottom: float


@dataclass(frozen=True)
class SignatureLayout:
    page: int  # 0-based page of the signature block
    block: Box  # the signature block's right-hand column (title, space, name)
    signer: Box
    agency: Box
    appendix_page: int | None
    appendix: Box | None


def answers_sha256(answers: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the answers as canonical JSON: sorted keys, no spaces, UTF-8."""
    canonical = json.dumps(answers, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                           default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def page_lines(pdf: bytes) -> tuple[list[tuple[float, float]], list[Line]]:
    """Every page's (width, height) and every text line with its box (``pdftotext``)."""
    program = shutil.which("pdftotext")
    if program is None:
        raise PdfError(PDFTOTEXT_HINT)
    done = subprocess.run([program, "-bbox-layout", "-", "-"], input=pdf, capture_output=True,
                          timeout=60, check=False)
    if done.returncode != 0:
        raise PdfError("Không đọc được bố cục trang của tệp PDF.")
    root = ElementTree.fromstring(done.stdout)
    sizes: list[tuple[float, float]] = []
    lines: list[Line] = []
    for index, page in enumerate(root.iter(f"{_XHTML}page")):
        sizes.append((float(page.get("width", 0)), float(page.get("height", 0))))
        for line in page.iter(f"{_XHTML}line"):
            words = [w.text or "" for w in line.iter(f"{_XHTML}word")]
            lines.append(Line(index, " ".join(words), float(line.get("xMin", 0)),
                              float(line.get("yMin", 0)), float(line.get("xMax", 0)),
                              float(line.get("yMax", 0))))
    return sizes, lines


def _is_recipients_title(text: str) -> bool:
    return re.sub(r"\s+", " ", text).strip().startswith("Nơi nhận")


def find_signature_layout(pdf: bytes, *, has_appendix: bool) -> SignatureLayout:
    """Where the fields go on this rendered document (see the module docstring)."""
    sizes, lines = page_lines(pdf)
    anchors = [ln for ln in lines if _is_recipients_title(ln.text)]
    if not anchors:
        raise PdfError("Không tìm thấy khối chữ ký (\"Nơi nhận:\") trong tệp PDF.")
    anchor = anchors[-1]  # an appendix has no signature block of its own
    width, height = sizes[anchor.page]
    middle = width * 0.45
    column = sorted(
        (ln for ln in lines if ln.page == anchor.page and ln.x0 >= middle
         and ln.top >= anchor.top - 4),
        key=lambda ln: ln.top,
    )
    if not column:
        raise PdfError("Không tìm thấy chức vụ người ký trong khối chữ ký của tệp PDF.")
    # the text's right margin, from every page of the same width (a last page may be short)
    right = max(ln.x1 for ln in lines if sizes[ln.page][0] == width)
    centre = (min(ln.x0 for ln in column) + max(ln.x1 for ln in column)) / 2  # centred lines
    left = 2 * centre - right  # the column is as wide left of its centre as right of it
    gaps = [(b.top - a.bottom, a, b) for a, b in itertools.pairwise(column)]
    if gaps:
        _, above, below = max(gaps, key=lambda g: g[0])
        space_top, space_bottom = above.bottom, below.top
        block_bottom = column[-1].bottom
    else:  # no name line (the roll-up before the DIC named its leader): keep 4 lines free
        space_top, space_bottom = column[0].bottom, column[0].bottom + 4 * 16.0
        block_bottom = space_bottom
    block = Box(left, height - block_bottom, right, height - column[0].top)
    signer_w = min(SIGNER_WIDTH, right - left)
    sx0 = max(left, min(centre - signer_w / 2, right - signer_w))
    pad = min(2.0, (space_bottom - space_top) / 4)
    signer = Box(sx0, height - space_bottom + pad, sx0 + signer_w, height - space_top - pad)
    seal_x1 = signer.x0 + signer.width / 3
    seal_mid = (signer.y0 + signer.y1) / 2
    agency = Box(seal_x1 - SEAL, seal_mid - SEAL / 2, seal_x1, seal_mid + SEAL / 2)
    appendix_page = appendix = None
    if has_appendix and anchor.page + 1 < len(sizes):
        appendix_page = anchor.page + 1
        a_width, a_height = sizes[appendix_page]
        text_right = max((ln.x1 for ln in lines if ln.page == appendix_page), default=right)
        x1 = max(text_right, a_width - 20 * MM)
        appendix = Box(x1 - APPENDIX_WIDTH, a_height - 4 * MM - APPENDIX_HEIGHT, x1,
                       a_height - 4 * MM)
    return SignatureLayout(anchor.page, block, signer, agency, appendix_page, appendix)


def add_signature_fields(
    pdf: bytes, *, submission_id: int | None, answers_hash: str, has_appendix: bool,
    layout: SignatureLayout | None = None,
) -> bytes:
    """``pdf`` with the empty signature fields and the submission metadata added (one
    incremental update). ``submission_id`` None marks a roll-up (no submission)."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign.fields import SigFieldSpec, append_signature_field

    layout = layout or find_signature_layout(pdf, has_appendix=has_appendix)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    append_signature_field(writer, SigFieldSpec(
        SIGNER_FIELD, on_page=layout.page, box=_ints(layout.signer)))
    append_signature_field(writer, SigFieldSpec(
        AGENCY_FIELD, on_page=layout.page, box=_ints(layout.agency)))
    if layout.appendix is not None and layout.appendix_page is not None:
        append_signature_field(writer, SigFieldSpec(
            APPENDIX_FIELD, on_page=layout.appendix_page, box=_ints(layout.appendix)))
    info_ref = writer.trailer.raw_get("/Info") if "/Info" in writer.trailer else None
    if info_ref is not None and isinstance(info_ref, generic.IndirectObject):
        info = info_ref.get_object()
        writer.mark_update(info_ref)
    else:
        info = generic.DictionaryObject()
        writer.trailer["/Info"] = writer.add_object(info)
    info[generic.NameObject(SUBMISSION_KEY)] = generic.TextStringObject(
        "" if submission_id is None else str(submission_id))
    info[generic.NameObject(ANSWERS_HASH_KEY)] = generic.TextStringObject(answers_hash)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _ints(box: Box) -> tuple[int, int, int, int]:
    return (round(box.x0), round(box.y0), round(box.x1), round(box.y1))
