"""The signed-report use case on SQLite and PostgreSQL: only the latest submission of
the officer's own agency can be signed, a refusal leaves nothing, a re-delivered upload
is recorded once, and a resubmission needs a new signature."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.signed_reports import TrustRoots, receive_signed_pdf
from dialogs.loader import load_template
from renderers.pdf_sign_fields import SIGNER_FIELD
from renderers.report import render_report
from tests.integration.dialogs.conftest import HERE, make_world
from tests.support import signed_pdfs as sp
from tests.support.pki import make_pki, sign_pdf

pytestmark = sp.SKIP_NO_SOFFICE
ANSWERS = {"staff": 56}


async def test_only_the_latest_submission_of_ones_agency(uow_factory, tmp_path: Path) -> None:
    world = await make_world(uow_factory, load_template(HERE / "mini.yaml"), render=render_report)
    sct, stc = world.chat("sct-officer-0000001"), world.chat("stc-officer-0000001")
    await sct.send(world.invites["SCT0"])
    await stc.send(world.invites["STC0"])
    async with uow_factory() as uow:
        assignment = (await uow.assignments.list_open(world.agencies["SCT"].id))[0]
        first = await uow.submissions.add(assignment.id, ANSWERS, b"docx", "Bao_cao.docx", None,
                                         world.clock.now())
        await uow.commit()
    pki = make_pki()
    roots = TrustRoots(pki.write_trust_roots(tmp_path / "roots"))

    async def signed(submission_id: int, answers: dict) -> bytes:
        return await asyncio.to_thread(sign_pdf, sp.prepared(submission_id, answers), pki.signer,
                                       chain=(pki.intermediate,), field=SIGNER_FIELD)

    async def send(data: bytes, user: str = "sct-officer-0000001", message_id: str | None = None):
        return await receive_signed_pdf(uow_factory, roots, channel="web", user_id=user,
                                        data=data, now=world.clock.now(), message_id=message_id)

    async def signed_now() -> dict:
        async with uow_factory() as uow:
            return await uow.signatures.latest_by_agency(world.round_id)

    good = await signed(first.id, ANSWERS)
    refused = await send(good, "stc-officer-0000001")  # another agency's officer
    assert not refused.accepted and "Không phải bản báo cáo đã nộp." in refused.text
    unbound = await send(good, "nobody-bound-here-01")
    assert not unbound.accepted and "mã mời" in unbound.text
    other_answers = await send(await signed(first.id, {"staff": 57}))  # answers differ
    assert "Không phải bản báo cáo đã nộp." in other_answers.text
    assert await signed_now() == {}

    accepted = await send(good, message_id="m-1")
    assert accepted.accepted and "đã ký số" in accepted.text
    again = await send(good, message_id="m-1")  # the same delivery once more
    assert again.accepted and again.text == ""
    async with uow_factory() as uow:
        from sqlalchemy import func, select

        from storage.models import SignedDocumentRow
        rows = (await uow.session.execute(select(func.count(SignedDocumentRow.id)))).scalar()
    assert rows == 1
    assert (await signed_now())[world.agencies["SCT"].id].submission_id == first.id

    async with uow_factory() as uow:  # returned, corrected, submitted again: version 2
        await uow.assignments.set_status(assignment.id, "returned", world.clock.now())
        await uow.submissions.add(assignment.id, {"staff": 60}, b"docx", "Bao_cao.docx", None,
                                 world.clock.now())
        await uow.commit()
    assert await signed_now() == {}  # the signature was for version 1
    stale = await send(good)
    assert not stale.accepted and "Không phải bản báo cáo đã nộp." in stale.text
