"""Signed reports in the web chat, in a real headless Chromium against ``baocao run``:
the officer submits, downloads "Tải PDF để ký số", signs it (test PKI, as a USB-token
tool would) and sends it back with "Gửi bản đã ký số"; refusals are shown in the chat."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from renderers.pdf_sign_fields import SIGNER_FIELD
from tests.e2e.support import Filler, baocao, demo_server, http_sender, load_template_description
from tests.e2e.test_webchat_browser import BrowserChat
from tests.e2e.test_webchat_browser import browser_page as browser_page  # fixture
from tests.support import signed_pdfs as sp
from tests.support.pki import make_pki, sign_pdf

pytestmark = [pytest.mark.browser, sp.SKIP_NO_SOFFICE]


def _upload(page: Any, chat: BrowserChat, name: str, data: bytes) -> str:
    before = chat.bot_count()
    page.locator("#signed-file").set_input_files(
        {"name": name, "mimeType": "application/pdf", "buffer": data})
    return "\n".join(m["text"] for m in chat.wait_for_replies(before))


def test_signed_pdf_round_trip_in_the_web_chat(browser_page: Any, tmp_path: Path) -> None:
    pki = make_pki()
    roots = pki.write_trust_roots(tmp_path / "roots")
    with demo_server(tmp_path, BAOCAO_TRUST_ROOTS=str(roots)) as (running, env):
        page = browser_page
        code = baocao("invite", "SCT", env=env, cwd=tmp_path).stdout.strip()
        template = load_template_description(env, tmp_path, "annual_it")
        chat = BrowserChat(page)
        page.goto(running.base_url + "/chat")
        chat.wait_for_replies(0)
        chat.type(code)
        session = page.evaluate("localStorage.getItem('baocao.session')")
        with httpx.Client(timeout=60) as http:
            send = http_sender(http, running.base_url, session)
            Filler(template, send).fill_to_review(send(callback="cmd:continue"))
        chat.type("nộp")
        done = chat.click("cmd:confirm")
        assert any("Đã nộp báo cáo" in m["text"] for m in done)

        link = page.get_by_role("link", name="Tải PDF để ký số")
        with page.expect_download(timeout=180_000) as info:
            link.click()
        target = tmp_path / "de_ky.pdf"
        info.value.save_as(str(target))
        assert info.value.suggested_filename.endswith("_de_ky_so.pdf")
        to_sign = target.read_bytes()
        good = sign_pdf(to_sign, pki.signer, chain=(pki.intermediate,), field=SIGNER_FIELD)

        assert "Tài liệu bị sửa sau khi ký." in _upload(page, chat, "sua.pdf",
                                                        sp.add_page(good))
        stranger = sign_pdf(to_sign, pki.untrusted_signer, chain=(pki.untrusted_root,),
                            field=SIGNER_FIELD)
        assert "Chứng thư số không do tổ chức tin cậy cấp." in _upload(
            page, chat, "la.pdf", stranger)
        assert "Không phải tệp PDF." in _upload(page, chat, "bao_cao.pdf", b"PK\x03\x04")
        huge = b"%PDF-1.7\n" + b"0" * (20 * 1024 * 1024)
        assert "Tệp quá lớn" in _upload(page, chat, "lon.pdf", huge)

        accepted = _upload(page, chat, "bao_cao_da_ky.pdf", good)
        assert "Trạng thái: đã ký số" in accepted
        assert "Người ký: Nguyễn Trí Phương" in accepted
        assert page.locator("#messages > li.msg.user .bubble").last.text_content() == (
            "Gửi tệp: bao_cao_da_ky.pdf")
