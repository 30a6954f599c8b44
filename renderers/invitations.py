"""The printable "Phiếu mời tham gia báo cáo": for every selected agency its name,
invite code, links and a QR code, laid out in the Decree 30 style (header with
the collecting department, title, numbered agency blocks). It is attached to the
DIC's công văn; :mod:`renderers.pdf` turns it into a PDF.

Pure: the QR pictures come in as PNG bytes.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass

from docx.shared import Cm

from renderers.nd30 import STYLE, Nd30Document
from renderers.nd30_tables import _new_paragraph, _write_cell

__all__ = ["InvitationEntry", "render_invitations"]

QR_WIDTH = Cm(3.6)


@dataclass(frozen=True)
class InvitationEntry:
    agency: str
    abbreviation: str
    code: str
    links: Sequence[tuple[str, str]]  # (label, link): "Trò chuyện trên web", "Telegram" …
    qr_png: bytes
    qr_label: str  # what the QR code opens, e.g. "Telegram" or "trang trò chuyện trên web"


def render_invitations(
    entries: Sequence[InvitationEntry], *, province: str, collector: str, issued: dt.date,
    expires: dt.date,
) -> bytes:
    doc = Nd30Document()
    doc.header(
        governing_body=f"UBND TỈNH {province}", agency_name=collector, number_line="",
        place_date=f"{province}, ngày {issued.day:02d} tháng {issued.month:02d} năm {issued.year}",
    )
    doc.title("PHIẾU MỜI", "Tham gia báo cáo qua hệ thống Báo cáo bot")
    doc.body(
        f"{collector} mời các cơ quan, đơn vị có tên dưới đây tham gia gửi báo cáo qua hệ thống "
        "Báo cáo bot. Cán bộ được giao nhiệm vụ báo cáo quét mã QR hoặc mở một trong các liên "
        "kết của cơ quan mình, rồi nhập mã mời khi được hỏi."
    )
    doc.body(
        f"Mỗi mã mời chỉ dùng được một lần và có hiệu lực đến hết ngày {expires:%d/%m/%Y}; "
        f"mã cũ cấp trước đây không còn giá trị. Khi cần mã mới, đề nghị liên hệ {collector}."
    )
    for number, entry in enumerate(entries, start=1):
        doc.heading(2, f"{number}. {entry.agency} ({entry.abbreviation})")
        text_width = doc.page.text_width
        qr_width = int(QR_WIDTH.twips) + 400
        table = doc._layout_table(1, (text_width - qr_width, qr_width))
        left, right = table.rows[0].cells
        _write_cell(left, f"Mã mời: {entry.code}", STYLE.TABLE_TEXT).runs[0].bold = True
        for label, link in entry.links:
            _new_paragraph(left, STYLE.TABLE_TEXT).add_run(f"{label}: {link}")
        _new_paragraph(left, STYLE.TABLE_TEXT).add_run(
            f"Mã QR bên cạnh mở {entry.qr_label}.").italic = True
        picture = _write_cell(right, "", STYLE.TABLE_CENTER)
        picture.add_run().add_picture(io.BytesIO(entry.qr_png), width=QR_WIDTH)
    return doc.to_bytes()
