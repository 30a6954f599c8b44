"""The web chat in a real headless Chromium, against a real ``baocao run`` server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from docx import Document

from tests.e2e.support import (
    Filler,
    Message,
    Server,
    baocao,
    current_prompt,
    demo_server,
    find_button,
    http_sender,
    load_template_description,
)

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WAIT_MS = 60_000

# Read every bot message added after index ``start`` as the JSON API shapes it.
SCRAPE_JS = """(start) => {
  const items = Array.from(document.querySelectorAll('#messages > li.msg.bot')).slice(start);
  return items.map((li) => ({
    text: li.querySelector('.bubble').textContent,
    buttons: Array.from(li.querySelectorAll('.buttons .row')).map((row) =>
      Array.from(row.querySelectorAll('button')).map((b) => ({
        label: b.textContent, data: b.getAttribute('data-callback')}))),
    document: li.querySelector('.document a')
      ? {url: li.querySelector('.document a').getAttribute('href')} : null,
  }));
}"""


@pytest.fixture
def browser_page(tmp_path: Path) -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed (make browser installs it)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the playwright package is not installed")
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        except Exception as exc:
            pytest.skip(f"headless Chromium could not be launched: {exc}")
        context = browser.new_context(accept_downloads=True, locale="vi-VN")
        page = context.new_page()
        page.set_default_timeout(WAIT_MS)
        try:
            yield page
        finally:
            context.close()
            browser.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[Server, dict[str, str]]]:
    with demo_server(tmp_path) as running:
        yield running


class BrowserChat:
    """Types and clicks in the page; returns the bot messages each action produced."""

    def __init__(self, page: Any) -> None:
        self.page = page

    def bot_count(self) -> int:
        return int(self.page.locator("#messages > li.msg.bot").count())

    def wait_for_replies(self, before: int) -> list[Message]:
        self.page.wait_for_function(
            "(before) => document.querySelectorAll('#messages > li.msg.bot').length > before"
            " && !document.getElementById('send').disabled",
            arg=before,
        )
        return list(self.page.evaluate(SCRAPE_JS, before))

    def type(self, text: str) -> list[Message]:
        before = self.bot_count()
        box = self.page.get_by_label("Nhập câu trả lời")
        box.fill(text)
        box.press("Enter")
        return self.wait_for_replies(before)

    def click(self, data: str) -> list[Message]:
        before = self.bot_count()
        self.page.locator(f'#messages button[data-callback="{data}"]:not([disabled])').click()
        return self.wait_for_replies(before)

    def send(self, *, text: str | None = None, callback: str | None = None) -> list[Message]:
        return self.click(callback) if callback is not None else self.type(text or "")


def test_officer_answers_reloads_submits_and_downloads_the_docx(
    browser_page: Any, server: tuple[Server, dict[str, str]], tmp_path: Path
) -> None:
    running, env = server
    page = browser_page
    code = baocao("invite", "SCT", env=env, cwd=tmp_path).stdout.strip()
    template = load_template_description(env, tmp_path, "annual_it")
    chat = BrowserChat(page)

    # A first visit: the bot greets and asks for an invite code.
    page.goto(running.base_url + "/")
    assert page.url.endswith("/chat")
    greeting = chat.wait_for_replies(0)
    assert greeting[-1]["text"].startswith("Xin chào")
    assert "mã mời" in greeting[-1]["text"]
    session = page.evaluate("localStorage.getItem('baocao.session')")
    assert isinstance(session, str) and len(session) == 32

    # Bind with the invite code.
    messages = chat.type(code)
    assert any("Sở Công Thương" in m["text"] for m in messages)
    first = current_prompt(messages)
    assert first is not None and first["text"].startswith("Câu 1/")

    # The answer is shown as typed (no markup), with its line breaks kept.
    summary = "Dòng một <b>không đậm</b>\nDòng hai"
    page.get_by_label("Nhập câu trả lời").fill(summary)
    before = chat.bot_count()
    page.get_by_label("Nhập câu trả lời").press("Enter")
    messages = chat.wait_for_replies(before)
    mine = page.locator("#messages > li.msg.user .bubble").last
    assert mine.text_content() == summary
    assert page.locator("#messages b").count() == 0
    assert mine.evaluate("(el) => getComputedStyle(el).whiteSpace") == "pre-wrap"

    # A few more answers in the page, by clicking buttons and typing.
    filler = Filler(template, chat.send)
    messages = filler.answer(messages, 8)
    where = current_prompt(messages)
    assert where is not None

    # Reload: the same question is shown again.
    before_reload = where["text"]
    page.reload()
    resumed = chat.wait_for_replies(0)
    assert current_prompt(resumed) is not None
    assert current_prompt(resumed)["text"] == before_reload
    assert page.evaluate("localStorage.getItem('baocao.session')") == session

    # A new tab of the same browser profile continues too.
    second_tab = page.context.new_page()
    second_tab.goto(running.base_url + "/chat")
    other = BrowserChat(second_tab)
    assert current_prompt(other.wait_for_replies(0))["text"] == before_reload
    second_tab.close()

    # Fill the rest over the same session's JSON API (quick), then review in the page.
    with httpx.Client(timeout=60) as http:
        send = http_sender(http, running.base_url, session)
        rest = Filler(template, send)
        rest.fill_to_review(send(callback="cmd:continue"))

    review = chat.type("xem lại")
    assert review[0]["text"].startswith("XEM LẠI BÁO CÁO")
    submit = find_button(review, "cmd:submit")
    assert submit is not None and submit["label"] == "Nộp báo cáo"
    confirm = chat.click("cmd:submit")
    assert find_button(confirm, "cmd:confirm") is not None
    done = chat.click("cmd:confirm")
    assert any("Đã nộp báo cáo" in m["text"] for m in done)
    # every button of the page is disabled: nothing can be tapped after the submission
    assert page.locator("#messages button").count() > 0
    assert page.locator("#messages button:not([disabled])").count() == 0

    link = page.get_by_role("link", name="Tải báo cáo (DOCX)")
    assert link.count() == 1
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".docx")
    target = tmp_path / "downloaded.docx"
    download.save_as(str(target))

    document = Document(str(target))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "BÁO CÁO" in text
    assert "Sở Công Thương".upper() in text.upper()

    # The link does not work without its signature.
    href = link.get_attribute("href")
    assert href is not None and "&sig=" in href and "?exp=" in href
    forged = httpx.get(running.base_url + href.split("&sig=")[0] + "&sig=" + "0" * 64)
    assert forged.status_code == 403
