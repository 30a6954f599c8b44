"""Zalo Bot Platform (text only, no document method): a submitted report's DOCX link is
followed by the signed "Tải PDF để ký số" link, and the officer is told where to send the
signed PDF back; the "tải pdf" command explains itself before submitting. Sent through
the real channel to tests/fakes/zalo_bot_api.py, wired by build_app."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from bot.downloads import LinkCheck, check_link
from dialogs.messages import DocumentRef, Outbound
from tests.integration.bot.zalo.test_bot import CHAT, say
from tests.support.zalo import BotWorld


async def test_the_pdf_to_sign_link_follows_the_docx_link(bot_world: BotWorld) -> None:
    ref = DocumentRef(7, "Báo cáo SCT năm 2026.docx")
    await bot_world.channel.deliver(CHAT, [Outbound("Đã nộp báo cáo.", document=ref)])
    sent = bot_world.fake.texts_to(CHAT)[-1]
    assert len(sent) <= 2000
    docx = re.search(r"Tải báo cáo \(DOCX\): (\S+)", sent)
    pdf = re.search(r"Tải PDF để ký số: (\S+)", sent)
    assert docx is not None and pdf is not None
    assert docx.start() < pdf.start()  # after the DOCX link
    url = urlsplit(pdf.group(1))
    assert url.netloc == "bot.test" and url.path == "/pdf-ky-so/7"
    query = parse_qs(url.query)
    assert check_link("test-secret", 7, query["sig"][0], query["exp"][0]) is LinkCheck.VALID
    assert "gửi tệp PDF đã ký qua trò chuyện trên trang web, Telegram hoặc Zalo OA" in sent


async def test_a_message_without_a_document_has_no_pdf_link(bot_world: BotWorld) -> None:
    await bot_world.channel.deliver(CHAT, [Outbound("Câu 1: Tên cơ quan?")])
    assert "Tải PDF để ký số" not in bot_world.fake.texts_to(CHAT)[-1]


async def test_tai_pdf_before_submitting_is_explained(bot_world: BotWorld) -> None:
    await say(bot_world, f"/start {bot_world.invites['SCT']}")
    replies = " ".join(await say(bot_world, "tải pdf"))
    assert "chưa được nộp nên chưa có bản PDF để ký số" in replies
    assert "Tải PDF để ký số:" not in replies
