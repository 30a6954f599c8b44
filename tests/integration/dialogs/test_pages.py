"""The page test: documents converted with LibreOffice and read page by page, as a
văn thư checks a printout before signing. On every page: the signer's title and
name together, no table row cut by a page end, no page ending with a heading.

Covered: the five seed documents answered through the engine, a long-named
agency's report, a commune's report whose long answers push the closing towards a
page end, and a 100-agency roll-up. A portrait page before a landscape table page is
at least 60 % full unless it ends its section. The PDFs and page pictures are kept under
``var/pages/`` for people to look at."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from dialogs.domain import Agency, DocumentInfo, Round
from dialogs.loader import load_templates
from renderers.report import document_filename, render_report
from renderers.rollup import LATE, NOT_STARTED, ON_TIME, AgencyEntry, RollupInfo, render_rollup
from tests.integration.dialogs.conftest import make_world
from tests.integration.dialogs.test_seed_templates import SEEDS, fill_and_submit
from tests.support import page_fill, pdf_pages
from tests.support.seed003 import answer_everything
from tests.unit.renderers.fake_answers import fake_answers

pytestmark = pytest.mark.skipif(
    not pdf_pages.AVAILABLE,
    reason="LibreOffice and poppler are needed: apt-get install -y libreoffice-writer-nogui "
    "poppler-utils (make test installs them)",
)

OUT = Path(__file__).resolve().parents[3] / "var" / "pages"
TEMPLATES = load_templates()
ROUND = Round(id=3, template_id="annual_it", template_version=1, period_label="năm 2026",
              period_start=dt.date(2025, 12, 15), period_end=dt.date(2026, 12, 14),
              deadline=dt.date(2026, 12, 18))


def _pictures(name: str) -> None:
    """Every page as a PNG next to the PDF (var/pages/<name>-<n>.png)."""
    if shutil.which("pdftoppm") is None:
        return
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(OUT / f"{name}.pdf"),
                    str(OUT / name)], check=True, timeout=120)


def check_pages(name: str, data: bytes, *, position: str, signer: str,
                rows_expected: bool = False) -> list[str]:
    pages = pdf_pages.render_pages(data, OUT / f"{name}.pdf")
    _pictures(name)
    document = pdf_pages.open_docx(data)
    pdf_pages.check_signature_on_one_page(pages, position, signer)
    pdf_pages.check_headings_not_last(pages, pdf_pages.document_headings(document))
    checked = pdf_pages.check_rows_not_cut(pages, document)
    # a landscape table page does not leave the page before it mostly blank when the
    # text could flow (the table waits for the end of its subsection)
    short = page_fill.short_pages_before_landscape(
        OUT / f"{name}.pdf", pages, pdf_pages.document_headings(document), minimum=0.6)
    assert not short, f"pages (number, share filled) left short before a landscape page: {short}"
    # ... and none is left mostly blank, even where its subsection ends there, unless
    # only the closing or an appendix follows the landscape page
    blank = page_fill.short_pages_before_landscape(OUT / f"{name}.pdf", pages, (),
                                                   minimum=0.5)
    assert not blank, f"pages (number, share filled) mostly blank before a landscape page: {blank}"
    if rows_expected:
        assert checked > 0, "no multi-line table cell could be located in the pages"
    return pages


# ----------------------------------------------------------------------------- seeds


# Pages do not depend on the database: these run on SQLite only (the seed tests in
# test_seed_templates.py cover both backends).
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@SQLITE_ONLY
@pytest.mark.parametrize("template_id", list(SEEDS))
async def test_seed_document_pages(uow_factory: Any, template_id: str) -> None:
    seed = SEEDS[template_id]
    filled = await fill_and_submit(uow_factory, template_id, seed.AGENCY, seed.ROUND, seed.PLAN)
    agency = filled.info.agency
    check_pages(f"seed-{template_id}", filled.docx,
                position=agency.signer_position.upper(), signer=agency.signer_name)


@SQLITE_ONLY
async def test_seed003_annual_report_pages(uow_factory: Any) -> None:
    template = TEMPLATES["annual_it"]
    world = await make_world(uow_factory, template, render=render_report)
    world.engine.filename = document_filename
    chat = world.chat("officer-sct")
    await chat.send(world.invites["SCT0"])

    async def current_step() -> tuple[str | None, dict[str, Any]]:
        async with uow_factory() as uow:
            conv = await uow.conversations.get("web", "officer-sct")
            answers = await uow.answers.get(conv.assignment_id)
        return (conv.step if conv.state == "answering" else None), answers

    await answer_everything(chat.send, current_step)
    await chat.send("nộp")
    await chat.tap_label("Xác nhận nộp")
    ref = next(m.document for m in chat.last if m.document)
    async with uow_factory() as uow:
        _, data = await uow.submissions.docx(ref.submission_id)
    pages = check_pages("seed-annual_it", data, position="PHÓ GIÁM ĐỐC", signer="Nguyễn Văn A",
                        rows_expected=True)
    assert len(pages) >= 4


# ----------------------------------------------------------------------------- agencies


LONG_NAMED = Agency(
    id=11, name="Sở Nông nghiệp và Phát triển nông thôn", abbreviation="SNNPTNT",
    governing_body="UBND TỈNH ĐỒNG NAI", place="Đồng Nai", signer_name="Trần Thị Minh Khai",
    signer_position="PHÓ GIÁM ĐỐC", signer_authority="KT. GIÁM ĐỐC",
)
COMMUNE = Agency(
    id=12, name="Ủy ban nhân dân phường Tân Phong", abbreviation="UBND", level="commune",
    governing_body="UBND TỈNH ĐỒNG NAI", place="Biên Hòa", signer_name="Lê Văn Thành",
    signer_position="CHỦ TỊCH", signer_authority="TM. ỦY BAN NHÂN DÂN", drafting_unit="VP",
)


def _long_answers(extra: int) -> dict[str, Any]:
    """Fake answers whose long texts run to several paragraphs, so the closing moves
    down the page as ``extra`` grows."""
    template = TEMPLATES["annual_it"]
    answers = fake_answers(template)
    sentence = ("Ủy ban nhân dân phường tiếp tục triển khai ứng dụng công nghệ thông tin "
                "trong hoạt động nội bộ và phục vụ người dân, doanh nghiệp trên địa bàn. ")
    for q in template.iter_questions():
        if q.type.value == "text" and q.long:
            answers[q.id] = "\n".join(sentence * (1 + (n + extra) % 3) for n in range(2))
    return answers


def test_long_named_agency_report_pages() -> None:
    template = TEMPLATES["annual_it"]
    info = DocumentInfo(agency=LONG_NAMED, round=ROUND, number=7, issued_on=dt.date(2026, 12, 16))
    pages = check_pages("long-named", render_report(template, fake_answers(template), info),
                        position="PHÓ GIÁM ĐỐC", signer="Trần Thị Minh Khai")
    first = pages[0]
    assert "SỞ NÔNG NGHIỆP VÀ PHÁT TRIỂN" in " ".join(first.split())
    if shutil.which("pdfinfo"):  # the PDF's properties come from the DOCX's
        meta = subprocess.run(["pdfinfo", str(OUT / "long-named.pdf")], capture_output=True,
                              check=True, timeout=60).stdout.decode("utf-8")
        assert "Author:          Sở Nông nghiệp và Phát triển nông thôn" in meta
        assert "Title:           Kết quả ứng dụng công nghệ thông tin" in meta


@pytest.mark.parametrize("extra", [0, 1, 2])
def test_commune_report_pages(extra: int) -> None:
    template = TEMPLATES["annual_it"]
    info = DocumentInfo(agency=COMMUNE, round=ROUND)
    pages = check_pages(f"commune-{extra}", render_report(template, _long_answers(extra), info),
                        position="CHỦ TỊCH", signer="Lê Văn Thành")
    # a People's Committee issues in its own name: no province line above it
    assert "UBND TỈNH ĐỒNG NAI" not in pages[0]
    assert "ỦY BAN NHÂN DÂN" in pages[0].splitlines()[0]


@pytest.mark.parametrize("name", ["Sở Khoa học và Công nghệ", "Sở Thông tin và Truyền thông"])
def test_long_agency_names_stay_on_one_header_line(name: str) -> None:
    template = TEMPLATES["cong_van_ngan"]
    agency = dataclasses.replace(LONG_NAMED, name=name, abbreviation="SX")
    info = DocumentInfo(agency=agency, round=ROUND, number=7, issued_on=dt.date(2026, 12, 16))
    pages = check_pages(f"header-{agency.abbreviation}-{len(name)}",
                        render_report(template, fake_answers(template), info),
                        position="PHÓ GIÁM ĐỐC", signer="Trần Thị Minh Khai")
    assert any(name.upper() in line for line in pages[0].splitlines()), pages[0][:400]


# ----------------------------------------------------------------------------- roll-up


def test_hundred_agency_rollup_pages() -> None:
    template = TEMPLATES["annual_it"]
    base = fake_answers(template)
    entries = []
    for i in range(1, 101):
        agency = Agency(id=i, name=f"Phòng Văn hóa và Thông tin huyện số {i}",
                        abbreviation=f"P{i}", governing_body="UBND TỈNH ĐỒNG NAI",
                        place="Đồng Nai", signer_name="Nguyễn Văn A")
        state = NOT_STARTED if i % 10 == 0 else (LATE if i % 7 == 0 else ON_TIME)
        answers = None if state == NOT_STARTED else {
            **base, "so_cbcc": 40 + i, "so_may_tinh": 30 + i}
        entries.append(AgencyEntry(agency, state, answers,
                                   dt.datetime(2026, 12, 10, 3, tzinfo=dt.UTC), 1))
    collector = Agency(id=500, name="Sở Khoa học và Công nghệ", abbreviation="SKHCN",
                       governing_body="UBND TỈNH ĐỒNG NAI", place="Đồng Nai",
                       signer_name="Phạm Văn Bình", signer_position="PHÓ GIÁM ĐỐC",
                       signer_authority="KT. GIÁM ĐỐC", drafting_unit="CĐS",
                       is_collector=True)
    info = RollupInfo(round=dataclasses.replace(ROUND, status="closed"), collector=collector)
    pages = check_pages("rollup-100", render_rollup(template, entries, info),
                        position="PHÓ GIÁM ĐỐC", signer="Phạm Văn Bình", rows_expected=True)
    assert len(pages) > 10
