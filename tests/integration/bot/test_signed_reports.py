"""Signed reports end to end over HTTP with the real engine and storage: the officer
downloads the PDF to sign, signs it (test PKI, PAdES), uploads it in the web chat; the
DIC sees "đã ký số" with signer, time and CA, and downloads the zip. Every refusal is
told in Vietnamese and changes nothing."""

from __future__ import annotations

import asyncio
import io
import re
import zipfile
from pathlib import Path

import httpx
from docx import Document

from bot.settings import Settings
from bot.signed_reports import pdf_to_sign_path
from bot.webapp import create_web_app
from renderers.pdf_sign_fields import AGENCY_FIELD, SIGNER_FIELD
from tests.integration.bot.dashboard.support import LINK, _setup, _submit
from tests.integration.bot.dashboard.support import mini_template as mini_template  # fixture
from tests.support import signed_pdfs as sp
from tests.support.pki import make_pki, sign_pdf

pytestmark = sp.SKIP_NO_SOFFICE
SCT = "sct-officer-session-0001"
STC = "stc-officer-session-0001"


async def _sign(pdf: bytes, who: str = "signer") -> bytes:
    """pyHanko's synchronous signer runs its own event loop: in a thread here."""
    pki = make_pki()
    chain = (pki.untrusted_root,) if who == "untrusted_signer" else (pki.intermediate,)
    return await asyncio.to_thread(sign_pdf, pdf, getattr(pki, who), chain=chain,
                                   field=SIGNER_FIELD)


async def test_signed_report_in_web_chat_and_on_dashboard(uow_factory, engine, mini_template,
                                                         tmp_path: Path) -> None:
    world, boot, dic_code = await _setup(uow_factory, engine, mini_template, tmp_path)
    boot.settings = Settings(**{**boot.settings.model_dump(),
                                "trust_roots": make_pki().write_trust_roots(tmp_path / "roots")})
    sct = world.chat(SCT)
    await sct.send(world.invites["SCT0"])
    await _submit(sct)
    stc = world.chat(STC)
    await stc.send(world.invites["STC0"])
    async with uow_factory() as uow:
        assignment = (await uow.assignments.list_open(world.agencies["SCT"].id))[0]
        submission = await uow.submissions.latest(assignment.id)
    link = pdf_to_sign_path(boot.settings.secret_key, submission.id,
                            days=boot.settings.download_link_days,
                            now=boot.clock.now().timestamp())  # as in the chat's link

    app = create_web_app(boot)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver") as http:
        forged = await http.get(f"/pdf-ky-so/{submission.id}?sig=00")
        assert forged.status_code == 403
        got = await http.get(link)
        assert got.status_code == 200 and got.headers["content-type"] == "application/pdf"
        to_sign = got.content
        assert SIGNER_FIELD.encode() in to_sign and AGENCY_FIELD.encode() in to_sign
        assert b"<pdfaid:part>2</pdfaid:part>" in to_sign  # PDF/A-2b

        async def upload(data: bytes, session: str = SCT) -> httpx.Response:
            return await http.post(f"/api/chat/signed-pdf?session={session}", content=data,
                                   headers={"content-type": "application/pdf"})

        async def told(data: bytes, session: str = SCT) -> str:
            reply = await upload(data, session)
            assert reply.status_code == 200
            return reply.json()["messages"][0]["text"]

        good = await _sign(to_sign)
        # refusals first: each with its reason, nothing recorded
        assert "Chứng thư số hết hạn hoặc bị thu hồi." in await told(
            await _sign(to_sign, "expired_signer"))
        assert "Chứng thư số không do tổ chức tin cậy cấp." in await told(
            await _sign(to_sign, "untrusted_signer"))
        assert "Tài liệu bị sửa sau khi ký." in await told(sp.add_page(good))
        assert "Tài liệu bị sửa sau khi ký." in await told(sp.change_text(good))
        assert "Không phải tệp PDF." in await told(b"PK\x03\x04 not a pdf")
        assert "Không phải bản báo cáo đã nộp." in await told(good, STC)  # another agency
        assert "Không phải bản báo cáo đã nộp." in await told(
            await _sign(sp.prepared(submission.id, {"khác": 1}, pdf=sp.sample_pdf())))
        huge = await upload(b"%PDF-1.7\n" + b"0" * (20 * 1024 * 1024))
        assert huge.status_code == 413 and "Tệp quá lớn" in huge.json()["error"]

        # the DIC logs in: nothing signed yet
        dic = world.chat("dic-officer-session-01")
        await dic.send(dic_code)
        await dic.send("quản trị")
        token = LINK.search(dic.text).group(0).split("token=")[1]
        assert (await http.post("/admin/login", data={"token": token})).status_code == 303
        round_page = await http.get(f"/admin/rounds/{world.round_id}")
        assert f'href="/admin/rounds/{world.round_id}/signatures"' in round_page.text
        page = await http.get(f"/admin/rounds/{world.round_id}/signatures")
        assert page.status_code == 200 and '"signed-count">0/' in page.text
        assert link in page.text.replace("&amp;", "&")

        accepted = await told(good)
        assert "Trạng thái: đã ký số" in accepted
        assert "Người ký: Nguyễn Trí Phương" in accepted
        assert "Tổ chức cấp chứng thư: CA thử nghiệm cấp 2" in accepted
        assert re.search(r"Thời điểm ký: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00", accepted)

        page = await http.get(f"/admin/rounds/{world.round_id}/signatures")
        assert '"signed-count">1/' in page.text
        row = re.search(r'<tr data-agency="SCT">(.*?)</tr>', page.text, re.S).group(1)
        assert "đã ký số" in row and "Nguyễn Trí Phương" in row and "CA thử nghiệm cấp 2" in row
        other = re.search(r'<tr data-agency="STC">(.*?)</tr>', page.text, re.S).group(1)
        assert "chưa nộp" in other
        round_page = await http.get(f"/admin/rounds/{world.round_id}")
        cell = re.search(r'<tr data-agency="SCT">.*?<td class="signature">(.*?)</td>',
                         round_page.text, re.S).group(1)
        assert re.fullmatch(r"đã ký số: Nguyễn Trí Phương, \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d"
                            r"\+07:00, CA thử nghiệm cấp 2", cell.strip())
        archive = await http.get(f"/admin/rounds/{world.round_id}/signed.zip")
        names = zipfile.ZipFile(io.BytesIO(archive.content)).namelist()
        assert len(names) == 1 and names[0].endswith("_da_ky_so.pdf")
        assert zipfile.ZipFile(io.BytesIO(archive.content)).read(names[0]) == good

        # the roll-up lists the signed agency; the DIC's leader signs the roll-up PDF
        rollup_docx = await http.get(f"/admin/rounds/{world.round_id}/rollup.docx")
        text = "\n".join(p.text for p in Document(io.BytesIO(rollup_docx.content)).paragraphs)
        assert "Báo cáo đã ký số (1/1): Sở Công Thương." in text
        rollup_pdf = await http.get(f"/admin/rounds/{world.round_id}/rollup-ky-so.pdf")
        assert rollup_pdf.status_code == 200 and SIGNER_FIELD.encode() in rollup_pdf.content
        signed_rollup = await _sign(rollup_pdf.content)
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)

        async def upload_rollup(data: bytes, token: str = csrf) -> str:
            done = await http.post(f"/admin/rounds/{world.round_id}/rollup-signed",
                                   data={"csrf": token},
                                   files={"file": ("tong_hop_da_ky.pdf", data, "application/pdf")})
            if done.status_code != 303:
                return done.text
            shown = await http.get(done.headers["location"])
            return re.search(r'id="notice">(.*?)</p>', shown.text, re.S).group(1)

        assert "Biểu mẫu đã hết hạn" in await upload_rollup(signed_rollup, "forged")
        assert "Tài liệu bị sửa sau khi ký." in await upload_rollup(sp.add_page(signed_rollup))
        assert "Không phải bản báo cáo đã nộp." in await upload_rollup(good)  # not the roll-up
        assert "Đã nhận bản tổng hợp đã ký số" in await upload_rollup(signed_rollup)
        page = await http.get(f"/admin/rounds/{world.round_id}/signatures")
        assert "Đã ký số: Nguyễn Trí Phương" in page.text
        archive = await http.get(f"/admin/rounds/{world.round_id}/signed.zip")
        assert len(zipfile.ZipFile(io.BytesIO(archive.content)).namelist()) == 2

    # anonymous visitors see neither the page nor the zip
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver") as anon:
        assert (await anon.get(f"/admin/rounds/{world.round_id}/signed.zip")).status_code == 401
