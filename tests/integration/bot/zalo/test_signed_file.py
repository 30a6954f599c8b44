"""A signed report sent to the Zalo OA as a file (``user_send_file``): the bot
downloads it from the URL in the event, verifies it and answers in the chat."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from bot.bootstrap import build_app
from bot.channels import zalo_oa
from bot.clock import FixedClock
from bot.demo import fresh_invites, seed_demo
from bot.signed_reports import pdf_to_sign
from bot.webapp import create_web_app
from dialogs.messages import DocumentRef, Outbound
from renderers.pdf_sign_fields import SIGNER_FIELD
from tests.fakes.zalo_oa_api import FakeZaloOA
from tests.support import signed_pdfs as sp
from tests.support.pki import make_pki, sign_pdf
from tests.support.zalo import START, USER, OAUser, oa_env, settings_with, wait_until

pytestmark = sp.SKIP_NO_SOFFICE


async def test_signed_pdf_as_zalo_oa_file(database_url: str, tmp_path: Path,
                                          fake_oa: tuple[FakeZaloOA, str]) -> None:
    fake, url = fake_oa
    pki = make_pki()
    env = {**oa_env(fake, url), "TRUST_ROOTS": str(pki.write_trust_roots(tmp_path / "roots"))}
    clock = FixedClock(START)
    boot = await build_app(settings_with(env, database_url, tmp_path / "data"), clock=clock)
    try:
        await seed_demo(boot.uow_factory, boot.templates, clock)
        invites = {i.agency.abbreviation: i.code
                   for i in await fresh_invites(boot.uow_factory, clock)}
        sct = next(a for a in (await _agencies(boot)) if a.abbreviation == "SCT")
        async with boot.uow_factory() as uow:  # SCT's report, submitted earlier
            assignment = (await uow.assignments.list_open(sct.id))[0]
            submission = await uow.submissions.add(
                assignment.id, {"so_cbcc": 120}, sp.docx_for_tests(), "Bao_cao_SCT.docx",
                None, clock.now())
            await uow.commit()
        _, to_sign = await pdf_to_sign(boot.uow_factory, boot.templates, submission.id)
        good = await asyncio.to_thread(sign_pdf, to_sign, pki.signer,
                                       chain=(pki.intermediate,), field=SIGNER_FIELD)

        transport = httpx.ASGITransport(app=create_web_app(boot))
        async with httpx.AsyncClient(transport=transport, base_url="http://bot.test") as client:
            async def post(body: bytes, headers: dict[str, str]) -> httpx.Response:
                return await client.post(zalo_oa.WEBHOOK_PATH, content=body, headers=headers)

            user = OAUser(post, fake, USER)
            await user.send(invites["SCT"])
            # the submitted DOCX is followed by the link to the PDF to sign
            await boot.channels["zalo_oa"].deliver(USER, [Outbound(
                "Đã nộp báo cáo (bản 1).", document=DocumentRef(submission.id, "Bao_cao.docx"))])
            assert fake.messages_to(USER)[-2].file_token is not None
            assert fake.texts_to(USER)[-1].startswith(
                f"Tải PDF để ký số: http://bot.test/pdf-ky-so/{submission.id}?exp=")

            async def send_file(data: bytes, name: str = "bao_cao_da_ky.pdf",
                                size: int | None = None) -> str:
                before = len(fake.texts_to(USER))
                body, headers = fake.file_event(USER, data, name, base_url=url, size=size)
                assert (await post(body, headers)).status_code == 200
                await wait_until(lambda: len(fake.texts_to(USER)) > before, "the OA's answer")
                return fake.texts_to(USER)[-1]

            assert "Tài liệu bị sửa sau khi ký." in await send_file(sp.change_text(good))
            assert "Chứng thư số hết hạn hoặc bị thu hồi." in await send_file(
                await asyncio.to_thread(sign_pdf, to_sign, pki.expired_signer,
                                        chain=(pki.intermediate,), field=SIGNER_FIELD))
            downloads = fake.downloads
            big = await send_file(b"%PDF-1.7\n", size=20 * 1024 * 1024)
            assert "Tệp quá lớn" in big and fake.downloads == downloads  # never downloaded
            async with boot.uow_factory() as uow:
                assert await uow.signatures.latest_by_agency(assignment.round_id) == {}

            accepted = await send_file(good)
            assert "Trạng thái: đã ký số" in accepted
            assert "Tổ chức cấp chứng thư: CA thử nghiệm cấp 2" in accepted
            async with boot.uow_factory() as uow:
                signed = await uow.signatures.latest_by_agency(assignment.round_id)
            assert signed[sct.id].channel == "zalo_oa"
    finally:
        await boot.aclose()


async def _agencies(boot):
    async with boot.uow_factory() as uow:
        return await uow.agencies.list()
