"""Each seed report answered with its own content through the conversation engine
(real storage, SQLite and PostgreSQL), submitted, and the DOCX that comes back read
like a clerk would read it: the seed's headings in the seed's order, its figures in
Vietnamese style, its lists and tables, the header and closing blocks, and the
Decree 30 format rules."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from docx.document import Document as DocxDocument
from docx.text.paragraph import Paragraph

from dialogs.domain import DocumentInfo
from dialogs.loader import load_templates
from dialogs.schema import Template
from renderers.pdf import convert, find_soffice
from renderers.report import document_filename, render_report
from storage import admin
from tests.integration.dialogs.conftest import make_world
from tests.support import nd30_checks as nd30
from tests.support import seed000, seed001, seed002, seed004
from tests.support.answer_plan import AnswerPlan
from tests.unit.renderers.readback import effective

VAR = Path(__file__).resolve().parents[3] / "var" / "seeds"


@dataclass
class Filled:
    template: Template
    answers: dict[str, Any]
    docx: bytes  # the draft the officer received on submit
    info: DocumentInfo  # agency and round, for rendering the issued version

    def doc(self) -> DocxDocument:
        return Document(io.BytesIO(self.docx))

    def issued(self, number: int, on: dt.date) -> DocxDocument:
        info = DocumentInfo(agency=self.info.agency, round=self.info.round, number=number,
                            issued_on=on)
        return Document(io.BytesIO(render_report(self.template, self.answers, info)))


async def fill_and_submit(
    uow_factory: Any,
    template_id: str,
    agency: dict[str, Any],
    round_fields: dict[str, Any],
    plan: AnswerPlan,
) -> Filled:
    """Bind an officer, answer every step from ``plan``, review, submit, confirm."""
    template = load_templates()[template_id]
    world = await make_world(uow_factory, template, render=render_report,
                             agencies=[agency], round_fields=round_fields)
    world.engine.filename = document_filename
    abbr = agency["abbreviation"]
    chat = world.chat(f"officer-{abbr.lower()}")
    await chat.send(world.invites[f"{abbr}0"])
    assert "Câu 1/" in chat.text, chat.text

    async def current_step() -> tuple[str | None, dict[str, Any]]:
        async with uow_factory() as uow:
            conv = await uow.conversations.get("web", chat.user_id)
            answers = await uow.answers.get(conv.assignment_id)
        return (conv.step if conv.state == "answering" else None), answers

    await plan.answer_everything(chat.send, current_step)
    assert "Tất cả câu bắt buộc đã được trả lời" in chat.text, chat.text
    await chat.send("nộp")
    await chat.tap_label("Xác nhận nộp")
    assert "Đã nộp báo cáo (bản 1)" in chat.text, chat.text
    ref = next(m.document for m in chat.last if m.document)
    async with uow_factory() as uow:
        filename, data = await uow.submissions.docx(ref.submission_id)
        assignment = (await uow.assignments.list_open(world.agencies[abbr].id) or [None])[0]
        round_ = await uow.rounds.get(world.round_id)
        stored_agency = await uow.agencies.get(world.agencies[abbr].id)
    assert filename.endswith(".docx")
    answers = await _answers(uow_factory, world, abbr, assignment)
    VAR.mkdir(parents=True, exist_ok=True)
    (VAR / f"{template_id}.docx").write_bytes(data)
    return Filled(template, answers, data, DocumentInfo(agency=stored_agency, round=round_))


async def _answers(uow_factory: Any, world: Any, abbr: str, assignment: Any) -> dict[str, Any]:
    async with uow_factory() as uow:
        if assignment is None:  # submitted: find it among the round's assignments
            rows = await admin.list_assignments(uow, world.round_id)
            assignment = next(a for a in rows if a.agency_id == world.agencies[abbr].id)
        return await uow.answers.get(assignment.id)


# ----------------------------------------------------------------------------- seed 004


SEED004_HEADINGS = [
    "I. KẾT QUẢ TRIỂN KHAI THỰC HIỆN",
    "1. Công tác chỉ đạo, điều hành",
    "2. Kết quả ứng dụng CNTT tại cơ quan",
    "2.1. Phát triển và hoàn thiện hạ tầng kỹ thuật, hệ thống thông tin và cơ sở dữ liệu",
    # the seed says "trong nội bộ Sở": the template names any agency
    "2.2. Phát triển ứng dụng CNTT trong nội bộ cơ quan",
    "2.3. Phát triển ứng dụng CNTT để phục vụ người dân, doanh nghiệp",
    "II. PHƯƠNG HƯỚNG, NHIỆM VỤ 3 THÁNG CUỐI NĂM 2021",
]


async def test_seed004_periodic_report(uow_factory: Any) -> None:
    filled = await fill_and_submit(uow_factory, "periodic_it", seed004.AGENCY, seed004.ROUND,
                                   seed004.PLAN)
    assert filled.answers["van_ban_den"] == 3845 and filled.answers["van_ban_di"] == 888
    assert len(filled.answers["van_ban_chi_dao"]) == 9
    doc = filled.doc()
    body = nd30.body_texts(doc)

    nd30.check_header(doc, governing_body="UBND TỈNH QUẢNG NGÃI", agency="SỞ NGOẠI VỤ",
                      number_line="Số:      /BC-SNGV",
                      place_date="Quảng Ngãi, ngày … tháng … năm …")
    subject = "Tình hình ứng dụng công nghệ thông tin 9 tháng đầu năm 2021"
    nd30.check_title(doc, subject)
    opening = (
        "Thực hiện chế độ thông tin báo cáo định kỳ, Sở Ngoại vụ báo cáo tình hình ứng dụng "
        "công nghệ thông tin (sau đây viết tắt là CNTT) 9 tháng đầu năm 2021 (số liệu tính từ "
        "ngày 15/12/2020 đến ngày 14/9/2021) tại cơ quan như sau:"
    )
    nd30.in_order(body, ["BÁO CÁO", subject, opening, *SEED004_HEADINGS])
    nd30.check_headings(doc, SEED004_HEADINGS)

    # the directives issued, as "+" items in the seed's order
    directives = [
        "+ Kế hoạch số 424/KH-SNgV ngày 31/8/2020 ứng dụng CNTT trong hoạt động của cơ quan nhà "
        "nước, phát triển chính quyền số và bảo đảm an toàn thông tin mạng năm 2021 của Sở "
        "Ngoại vụ Quảng Ngãi;",
        "+ Công văn số 163/SNgV-VP ngày 18/3/2021 về việc thực hiện rà soát số liệu trên Cổng "
        "dịch vụ công quốc gia;",
        "+ Báo cáo số 177/BC-SNgV ngày 24/3/2021 tình hình ứng dụng CNTT Quý I năm 2021 của Sở;",
        "+ Công văn số 328/SNgV-VP ngày 07/5/2021 về việc sử dụng các biện pháp, giải pháp công "
        "nghệ phục vụ công tác phòng, chống dịch COVID-19 trong tình hình mới;",
        "+ Công văn số 857/SNgV-VP ngày 11/10/2021 về việc thống kê, rà soát lại danh mục thủ tục "
        "hành chính thực hiện qua dịch vụ công trực tuyến mức độ 3, mức độ 4.",  # last: "."
    ]
    intro = next(t for t in body if t.startswith("- Trên cơ sở nội dung các Quyết định"))
    assert "hướng dẫn của Sở Thông tin và Truyền thông" in intro
    assert "Sở Ngoại vụ đã ban hành các văn bản chỉ đạo" in intro
    nd30.in_order(body, ["1. Công tác chỉ đạo, điều hành", intro, *directives,
                         "2. Kết quả ứng dụng CNTT tại cơ quan"])
    assert sum(t.startswith(("+ Kế hoạch số", "+ Công văn số", "+ Báo cáo số"))
               for t in body) == 9

    # figures of internal use, in Vietnamese style
    nd30.in_order(body, [
        "- Sử dụng phần mềm iOffice và ký số văn bản điện tử:",
        "+ Tổng số văn bản điện tử đã xử lý trên môi trường mạng 9 tháng đầu năm 2021: "
        "4.733 văn bản, trong đó:",
        "+ Văn bản đến: 3.845 văn bản;",
        "+ Văn bản đi: 888 văn bản.",
        "+ Tỷ lệ văn bản (trừ văn bản mật) được trao đổi dưới dạng văn bản điện tử: 100%.",
        "- Về sử dụng hộp thư điện tử công vụ: tỷ lệ công chức sử dụng thư điện tử công vụ để "
        "trao đổi, giải quyết công việc đạt 100%.",
    ])
    # skipped optional figures leave no trace
    assert not any("Tổng số máy tính" in t for t in body)
    # the tasks for the rest of the year, numbered like the seed
    tasks = [f"{i}. {task}" for i, task in enumerate(seed004.TASKS, start=1)]
    nd30.in_order(body, ["II. PHƯƠNG HƯỚNG, NHIỆM VỤ 3 THÁNG CUỐI NĂM 2021", *tasks])
    closing = ("Trên đây là nội dung báo cáo của Sở Ngoại vụ, kính đề nghị Sở Thông tin và "
               "Truyền thông tổng hợp./.")
    nd30.in_order(body, [tasks[-1], closing])

    nd30.check_body(doc, [opening, closing, tasks[0]])
    nd30.check_closing(doc, recipients=["- Sở Thông tin và Truyền thông;", "- Ban Lãnh đạo;",
                                        "- Lưu: VT, VP."],
                       authority=None, position="GIÁM ĐỐC", signer="Nguyễn Viết Vy")
    nd30.check_page(doc)
    nd30.check_fonts(doc)
    nd30.check_page_numbers(doc)

    issued = filled.issued(5, dt.date(2021, 10, 8))
    nd30.check_header(issued, governing_body="UBND TỈNH QUẢNG NGÃI", agency="SỞ NGOẠI VỤ",
                      number_line="Số: 05/BC-SNGV",
                      place_date="Quảng Ngãi, ngày 08 tháng 10 năm 2021")


# ----------------------------------------------------------------------------- seed 002


SEED002_HEADINGS = [
    "I. KẾT QUẢ 03 NĂM THỰC HIỆN CHỈ THỊ SỐ 02/CT-TTg",
    "1. Đặc điểm tình hình",
    "1.1. Công tác tham mưu văn bản phục vụ chỉ đạo, điều hành và kết quả triển khai quản lý, "
    "sử dụng chứng thư số, chữ ký số chuyên dùng Chính phủ tại Sở Công Thương",
    "2. Kết quả thực hiện các nhiệm vụ được giao tại Chỉ thị số 02/CT-TTg",
    "II. TỒN TẠI, HẠN CHẾ VÀ NGUYÊN NHÂN",
    "III. KẾ HOẠCH VÀ MỘT SỐ GIẢI PHÁP THỰC HIỆN CHỈ THỊ SỐ 02/CT-TTg TRONG THỜI GIAN TỚI",
    "IV. KIẾN NGHỊ, ĐỀ XUẤT",
]


async def test_seed002_directive_02_review(uow_factory: Any) -> None:
    filled = await fill_and_submit(uow_factory, "ct02_chu_ky_so", seed002.AGENCY, seed002.ROUND,
                                   seed002.PLAN)
    assert filled.answers["nhu_cau_chung_thu_so"]["usb_token"]["so_luong"] == 5
    doc = filled.doc()
    body = nd30.body_texts(doc)

    nd30.check_header(doc, governing_body="UBND TỈNH ĐỒNG NAI", agency="SỞ CÔNG THƯƠNG",
                      number_line="Số:      /BC-SCT", place_date="Đồng Nai, ngày … tháng … năm …")
    subject = ("Sơ kết 03 năm tình hình triển khai thực hiện Chỉ thị số 02/CT-TTg ngày "
               "23/01/2019 của Thủ tướng Chính phủ")
    nd30.check_title(doc, subject)
    nd30.in_order(body, ["BÁO CÁO", subject, *SEED002_HEADINGS])
    nd30.check_headings(doc, SEED002_HEADINGS)
    # 1.1. is the third level: bold italic
    assert effective(nd30.paragraph(doc, SEED002_HEADINGS[2]), "italic")

    # certificates, SIM PKI, signed documents and procedures, in Vietnamese style
    figures = [
        "- Tổng số chứng thư số chuyên dùng Chính phủ đang sử dụng: 46 chứng thư số.",
        "- Số SIM PKI đã đăng ký cho lãnh đạo đơn vị: 7 SIM.",
        "- Tổng số văn bản đi, đến: 21.253 văn bản.",
        "- Số văn bản điện tử: 19.746 văn bản.",
        # 19.746/21.253 = 92,909…%, cut to two decimals (the seed rounds it to "93%")
        "- Tỷ lệ văn bản điện tử đạt 92,9%.",
        # one number of decimals through the document: "100,0%" beside "92,9%"
        "- Tỷ lệ văn bản đi được ký số (trừ văn bản mật): 100,0%.",
        "- Tổng số hồ sơ thủ tục hành chính đã tiếp nhận: 12.382 hồ sơ.",
        "- Số hồ sơ giải quyết đúng và trước hạn: 12.222 hồ sơ.",
        # the seed prints 99,99% for 12.222/12.382, a slip: the ratio is 98,70…%
        "- Tỷ lệ hồ sơ thủ tục hành chính giải quyết đúng và trước hạn đạt 98,7%.",
        "- Công tác rà soát, đánh giá, đẩy mạnh ứng dụng chữ ký số chuyên dùng Chính phủ:",
    ]
    nd30.in_order(body, [SEED002_HEADINGS[2], *figures, SEED002_HEADINGS[3]])
    # a share the officer typed is printed as typed, not padded like the renderer's own
    typed = [t for t in body if t.startswith("Ứng dụng chữ ký số:")]
    assert typed and typed[0].startswith("Ứng dụng chữ ký số: 100% cán bộ"), typed
    # narratives keep the officer's "-" lines as bullets, in order
    nd30.in_order(body, [SEED002_HEADINGS[4], *seed002.TON_TAI.splitlines(),
                         SEED002_HEADINGS[5], *seed002.KE_HOACH.splitlines()])

    # the needs table: certificates for organisations, USB tokens, SIM PKI, devices
    intro = next(t for t in body if t.startswith("- Nhu cầu triển khai sử dụng chứng thư số"))
    assert "Sở Công Thương đề nghị Sở Thông tin và Truyền thông cấp mới" in intro
    assert "chuyên dùng Chính phủ (giai đoạn 2022-2023):" in intro  # as the seed says
    tables = nd30.data_tables(doc)
    assert len(tables) == 2  # the needs and the "Phụ biểu" the text refers to
    needs = tables[0]
    # the Phụ biểu: part I's figures from the answers, on a page of its own
    assert "(Tổng hợp số liệu chi tiết tại Phụ biểu kèm theo)." in body
    nd30.in_order(body, ["Sở Công Thương kính gửi Sở Thông tin và Truyền thông tổng hợp./.",
                         "Phụ biểu", "TỔNG HỢP SỐ LIỆU KẾT QUẢ THỰC HIỆN CHỈ THỊ SỐ 02/CT-TTG"])
    annex = [[c.text for c in r.cells] for r in tables[1].rows]
    assert annex[0] == ["STT", "Nội dung", "Số liệu"]
    assert ["3", "Tổng số văn bản đi, đến", "21.253 văn bản"] in annex
    assert ["5", "Tỷ lệ văn bản điện tử", "92,9%"] in annex  # as the body prints it
    shares = [r[2] for r in annex if r[2].endswith("%")]
    assert "100,0%" in shares and all("," in s for s in shares), shares
    assert nd30.header_row(needs) == ["STT", "Loại chứng thư số", "Số lượng đề nghị cấp mới"]
    rows = [[c.text for c in r.cells] for r in needs.rows[1:]]
    assert rows == [
        ["1", "Chứng thư số cho cơ quan, tổ chức", "3"],
        ["2", "Chứng thư số cho cá nhân (USB Token)", "5"],
        ["3", "Chứng thư số cho cá nhân (SIM PKI)", "2"],
        ["4", "Chứng thư số cho thiết bị, dịch vụ, phần mềm", "2"],
        ["Tổng cộng", "Tổng cộng", "12"],
    ]
    nd30.check_data_table(needs, figures=["3", "5", "12"], total_label="Tổng cộng")
    # the table comes after its intro line and before the proposals
    elements = list(doc.element.body)

    def at(text: str) -> int:
        return next(i for i, el in enumerate(elements)
                    if el.tag.endswith("}p") and Paragraph(el, None).text.strip() == text)

    assert at(intro) < elements.index(needs._tbl) < at(SEED002_HEADINGS[6])

    nd30.in_order(body, [SEED002_HEADINGS[6], *seed002.KIEN_NGHI.splitlines(),
                         "Sở Công Thương kính gửi Sở Thông tin và Truyền thông tổng hợp./."])
    nd30.check_body(doc, [seed002.TON_TAI.splitlines()[0],
                          "Sở Công Thương kính gửi Sở Thông tin và Truyền thông tổng hợp./."])
    nd30.check_closing(doc, recipients=["- Sở Thông tin và Truyền thông (tổng hợp);",
                                        "- Ban Lãnh đạo;",
                                        "- Các phòng, đơn vị trực thuộc (biết);",
                                        "- Lưu: VT, VP."],
                       authority="KT. GIÁM ĐỐC", position="PHÓ GIÁM ĐỐC",
                       signer="Nguyễn Trí Phương")
    nd30.check_page(doc)
    nd30.check_fonts(doc)
    nd30.check_page_numbers(doc)


# ----------------------------------------------------------------------------- seed 000


SEED000_APPENDIX_HEADINGS = [
    "1. Tình hình ứng dụng công nghệ thông tin",
    "1.1. Ứng dụng CNTT trong công tác chỉ đạo điều hành",
    "1.2. Ứng dụng CNTT trong công tác trao đổi, thảo luận công việc",
    "1.3. Ứng dụng CNTT trong công tác hội họp, hội nghị",
    "1.4. Ứng dụng CNTT phục vụ người dân, doanh nghiệp",
    "2. Những tồn tại, hạn chế",
]


async def test_seed000_cong_van_with_appendix(uow_factory: Any) -> None:
    filled = await fill_and_submit(uow_factory, "covid_cong_van", seed000.AGENCY, seed000.ROUND,
                                   seed000.PLAN)
    assert filled.answers["so_ho_so_muc_cao"] == 706
    subject = ("V/v báo cáo tình hình công chức, viên chức ứng dụng CNTT làm việc tại nhà, làm "
               "việc trực tuyến qua môi trường mạng trong thời gian chống dịch Covid-19")
    for doc, number_line, place_date, note in (
        (filled.doc(), "Số:      /SCT-VP", "Quảng Trị, ngày … tháng … năm …",
         "(Kèm theo Công văn số …/SCT-VP ngày … của Sở Công Thương)"),
        (filled.issued(seed000.NUMBER, seed000.ISSUED_ON), "Số: 451/SCT-VP",
         "Quảng Trị, ngày 08 tháng 4 năm 2020",
         "(Kèm theo Công văn số 451/SCT-VP ngày 08/4/2020 của Sở Công Thương)"),
    ):
        body = nd30.body_texts(doc)
        nd30.check_header(doc, governing_body="UBND TỈNH QUẢNG TRỊ", agency="SỞ CÔNG THƯƠNG",
                          number_line=number_line, place_date=place_date, subject_line=subject)
        assert "BÁO CÁO" not in body  # a công văn has no title line
        addressee = "Kính gửi: Sở Thông tin và Truyền thông tỉnh Quảng Trị"
        opening = (
            "Sở Công Thương nhận được Văn bản số 249/STTTT-CNTT ngày 03/4/2020 của Sở Thông tin "
            "và Truyền thông tỉnh Quảng Trị về việc báo cáo tình hình cán bộ, công chức, viên "
            "chức ứng dụng công nghệ thông tin làm việc tại nhà, làm việc trực tuyến qua môi "
            "trường mạng trong thời gian chống dịch Covid-19; Sở Công Thương báo cáo như sau:"
        )
        letter_end = [
            "Nội dung cụ thể báo cáo tình hình công chức, viên chức ứng dụng CNTT làm việc tại "
            "nhà tại Phụ lục đính kèm.",
            "Vậy, Sở Công Thương gửi Sở Thông tin và Truyền thông tổng hợp./.",
        ]
        title = ("BÁO CÁO TÌNH HÌNH CÔNG CHỨC, VIÊN CHỨC ỨNG DỤNG CNTT LÀM VIỆC TẠI NHÀ, LÀM "
                 "VIỆC TRỰC TUYẾN QUA MÔI TRƯỜNG MẠNG TRONG THỜI GIAN CHỐNG DỊCH COVID-19")
        nd30.in_order(body, [addressee, opening, seed000.TINH_HINH_CHUNG, *letter_end,
                             "Phụ lục", title, note, *SEED000_APPENDIX_HEADINGS])
        # the letter has no headings: its section title only guides the chat
        assert "Nội dung công văn" not in nd30.everything(doc)
        nd30.check_body(doc, [opening, seed000.TINH_HINH_CHUNG, letter_end[1]])
        nd30.check_closing(doc, recipients=["- Như trên;", "- Ban Lãnh đạo;", "- Lưu: VT, VP."],
                           authority="KT. GIÁM ĐỐC", position="PHÓ GIÁM ĐỐC",
                           signer="Lê Văn Bình")
        # the closing block comes before the appendix
        elements = list(doc.element.body)
        label = nd30.check_appendix(doc, "Phụ lục", title, note)
        assert elements.index(doc.tables[-1]._tbl) < elements.index(label._p)
        assert doc.tables[-1].cell(0, 0).paragraphs[0].text == "Nơi nhận:"
        nd30.check_headings(doc, SEED000_APPENDIX_HEADINGS)
        nd30.check_page(doc)
        nd30.check_fonts(doc)
        nd30.check_page_numbers(doc)

    # the appendix: "-" items with the officer's "+" lines under them, figures
    nd30.in_order(body, [
        "1.1. Ứng dụng CNTT trong công tác chỉ đạo điều hành",
        "- Việc ứng dụng chữ ký số chuyên dùng: " + seed000.PLAN.scalars["chu_ky_so"],
        "- Hệ thống gửi, nhận văn bản qua mạng: " + seed000.PLAN.scalars["gui_nhan_van_ban"],
        "+ Tỷ lệ văn bản đến và văn bản đi được quản lý qua phần mềm (trừ văn bản mật): 100%.",
        "1.4. Ứng dụng CNTT phục vụ người dân, doanh nghiệp",
        "- Việc cung cấp thông tin trên Trang thông tin điện tử:",
        *seed000.PLAN.scalars["thong_tin_website"].splitlines(),
        "- Việc cung cấp dịch vụ công trực tuyến mức độ cao trên Cổng dịch vụ công của tỉnh: "
        "hiện tại đơn vị cung cấp 21 thủ tục hành chính mức độ 3, 4.",
        "+ Số hồ sơ mức độ 3, 4 đã tiếp nhận: 706 hồ sơ.",
        "2. Những tồn tại, hạn chế",
        "- Hạ tầng kỹ thuật CNTT:",
        *seed000.PLAN.scalars["han_che_ha_tang"].splitlines(),
        "- Nguồn nhân lực CNTT: tổng số công chức, viên chức và người lao động của đơn vị là 40 "
        "người.",
    ])
    # "1." headings of the appendix are not capitalised like "I." headings
    assert "1. TÌNH HÌNH ỨNG DỤNG CÔNG NGHỆ THÔNG TIN" not in body


# ----------------------------------------------------------------------------- seed 001


async def test_seed001_short_cong_van(uow_factory: Any) -> None:
    filled = await fill_and_submit(uow_factory, "cong_van_ngan", seed001.AGENCY, seed001.ROUND,
                                   seed001.PLAN)
    assert len(filled.answers["noi_dung_bao_cao"]) == len(seed001.POINTS)
    subject = ("V/v Báo cáo tình hình ứng dụng công nghệ thông tin trong thời gian chống dịch "
               "Covid-19")
    for doc, number_line, place_date in (
        (filled.doc(), "Số:      /VP-TTTH", "Quảng Trị, ngày … tháng … năm …"),
        (filled.issued(seed001.NUMBER, seed001.ISSUED_ON), "Số: 194/VP-TTTH",
         "Quảng Trị, ngày 07 tháng 4 năm 2020"),
    ):
        body = nd30.body_texts(doc)
        nd30.check_header(doc, governing_body="UBND TỈNH QUẢNG TRỊ",
                          agency="VĂN PHÒNG UBND TỈNH", number_line=number_line,
                          place_date=place_date, subject_line=subject)
        assert "BÁO CÁO" not in body
        opening = (
            "Theo đề nghị tại Công văn số 249/STTTT-CNTT ngày 03/4/2020 của Sở Thông tin và "
            "Truyền thông, Văn phòng UBND tỉnh báo cáo tình hình cán bộ, công chức, viên chức "
            "ứng dụng công nghệ thông tin làm việc tại nhà, làm việc trực tuyến qua môi trường "
            "mạng trong thời gian chống dịch Covid-19 như sau:"
        )
        closing = (
            "Trên đây là những thông tin về tình hình triển khai ứng dụng công nghệ thông tin "
            "trong thời gian chống dịch Covid-19 của đơn vị, Văn phòng UBND tỉnh báo cáo để Sở "
            "Thông tin và Truyền thông tổng hợp báo cáo UBND tỉnh./."
        )
        points = [f"- {p}" for p in seed001.POINTS]
        nd30.in_order(body, ["Kính gửi: Sở Thông tin và Truyền thông", opening, *points,
                             closing])
        assert body[-1] == closing  # no appendix, no headings
        assert not any(effective_bold(doc, t) for t in [*points, opening, closing])
        nd30.check_body(doc, [opening, points[0], closing])
        nd30.check_closing(doc, recipients=["- Như trên;", "- Ban Lãnh đạo;", "- Lưu: VT, TTTH."],
                           authority=None, position="CHÁNH VĂN PHÒNG",
                           signer="Nguyễn Cảnh Hưng")
        nd30.check_page(doc)
        nd30.check_fonts(doc)
        nd30.check_page_numbers(doc)


def effective_bold(doc: DocxDocument, text: str) -> bool:
    return bool(effective(nd30.paragraph(doc, text), "bold"))


# ----------------------------------------------------------------------------- PDF

SEEDS = {
    "periodic_it": seed004,
    "ct02_chu_ky_so": seed002,
    "covid_cong_van": seed000,
    "cong_van_ngan": seed001,
}


def _page_text(pdf: Path, page: int) -> str:
    done = subprocess.run(
        ["pdftotext", "-layout", "-f", str(page), "-l", str(page), str(pdf), "-"],
        capture_output=True, check=True, timeout=60,
    )
    return done.stdout.decode("utf-8")


@pytest.mark.skipif(find_soffice() is None, reason="LibreOffice (soffice) is not installed: "
                    "apt-get install -y libreoffice-writer-nogui")
@pytest.mark.parametrize("template_id", list(SEEDS))
async def test_seed_documents_convert_to_pdf_without_warnings(
    uow_factory: Any, template_id: str
) -> None:
    seed = SEEDS[template_id]
    filled = await fill_and_submit(uow_factory, template_id, seed.AGENCY, seed.ROUND, seed.PLAN)
    result = convert(filled.docx)
    assert result.warnings == []
    assert result.pdf.startswith(b"%PDF")
    VAR.mkdir(parents=True, exist_ok=True)
    pdf = VAR / f"{template_id}.pdf"
    pdf.write_bytes(result.pdf)
    if shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None:
        return  # the PDF itself is checked; poppler only reads it back
    first = _page_text(pdf, 1)
    # the Vietnamese text survives (fonts embedded, no substitution boxes)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in first
    assert "Độc lập - Tự do - Hạnh phúc" in first
    # no page number on page 1; "2" centred at the top of page 2 when there is one
    assert first.strip().splitlines()[0].strip().startswith(
        seed.AGENCY["governing_body"].split()[0])
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", result.pdf))
    if pages > 1:
        assert _page_text(pdf, 2).strip().splitlines()[0].strip() == "2"
    # page 1 as a picture, for people to look at (var/seeds/<id>-1.png)
    subprocess.run(["pdftoppm", "-r", "80", "-png", "-f", "1", "-l", "1", "-singlefile",
                    str(pdf), str(VAR / f"{template_id}-1")], check=True, timeout=60)
    assert (VAR / f"{template_id}-1.png").stat().st_size > 10_000
