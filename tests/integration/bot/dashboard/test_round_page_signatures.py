"""The round's own dashboard page shows each agency's signature status in its table:
"đã ký số: signer, time (ISO 8601, +07:00), issuing CA" for the agency whose latest
submission has a verified signed copy, "chưa ký số" otherwise (a resubmission needs a
new signature). The verification itself is tested in test_signed_reports.py; here
the verified copy is recorded directly, as receive_signed_pdf would."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import httpx

from bot.webapp import create_web_app
from tests.integration.bot.dashboard.support import LINK, _setup, _submit
from tests.integration.bot.dashboard.support import mini_template as mini_template  # fixture


def _row(html: str, agency: str) -> str:
    match = re.search(rf'<tr data-agency="{agency}">(.*?)</tr>', html, re.S)
    assert match, html
    return match.group(1)


def _signature(html: str, agency: str) -> str:
    cell = re.search(r'<td class="signature">(.*?)</td>', _row(html, agency), re.S)
    assert cell, _row(html, agency)
    return cell.group(1).strip()


async def test_round_page_shows_signature_status(uow_factory, engine, mini_template,
                                                 tmp_path: Path) -> None:
    world, boot, dic_code = await _setup(uow_factory, engine, mini_template, tmp_path)
    sct = world.chat("sct-user")
    await sct.send(world.invites["SCT0"])
    await _submit(sct)
    async with uow_factory() as uow:
        assignment = (await uow.assignments.list_open(world.agencies["SCT"].id))[0]
        submission = await uow.submissions.latest(assignment.id)
        await uow.signatures.add(
            round_id=world.round_id, submission_id=submission.id,
            signer="Nguyễn Trí Phương", issuer="CA thử nghiệm cấp 2",
            signed_at=dt.datetime(2026, 12, 7, 12, 30, 5, tzinfo=dt.UTC),
            verified_at=world.clock.now(), officer_id=None, channel="web",
            filename="Bao_cao_SCT_da_ky_so.pdf", pdf=b"%PDF-1.7 signed", checks="ok")
        await uow.commit()

    dic = world.chat("dic-user")
    await dic.send(dic_code)
    await dic.send("quản trị")
    token = LINK.search(dic.text).group(0).split("token=")[1]
    app = create_web_app(boot)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver") as http:
        assert (await http.post("/admin/login", data={"token": token})).status_code == 303
        page = await http.get(f"/admin/rounds/{world.round_id}")
        assert page.status_code == 200
        assert "<th>Chữ ký số</th>" in page.text
        assert _signature(page.text, "SCT") == (
            "đã ký số: Nguyễn Trí Phương, 2026-12-07T19:30:05+07:00, CA thử nghiệm cấp 2")
        assert _signature(page.text, "STC") == "chưa ký số"  # not even submitted
        assert f'href="/admin/rounds/{world.round_id}/signatures"' in page.text
        assert f'href="/admin/rounds/{world.round_id}/signed.zip"' in page.text

        # returned and resubmitted: the new version is not signed yet, the page says so
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
        done = await http.post(f"/admin/assignments/{assignment.id}/return",
                               data={"comment": "Sửa số liệu", "csrf": csrf})
        assert done.status_code == 303
        await sct.send("tiếp tục")
        await sct.send("nộp")
        await sct.tap_label("Xác nhận nộp")
        assert "Đã nộp báo cáo (bản 2)" in sct.text
        page = await http.get(f"/admin/rounds/{world.round_id}")
        assert _signature(page.text, "SCT") == "chưa ký số"
