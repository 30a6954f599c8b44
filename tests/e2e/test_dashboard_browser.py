"""The DIC dashboard in headless Chromium against a real ``baocao run`` server: log in
by the bot's single-use link, see the status table, return a submission, download
the roll-up; the link does not work twice; a non-DIC officer gets no link."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import httpx
from docx import Document

from tests.e2e.support import (
    Filler,
    Server,
    baocao,
    http_sender,
    load_template_description,
    new_session,
)
from tests.e2e.test_webchat_browser import browser_page, server  # noqa: F401 — fixtures

LINK = re.compile(r"https?://\S+/admin/login\?token=[\w-]+")


def _texts(messages: list[Any]) -> str:
    return "\n".join(m["text"] for m in messages)


def test_dic_logs_in_by_link_returns_a_submission_and_downloads_the_rollup(
    browser_page: Any, server: tuple[Server, dict[str, str]], tmp_path: Path  # noqa: F811
) -> None:
    running, env = server
    page = browser_page
    template = load_template_description(env, tmp_path, "annual_it")
    with httpx.Client(timeout=60) as http:
        # Sở Công Thương submits its annual report over the chat API.
        officer = http_sender(http, running.base_url, new_session())
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
    # the CLI refuses a link for an agency without DIC officers
    cli = subprocess.run([str(Path(".venv/bin/baocao").resolve()), "admin-link", "SCT"],
                         env=env, cwd=tmp_path, capture_output=True, text=True)
    assert cli.returncode == 1 and "dic" in cli.stderr

    page.goto(url)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(running.base_url + "/admin")
    assert page.get_by_role("heading", name="Các đợt báo cáo").is_visible()
    page.locator("#rounds a").first.click()
    row = page.locator('#status tr[data-agency="SCT"]')
    assert "Đã nộp đúng hạn" in row.locator(".state").inner_text()
    assert row.locator("progress").count() == 1
    assert page.locator("#status tbody tr").count() >= 3

    # Return Sở Công Thương's report with a comment.
    row.get_by_role("link").first.click()
    page.get_by_label("Nội dung cần chỉnh sửa").fill("Đề nghị kiểm tra lại số văn bản điện tử.")
    page.get_by_role("button", name="Trả lại báo cáo").click()
    page.wait_for_selector(".notice")
    assert "Đã trả lại báo cáo" in page.locator(".notice").inner_text()
    assert page.locator("#state").inner_text() == "Trả lại để sửa"
    assert page.locator("#versions li").count() == 1  # version 1 stays downloadable
    assert "Đề nghị kiểm tra lại số văn bản điện tử." in page.locator("#returns").inner_text()

    # Download the roll-up.
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
