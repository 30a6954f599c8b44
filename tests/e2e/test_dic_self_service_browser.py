"""Issue 15's bar, in headless Chromium against a real ``baocao run``: the DIC runs
reporting on its own from the dashboard.

Log in; upload an XLSForm with three mistakes (all three listed with sheet, row
and column); upload the corrected file, preview it, answer two questions in the
"thử trả lời" chat, publish; import two agencies from CSV (a bad row first:
nothing imported, the row named); print their invitations (the PDF's two QR codes
decode to links carrying the codes shown); open a round of the new template for
them; one officer opens the printed link in the web chat, answers and submits;
the DIC revokes the other officer, whose next message is refused; the roll-up
downloads with the submitted report in it.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest
from docx import Document

from dialogs import texts
from tests.e2e.support import (
    Filler,
    Server,
    baocao,
    current_prompt,
    demo_server,
    find_button,
    http_sender,
    load_template_description,
    new_session,
)
from tests.e2e.test_webchat_browser import BrowserChat, browser_page  # noqa: F401 — fixture

pytestmark = pytest.mark.browser

HAS_PDF_TOOLS = bool(shutil.which("soffice") and shutil.which("pdfimages")
                     and shutil.which("pdftoppm"))

LINK = re.compile(r"https?://\S+/admin/login\?token=[\w-]+")
ZALO_OA = "https://zalo.me/4318092214213021123"
SURVEY_HEADER = ["type", "name", "label", "hint", "required", "constraint",
                 "constraint_message", "relevant"]
GOOD_SURVEY = [
    ["begin_group", "chung", "THÔNG TIN CHUNG", "", "", "", "", ""],
    ["integer", "so_may_tinh", "Cơ quan đang sử dụng bao nhiêu máy tính?", "Tính cả máy xách tay",
     "yes", ". >= 0", "Số máy tính không được âm.", ""],
    ["integer", "so_may_ket_noi", "Bao nhiêu máy tính được kết nối Internet?", "", "yes",
     ". <= ${so_may_tinh}", "Không được lớn hơn tổng số máy tính.", ""],
    ["select_one co_khong", "co_wifi", "Cơ quan có mạng Wi-Fi cho cán bộ không?", "", "yes",
     "", "", ""],
    ["text", "mo_ta_wifi", "Anh/Chị mô tả ngắn mạng Wi-Fi của cơ quan.", "", "", "", "",
     "${co_wifi} = 'co'"],
    ["end_group", "", "", "", "", "", "", ""],
]
# Three mistakes, on survey rows 3 (unknown type), 5 (missing choices list) and
# 6 (a condition naming an unknown field); Excel numbers the header row 1.
BAD_SURVEY = [list(row) for row in GOOD_SURVEY]
BAD_SURVEY[1][0] = "numbr"
BAD_SURVEY[3][0] = "select_one ds_khong_co"
BAD_SURVEY[4][7] = "${khong_co} = 'co'"
BAD_ROWS = {3, 5, 6}

BAD_CSV = (
    "name,abbreviation,governing_body,place,signer_name,signer_position\n"
    "Sở Du lịch,SDL,UBND TỈNH ĐỒNG NAI,Đồng Nai,Lê Văn Cường,GIÁM ĐỐC\n"
    "Sở Xây dựng,S XD,UBND TỈNH ĐỒNG NAI,Đồng Nai,Phạm Thị Dung,GIÁM ĐỐC\n"
)
GOOD_CSV = BAD_CSV.replace("S XD", "SXD")


def _xlsform(path: Path, survey: list[list[str]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "survey"
    sheet.append(SURVEY_HEADER)
    for row in survey:
        sheet.append(row)
    choices = book.create_sheet("choices")
    for row in (["list_name", "name", "label"], ["co_khong", "co", "Có"],
                ["co_khong", "khong", "Không"]):
        choices.append(row)
    settings = book.create_sheet("settings")
    settings.append(["form_title", "form_id", "version", "baocao::subject"])
    settings.append(["Khảo sát hạ tầng số", "khao_sat_ha_tang", 1,
                     "Kết quả khảo sát hạ tầng số của {agency} {period}"])
    book.save(path)
    return path


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[Server, dict[str, str]]]:
    (tmp_path / "tmp").mkdir()
    with demo_server(tmp_path, BAOCAO_ZALO_OA_LINK=ZALO_OA, TMPDIR=str(tmp_path / "tmp")) \
            as running:
        yield running


def _notice(page: Any) -> str:
    page.wait_for_selector(".notice")
    return str(page.locator(".notice").inner_text())


def _trials(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "tmp").glob("baocao-trial-*"))


def _decode_docx_qr_codes(docx: Path) -> list[str]:
    import zipfile

    import cv2
    import numpy as np

    found = []
    with zipfile.ZipFile(docx) as archive:
        for name in sorted(n for n in archive.namelist() if n.startswith("word/media/")):
            image = cv2.imdecode(np.frombuffer(archive.read(name), np.uint8), cv2.IMREAD_COLOR)
            text, _, _ = cv2.QRCodeDetector().detectAndDecode(image)
            if text:
                found.append(text)
    return found


def _decode_qr_codes(pdf: Path) -> list[str]:
    import cv2

    subprocess.run(["pdfimages", "-png", str(pdf), str(pdf.with_suffix(""))], check=True)
    found = []
    for image in sorted(pdf.parent.glob(pdf.stem + "-*.png")):
        text, _, _ = cv2.QRCodeDetector().detectAndDecode(cv2.imread(str(image)))
        if text:
            found.append(text)
    return found


def test_dic_runs_templates_agencies_invitations_and_officers_from_the_dashboard(
    browser_page: Any, server: tuple[Server, dict[str, str]], tmp_path: Path  # noqa: F811
) -> None:
    running, env = server
    page = browser_page
    with httpx.Client(timeout=60) as http:
        dic = http_sender(http, running.base_url, new_session())
        dic(text=baocao("invite", "SKHCN", "--role", "dic", env=env, cwd=tmp_path).stdout.strip())
        url = LINK.search("\n".join(m["text"] for m in dic(text="quản trị"))).group(0)
    page.goto(url)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(running.base_url + "/admin")

    # -- a questionnaire from Excel: three mistakes listed at once, with where they are
    page.get_by_role("link", name="Mẫu báo cáo").first.click()
    upload = page.locator("#upload-form")
    upload.get_by_label("Tệp mẫu").set_input_files(str(_xlsform(tmp_path / "sai.xlsx",
                                                                 BAD_SURVEY)))
    upload.get_by_role("button", name="Tải lên và xem trước").click()
    page.wait_for_selector("#upload-errors")
    rows = page.locator("#problems tbody tr")
    assert rows.count() == 3, page.locator("#upload-errors").inner_text()
    cells = [[rows.nth(i).locator("td").nth(j).inner_text() for j in range(5)]
             for i in range(3)]
    assert {c[0] for c in cells} == {"survey"}
    assert {int(c[1]) for c in cells} == BAD_ROWS
    assert all(c[2] and c[4] for c in cells), cells
    assert page.locator('#templates tr[data-template="khao_sat_ha_tang"]').count() == 0

    # -- the corrected file: preview, try two answers, publish
    upload = page.locator("#upload-form")
    upload.get_by_label("Tệp mẫu").set_input_files(str(_xlsform(tmp_path / "dung.xlsx",
                                                                 GOOD_SURVEY)))
    upload.get_by_role("button", name="Tải lên và xem trước").click()
    page.wait_for_selector("#publish-form")
    assert "Chưa được xuất bản" in page.locator("#draft-state").inner_text()
    questions = page.locator("#questions").inner_text()
    assert "Câu 1/4 · I. Thông tin chung" in questions
    assert "chỉ hỏi khi" in page.locator('tr[data-question="mo_ta_wifi"]').inner_text()
    assert "câu 1" in page.locator('tr[data-question="so_may_ket_noi"] .rules').inner_text()
    with page.expect_download() as info:
        page.locator("#sample-docx").click()
    sample = Document(info.value.path())
    assert any("Sở Mẫu" in p.text for p in sample.paragraphs)
    if HAS_PDF_TOOLS:
        page.wait_for_function(  # the page-1 picture (through LibreOffice) is shown
            "() => { const i = document.querySelector('#page1 img');"
            " return i.complete && i.naturalWidth > 0; }")

    page.get_by_role("button", name="Bắt đầu thử trả lời").click()
    page.wait_for_selector("#trial-log li.bot")
    assert "Câu 1/4" in page.locator("#trial-log").inner_text()
    for answer, expected in (("40", "Câu 2/4"), ("35", "Câu 3/4")):
        page.get_by_label("Câu trả lời thử").fill(answer)
        page.get_by_label("Câu trả lời thử").press("Enter")
        page.wait_for_function(
            "(t) => document.getElementById('trial-log').innerText.includes(t)", arg=expected)
    assert len(_trials(tmp_path)) == 1  # the throw-away answer set exists while the page does
    page.get_by_role("button", name="Xuất bản").click()
    assert "Đã xuất bản Khảo sát hạ tầng số, phiên bản 1." in _notice(page)
    deadline = time.monotonic() + 15  # the page's pagehide beacon closes the trial
    while _trials(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.1)  # polling the server process's files, not waiting on app time
    assert _trials(tmp_path) == []
    assert "Cán bộ" in page.locator("#versions tbody tr").first.inner_text()

    # -- agencies from CSV: a bad row first (nothing imported, the row named)
    page.get_by_role("link", name="Cơ quan").first.click()
    (tmp_path / "sai.csv").write_text(BAD_CSV, encoding="utf-8")
    (tmp_path / "dung.csv").write_text(GOOD_CSV, encoding="utf-8")
    page.locator("#import-form").get_by_label("Tệp CSV").set_input_files(str(tmp_path / "sai.csv"))
    page.get_by_role("button", name="Nhập danh sách").click()
    errors = page.locator("#import-errors").inner_text()
    assert "Chưa nhập cơ quan nào" in errors and "Dòng 3: " in errors
    assert page.locator('#agencies tr[data-agency="SDL"]').count() == 0
    page.locator("#import-form").get_by_label("Tệp CSV").set_input_files(
        str(tmp_path / "dung.csv"))
    page.get_by_role("button", name="Nhập danh sách").click()
    assert "Đã nhập 2 cơ quan" in _notice(page)

    # -- invitations for both, printed as PDF with two decodable QR codes
    page.get_by_label("Chọn Sở Du lịch (SDL)").check()
    page.get_by_label("Chọn Sở Xây dựng (SXD)").check()
    page.locator("#issue-invites").click()
    codes = {a: page.locator(f'#invitations tr[data-agency="{a}"] .code').inner_text().strip()
             for a in ("SDL", "SXD")}
    assert ZALO_OA in page.locator("#invitations").inner_text()
    if HAS_PDF_TOOLS:
        with page.expect_download() as info:
            page.locator("#print-pdf").click()
        pdf = tmp_path / "phieu-moi.pdf"
        info.value.save_as(str(pdf))
        assert pdf.read_bytes().startswith(b"%PDF")
        links = _decode_qr_codes(pdf)
    else:  # no LibreOffice here: the DOCX carries the same QR pictures
        assert page.locator("#print-pdf").count() == 0
        with page.expect_download() as info:
            page.locator("#print-docx").click()
        links = _decode_docx_qr_codes(Path(info.value.path()))
    assert sorted(links) == sorted(f"{running.base_url}/chat?start={c}" for c in codes.values())

    # -- a round of the new template for the two agencies
    page.get_by_role("link", name="Đợt báo cáo").first.click()
    form = page.locator("#round-form")
    form.get_by_label("Mẫu báo cáo").select_option("khao_sat_ha_tang")
    form.get_by_label("Loại kỳ").select_option("annual")
    form.get_by_label("Năm", exact=True).fill("2026")
    form.get_by_label("Hạn nộp").fill("2026-12-28")
    form.get_by_role("button", name="Bỏ chọn").click()
    form.get_by_label("Sở Du lịch (SDL)").check()
    form.get_by_label("Sở Xây dựng (SXD)").check()
    form.get_by_role("button", name="Mở đợt và thông báo cho các cơ quan").click()
    assert "cho 2 cơ quan" in _notice(page)
    round_url = page.url

    # -- the SXD officer binds over the chat API with their printed code
    with httpx.Client(timeout=60) as http:
        sxd = http_sender(http, running.base_url, new_session())
        bound = "\n".join(m["text"] for m in sxd(text=codes["SXD"]))
        assert "Sở Xây dựng" in bound

        # -- the SDL officer opens the printed link in the web chat, answers, submits
        officer_page = page.context.new_page()
        officer_page.goto(links[0] if codes["SDL"] in links[0] else links[1])
        chat = BrowserChat(officer_page)
        messages = chat.wait_for_replies(0)
        assert any("Sở Du lịch" in m["text"] for m in messages)
        assert current_prompt(messages)["text"].startswith("Câu 1/4")
        template = load_template_description(env, tmp_path, "khao_sat_ha_tang")
        review = Filler(template, chat.send).fill_to_review(messages)
        assert find_button(review, "cmd:submit") is not None
        chat.click("cmd:submit")
        done = chat.click("cmd:confirm")
        assert any("Đã nộp báo cáo" in m["text"] for m in done)

        # -- the DIC revokes the SXD officer: their next message is refused
        page.get_by_role("link", name="Cơ quan").first.click()
        page.locator('#agencies tr[data-agency="SXD"] a').click()
        page.locator("#officers tbody tr").first.get_by_role("button", name="Thu hồi").click()
        assert "Đã thu hồi quyền" in _notice(page)
        refused = "\n".join(m["text"] for m in sxd(text="40"))
        assert refused == texts.REVOKED.format(collector="Sở Khoa học và Công nghệ")

    # -- the roll-up downloads with the submitted report in it
    page.goto(round_url)
    assert "Đã nộp" in page.locator('#status tr[data-agency="SDL"] .state').inner_text()
    with page.expect_download() as info:
        page.locator("#rollup-docx").click()
    rollup = Document(io.BytesIO(Path(info.value.path()).read_bytes()))
    text = "\n".join(p.text for p in rollup.paragraphs)
    assert "Sở Du lịch" in text
