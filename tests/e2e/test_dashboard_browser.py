"""The DIC dashboard in headless Chromium against a real ``baocao run`` server: log in
by the bot's single-use link, see the status table, download the roll-up (DOCX and
XLSX), return a submission, nudge an agency, move the deadline, open a new round
for some agencies; the link does not work twice; a non-DIC officer gets no link."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest
from docx import Document

from tests.e2e.support import (
    Filler,
    Server,
    baocao,
    demo_server,
    http_sender,
    load_template_description,
    new_session,
)
from tests.e2e.test_webchat_browser import browser_page  # noqa: F401 — fixture

pytestmark = pytest.mark.browser

LINK = re.compile(r"https?://\S+/admin/login\?token=[\w-]+")
# Reminders may go out at any hour of any day, so a nudge is sent at once whenever
# the test runs (the default working hours would hold it until the next morning).
ALWAYS_OPEN = {
    "BAOCAO_REMINDER_TIME": "00:00", "BAOCAO_REMINDER_UNTIL": "23:59",
    "BAOCAO_WORKING_DAYS": "mon,tue,wed,thu,fri,sat,sun", "BAOCAO_HOLIDAYS": "",
}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[Server, dict[str, str]]]:
    with demo_server(tmp_path, **ALWAYS_OPEN) as running:
        yield running


def _texts(messages: list[Any]) -> str:
    return "\n".join(m["text"] for m in messages)


def _inbox(base_url: str, session: str) -> list[str]:
    """What the web chat page of ``session`` would show on its next poll."""
    reply = httpx.post(f"{base_url}/api/chat/inbox", json={"session": session}, timeout=30)
    reply.raise_for_status()
    return [m["text"] for m in reply.json()["messages"]]


def _notice(page: Any) -> str:
    page.wait_for_selector(".notice")
    return str(page.locator(".notice").inner_text())


def _agencies_listed(page: Any) -> set[str]:
    rows = page.locator("#status tbody tr")
    return {rows.nth(i).get_attribute("data-agency") for i in range(rows.count())}


def test_dic_logs_in_by_link_and_runs_the_round_from_the_dashboard(
    browser_page: Any, server: tuple[Server, dict[str, str]], tmp_path: Path  # noqa: F811
) -> None:
    running, env = server
    page = browser_page
    template = load_template_description(env, tmp_path, "annual_it")
    sct_session = new_session()
    with httpx.Client(timeout=60) as http:
        # Sở Công Thương submits its annual report over the chat API.
        officer = http_sender(http, running.base_url, sct_session)
        first = officer(text=baocao("invite", "SCT", env=env, cwd=tmp_path).stdout.strip())
        Filler(template, officer).fill_to_review(first)
        officer(callback="cmd:submit")
        assert "Đã nộp báo cáo (bản 1)" in _texts(officer(callback="cmd:confirm"))
        # An ordinary officer asking for the dashboard gets no link.
        refused = _texts(officer(text="quản trị"))
        assert "chỉ dành cho cán bộ" in refused and not LINK.search(refused)
        # The DIC officer does.
        dic = http_sender(http, running.base_url, new_session())
        dic(text=baocao("invite", "SKHCN", "--role", "dic", env=env, cwd=tmp_path).stdout.strip())
        url = LINK.search(_texts(dic(text="quản trị"))).group(0)
    _inbox(running.base_url, sct_session)  # the page has shown what was queued so far
    # the CLI refuses a link for an agency without DIC officers
    cli = subprocess.run([str(Path(".venv/bin/baocao").resolve()), "admin-link", "SCT"],
                         env=env, cwd=tmp_path, capture_output=True, text=True)
    assert cli.returncode == 1 and "dic" in cli.stderr

    page.goto(url)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(running.base_url + "/admin")
    assert page.get_by_role("heading", name="Các đợt báo cáo").is_visible()
    page.locator("#rounds a").first.click()
    round_url = page.url
    row = page.locator('#status tr[data-agency="SCT"]')
    assert "Đã nộp đúng hạn" in row.locator(".state").inner_text()
    assert row.locator("progress").count() == 1
    assert page.locator("#status tbody tr").count() >= 3

    # The roll-up workbook counts Sở Công Thương's report.
    with page.expect_download() as info:
        page.locator("#rollup-xlsx").click()
    assert info.value.suggested_filename.endswith(".xlsx")
    workbook = tmp_path / "tong-hop.xlsx"
    info.value.save_as(str(workbook))
    book = openpyxl.load_workbook(workbook)
    status = [r for r in book["Tình hình nộp"].iter_rows(min_row=2, values_only=True) if r[0]]
    assert ("SCT", "Đúng hạn") in {(r[2], r[3]) for r in status}
    assert len(status) == page.locator("#status tbody tr").count()
    answered = [r for ws in book.worksheets for r in ws.iter_rows(values_only=True)
                if r[1] == "Số cơ quan, đơn vị trả lời"]
    assert answered and all(r[2] == 1 for r in answered), answered

    # Return Sở Công Thương's report with a comment.
    row.get_by_role("link").first.click()
    page.get_by_label("Nội dung cần chỉnh sửa").fill("Đề nghị kiểm tra lại số văn bản điện tử.")
    page.get_by_role("button", name="Trả lại báo cáo").click()
    assert "Đã trả lại báo cáo" in _notice(page)
    assert page.locator("#state").inner_text() == "Trả lại để sửa"
    assert page.locator("#versions li").count() == 1  # version 1 stays downloadable
    assert "Đề nghị kiểm tra lại số văn bản điện tử." in page.locator("#returns").inner_text()

    # Download the roll-up document.
    page.get_by_role("link", name=re.compile("Đợt #")).click()
    assert "Trả lại để sửa" in page.locator('#status tr[data-agency="SCT"] .state').inner_text()
    with page.expect_download() as info:
        page.locator("#rollup-docx").click()
    target = tmp_path / "tong-hop.docx"
    info.value.save_as(str(target))
    assert info.value.suggested_filename.endswith(".docx")
    texts = [p.text for p in Document(str(target)).paragraphs]
    assert "I. TÌNH HÌNH NỘP BÁO CÁO" in texts
    returned = "- Trả lại để chỉnh sửa, chưa nộp lại (1): Sở Công Thương"
    assert any(t.startswith(returned) for t in texts)

    # Nudge Sở Công Thương: the reminder reaches the officer's web chat.
    assert any("trả lại báo cáo" in t for t in _inbox(running.base_url, sct_session))
    page.locator('#status tr[data-agency="SCT"]').get_by_role("button", name="Nhắc").click()
    assert "Đã gửi lời nhắc tới 1 cơ quan." in _notice(page)
    nudges = [t for t in _inbox(running.base_url, sct_session) if t.startswith("📣")]
    assert len(nudges) == 1
    assert "đề nghị Sở Công Thương hoàn thành báo cáo" in nudges[0]
    assert "Hạn nộp: 18/12/2026" in nudges[0]

    # Move the deadline: the page, the list of rounds and the round's audit log show it.
    page.locator('form[action$="/deadline"] input[name="deadline"]').fill("2026-12-30")
    page.get_by_role("button", name="Lưu hạn mới").click()
    assert "Đã đổi hạn nộp sang 30/12/2026" in _notice(page)
    assert "hạn nộp 30/12/2026" in page.locator("main").inner_text()
    log = page.locator("#log tbody tr").last.inner_text()
    assert "Đổi hạn nộp" in log and "18/12/2026 → 30/12/2026" in log
    page.get_by_role("link", name="← Các đợt báo cáo").click()
    assert "30/12/2026" in page.locator("#rounds tbody tr").first.inner_text()

    # Open a new round for two agencies; a mistake first keeps what was entered.
    form = page.locator("#round-form")
    form.get_by_label("Mẫu báo cáo").select_option("periodic_it")
    form.get_by_label("Loại kỳ").select_option("q4")
    form.get_by_label("Năm", exact=True).fill("2026")
    form.get_by_label("Hạn nộp").fill("2026-12-10")
    form.get_by_role("button", name="Bỏ chọn").click()
    assert form.locator('input[name="agency"]:checked').count() == 0
    form.get_by_role("button", name="Chọn tất cả").click()
    everyone = form.locator('input[name="agency"]').count()
    assert form.locator('input[name="agency"]:checked').count() == everyone >= 8
    form.get_by_role("button", name="Bỏ chọn").click()
    form.get_by_label("Sở Công Thương (SCT)").check()
    form.get_by_label("Sở Tư pháp (STP)").check()
    form.get_by_label("Nhắc trước hạn").fill("5,2")
    form.get_by_role("button", name="Mở đợt và thông báo cho các cơ quan").click()
    page.wait_for_selector("#round-errors")
    form = page.locator("#round-form")
    assert "Hạn nộp 10/12/2026 trước ngày cuối kỳ 14/12/2026." in form.inner_text()
    assert form.get_by_label("Hạn nộp").input_value() == "2026-12-10"
    assert form.get_by_label("Loại kỳ").input_value() == "q4"
    assert form.get_by_label("Nhắc trước hạn").input_value() == "5,2"
    checked = form.locator('input[name="agency"]:checked')
    assert sorted(checked.nth(i).input_value() for i in range(checked.count())) == ["SCT", "STP"]
    form.get_by_label("Hạn nộp").fill("2026-12-21")
    form.get_by_role("button", name="Mở đợt và thông báo cho các cơ quan").click()
    assert "Đã mở đợt báo cáo quý IV năm 2026 cho 2 cơ quan" in _notice(page)
    assert page.url != round_url
    assert _agencies_listed(page) == {"SCT", "STP"}
    assert "hạn nộp 21/12/2026" in page.locator("main").inner_text()
    assert "Nhắc trước hạn 5, 2 ngày" in page.locator("#policy").inner_text()
    notices = _inbox(running.base_url, sct_session)
    assert any("Đợt báo cáo mới" in t and "quý IV năm 2026" in t for t in notices), notices

    # The same link a second time is refused (in a fresh browser context: no session).
    other = page.context.browser.new_context()
    try:
        second = other.new_page()
        second.goto(url)
        second.get_by_role("button", name="Đăng nhập").click()
        assert "đã được sử dụng" in second.locator(".message").inner_text()
        assert second.url.endswith("/admin/login")
    finally:
        other.close()
