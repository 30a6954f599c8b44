"""An assignment on the DIC dashboard over HTTP with the real engine and storage: login
by the bot's link, the status table, returning a submission (the officer resubmits as
version 2), the versions and the roll-up downloads, CSRF and role checks."""

from __future__ import annotations

import io
import re
from pathlib import Path

import httpx
import openpyxl
from docx import Document

from bot.webapp import create_web_app
from tests.integration.bot.dashboard.support import LINK, _csrf, _setup, _submit


async def test_dashboard_login_return_resubmit_and_rollup(uow_factory, engine, mini_template,
                                                          tmp_path: Path) -> None:
    world, boot, dic_code = await _setup(uow_factory, engine, mini_template, tmp_path)
    sct = world.chat("sct-user")
    await sct.send(world.invites["SCT0"])
    await _submit(sct)
    assert "Đã nộp báo cáo (bản 1)" in sct.text

    # a non-DIC officer gets no link
    await sct.send("quản trị")
    assert "chỉ dành cho cán bộ" in sct.text and not LINK.search(sct.text)
    # the DIC officer gets one
    dic = world.chat("dic-user")
    await dic.send(dic_code)
    await dic.send("quản trị")
    url = LINK.search(dic.text).group(0)
    token = url.split("token=")[1]

    app = create_web_app(boot)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver") as http:
        assert (await http.get("/admin")).status_code == 401
        page = await http.get(url.replace("http://testserver", ""))
        assert page.status_code == 200 and 'name="token"' in page.text
        login = await http.post("/admin/login", data={"token": token})
        assert login.status_code == 303 and login.headers["location"] == "/admin"
        cookie = login.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
        again = await http.post("/admin/login", data={"token": token})
        assert again.status_code == 403 and "đã được sử dụng" in again.text

        index = await http.get("/admin")
        assert index.status_code == 200 and "Báo cáo thử nghiệm" in index.text
        status = await http.get(f"/admin/rounds/{world.round_id}")
        assert "Sở Công Thương" in status.text and "Đã nộp đúng hạn" in status.text
        assert "<progress" in status.text and "Sở Tài chính" in status.text
        csrf = _csrf(status.text)

        async with uow_factory() as uow:
            sct_agency = world.agencies["SCT"]
            assignment = (await uow.assignments.list_open(sct_agency.id))[0]
        target = f"/admin/assignments/{assignment.id}"
        forged = await http.post(f"{target}/return", data={"comment": "x"})
        assert forged.status_code == 403
        done = await http.post(f"{target}/return",
                               data={"comment": "Số văn bản điện tử chưa đúng <b>", "csrf": csrf})
        assert done.status_code == 303
        detail = await http.get(target)
        assert "Trả lại để sửa" in detail.text
        assert "Số văn bản điện tử chưa đúng &lt;b&gt;" in detail.text  # escaped

        # the officer is told in chat (web chat pulls queued notices)
        async with uow_factory() as uow:
            notices = await uow.outbox.take("web", "sct-user", now=world.clock.now())
        assert any("Số văn bản điện tử chưa đúng" in m.text for n in notices for m in n.messages)
        await sct.send("tiếp tục")
        assert "trả lại để chỉnh sửa" in sct.text and "XEM LẠI BÁO CÁO" in sct.text
        await sct.send("sửa 11")
        await sct.send("25.000")
        await sct.send("nộp")
        await sct.tap_label("Xác nhận nộp")
        assert "Đã nộp báo cáo (bản 2)" in sct.text

        detail = await http.get(target)
        versions = re.findall(r'href="(/admin/submissions/\d+/docx)">Bản (\d)', detail.text)
        assert [v for _, v in versions] == ["1", "2"]
        first = await http.get(versions[0][0])
        assert first.status_code == 200 and first.content.startswith(b"PK")

        docx = await http.get(f"/admin/rounds/{world.round_id}/rollup.docx")
        assert docx.status_code == 200
        texts = [p.text for p in Document(io.BytesIO(docx.content)).paragraphs]
        assert "- Nộp đúng hạn (1): Sở Công Thương." in texts
        assert "- Chưa nộp báo cáo (1): Sở Tài chính." in texts
        xlsx = await http.get(f"/admin/rounds/{world.round_id}/rollup.xlsx")
        book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
        assert "Tình hình nộp" in book.sheetnames
