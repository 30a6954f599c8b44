"""The Zalo OA channel against its fake: webhook signatures, buttons, de-duplication,
token refresh (once, shared by every process), the messaging window, files."""

from __future__ import annotations

import asyncio
import io

import httpx
import pytest
from docx import Document

from bot.channels import zalo_oa
from dialogs.domain import DocumentInfo
from dialogs.messages import DocumentRef, Outbound
from dialogs.ports import DeliveryError
from renderers.report import render_report
from storage.db import create_engine
from storage.uow import uow_factory as make_uow_factory
from tests.support.zalo import START, USER, OAWorld


async def test_officer_binds_and_gets_buttons_that_come_back_as_commands(oa_world: OAWorld) -> None:
    user = oa_world.user()
    replies = await user.send(oa_world.invites["SCT"])
    assert "Anh/Chị đã được liên kết với Sở Công Thương" in user.text
    prompt = replies[-1]
    assert prompt.text.startswith("Câu 1/")
    titles = [b["title"] for b in prompt.buttons]
    assert "◀ Quay lại" in titles and "Xem lại" in titles
    assert all(b["type"] == "oa.query.hide" and b["payload"].startswith("#b:cmd:")
               for b in prompt.buttons)

    await user.tap("◀ Quay lại")
    assert "Đây đã là câu hỏi đầu tiên." in user.text
    assert user.last[-1].text.startswith("Câu 1/")

    await user.send("Sở ban hành kế hoạch ứng dụng CNTT hằng năm.")
    assert user.last[-1].text.startswith("Câu 2/")
    await user.send("quay lại")  # typed commands work as well
    assert user.last[-1].text.startswith("Câu 1/")


async def test_review_fits_zalo_limits_and_lists_extra_buttons_as_words(oa_world: OAWorld) -> None:
    user = oa_world.user()
    await user.send(oa_world.invites["SCT"])
    await user.tap("Xem lại")
    assert "XEM LẠI BÁO CÁO" in user.text
    assert all(len(m.text) <= 2000 and len(m.buttons) <= 5 for m in user.last)
    assert len(user.last) == 1  # the whole review: one message (Zalo allows 8 a reply)
    # the jump keyboard offers every question: more than one message can carry
    assert "sửa <số câu>" in user.text and "phần VIII" in user.text
    await user.tap("Phần II")  # one section's answers, on demand
    assert len(user.last) == 1 and user.last[0].text.startswith("XEM LẠI · II.")
    await user.send("phần VIII")  # or typed
    assert len(user.last) == 1 and user.last[0].text.startswith("XEM LẠI · VIII.")
    await user.send("sửa 2")
    assert user.last[-1].text.startswith("Câu 2/")


async def test_a_redelivered_event_is_processed_once(oa_world: OAWorld) -> None:
    body, headers = oa_world.fake.event(USER, oa_world.invites["SCT"], msg_id="dup-1")
    assert (await oa_world.post(body, headers)).status_code == 200
    first = oa_world.fake.count()
    assert first > 0
    assert (await oa_world.post(body, headers)).status_code == 200
    assert oa_world.fake.count() == first


def _flip_one_byte(body: bytes) -> bytes:
    index = body.index(b'"text": "') + len(b'"text": "')
    return body[:index] + bytes([body[index] ^ 0x01]) + body[index + 1:]


@pytest.mark.parametrize("tamper", ["one_byte_changed", "wrong_key", "missing_header",
                                    "wrong_app_id", "not_json"])
async def test_unsigned_or_missigned_events_are_refused_and_ignored(
    oa_world: OAWorld, tamper: str
) -> None:
    code = oa_world.invites["SCT"]
    body, headers = oa_world.fake.event(USER, code, msg_id="m-1", timestamp=1_764_000_000_123)
    if tamper == "one_byte_changed":
        body = _flip_one_byte(body)
    elif tamper == "wrong_key":
        headers["X-ZEvent-Signature"] = oa_world.fake.sign(body, "1764000000123",
                                                           secret="other-key")
    elif tamper == "missing_header":
        del headers["X-ZEvent-Signature"]
    elif tamper == "wrong_app_id":
        oa_world.fake.app_id = "999"
        body, headers = oa_world.fake.event(USER, code, msg_id="m-1", timestamp=1_764_000_000_123)
    else:
        body = b"not json" + body
    response = await oa_world.post(body, headers)
    assert response.status_code == 403
    assert oa_world.fake.count() == 0
    async with oa_world.boot.uow_factory() as uow:
        assert await uow.conversations.get("zalo_oa", USER) is None
        assert await uow.identities.officer_for("zalo_oa", USER) is None
    # the code was not used up: the genuine message still binds
    oa_world.fake.app_id = oa_world.boot.settings.zalo_oa_app_id or ""
    user = oa_world.user()
    await user.send(code)
    assert "đã được liên kết với Sở Công Thương" in user.text


async def test_expired_token_mid_questionnaire_is_refreshed_once_and_message_sent_once(
    oa_world: OAWorld,
) -> None:
    user = oa_world.user()
    await user.send(oa_world.invites["SCT"])
    await user.send("sửa 3")
    await user.send("56")
    assert user.last[-1].text.startswith("Câu 4/")

    oa_world.fake.expire_access_tokens()
    await user.send("56")
    assert len(user.last) == 1 and user.last[0].text.startswith("Câu 5/"), user.text
    assert oa_world.fake.texts_to(USER).count(user.last[0].text) == 1
    assert oa_world.fake.refreshes == ["initial-refresh"]
    assert oa_world.fake.rejected == [("cs", -216)]
    stored = await oa_world.stored_tokens()
    assert stored["refresh_token"] not in ("initial-refresh", "")
    assert stored["access_token"] != "initial-access"

    # the pair saved in the database is the one used next time: nothing is reused
    oa_world.fake.expire_access_tokens()
    await user.send("2")
    assert len(user.last) == 1 and user.last[0].text.startswith("Câu 6/"), user.text
    assert oa_world.fake.refreshes == ["initial-refresh", stored["refresh_token"]]
    assert ("oauth", -14014) not in oa_world.fake.rejected
    assert oa_world.fake.rejected == [("cs", -216), ("cs", -216)]


async def test_two_processes_refreshing_at_once_do_not_burn_the_refresh_token(
    oa_world: OAWorld,
) -> None:
    """Two channel instances on their own database connections (as two processes
    would be) both meet the expired token at the same moment."""
    user = oa_world.user()
    await user.send(oa_world.invites["SCT"])
    oa_world.fake.expire_access_tokens()
    oa_world.fake.refresh_delay = 0.3  # a slow OAuth server: both would refresh without the lock
    config = zalo_oa.OAConfig.from_settings(oa_world.boot.settings)
    assert config is not None
    engines = [create_engine(oa_world.database_url) for _ in range(2)]
    try:
        async with httpx.AsyncClient() as http:
            channels = []
            for db in engines:
                factory = make_uow_factory(db, oa_world.boot.clock)
                tokens = zalo_oa.TokenStore(config, factory, oa_world.boot.clock, http)
                channels.append(zalo_oa.ZaloOAChannel(config, tokens, http, factory,
                                                      oa_world.boot.clock, lambda ref: ""))
            await asyncio.gather(
                channels[0].deliver(USER, [Outbound("Nhắc hạn A")]),
                channels[1].deliver(USER, [Outbound("Nhắc hạn B")]),
            )
    finally:
        for db in engines:
            await db.dispose()
    texts = oa_world.fake.texts_to(USER)
    assert texts.count("Nhắc hạn A") == 1 and texts.count("Nhắc hạn B") == 1
    assert len(oa_world.fake.refreshes) == 1
    assert ("oauth", -14014) not in oa_world.fake.rejected
    # this process's channel picks up the pair the others stored, without refreshing
    oa_world.fake.refresh_delay = 0
    await oa_world.channel.deliver(USER, [Outbound("Nhắc hạn C")])
    assert oa_world.fake.texts_to(USER)[-1] == "Nhắc hạn C"
    assert len(oa_world.fake.refreshes) == 1
    assert ("oauth", -14014) not in oa_world.fake.rejected


async def test_a_closed_window_is_a_permanent_delivery_error(oa_world: OAWorld) -> None:
    oa_world.fake.closed.add(USER)
    with pytest.raises(DeliveryError) as raised:
        await oa_world.channel.deliver(USER, [Outbound("Nhắc hạn nộp báo cáo")])
    assert raised.value.permanent
    assert "-230" in raised.value.reason


async def test_a_document_is_uploaded_and_sent_as_a_file(oa_world: OAWorld) -> None:
    user = oa_world.user()
    await user.send(oa_world.invites["SCT"])
    async with oa_world.boot.uow_factory() as uow:
        agency = await uow.agencies.by_abbreviation("SCT")
        assert agency is not None
        assignment = (await uow.assignments.list_open(agency.id))[0]
        round_ = await uow.rounds.get(assignment.round_id)
        assert round_ is not None
        template = oa_world.boot.templates[round_.template_id]
        docx = render_report(template, {}, DocumentInfo(agency=agency, round=round_))
        record = await uow.submissions.add(assignment.id, {}, docx, "Báo cáo SCT.docx", None,
                                          START)
        await uow.commit()
    await oa_world.channel.deliver(USER, [Outbound(
        "Đã nộp báo cáo.", document=DocumentRef(record.id, record.filename))])
    sent = oa_world.fake.messages_to(USER)
    assert sent[-3].text == "Đã nộp báo cáo."
    assert sent[-1].text.startswith("Tải PDF để ký số: ")  # signed reports (issue 21)
    token = sent[-2].file_token
    assert token is not None
    filename, data, content_type = oa_world.fake.uploads[token]
    assert filename == "Báo cáo SCT-v1.docx" and content_type.endswith("wordprocessingml.document")
    assert "SỞ CÔNG THƯƠNG" in "\n".join(
        c.text for t in Document(io.BytesIO(data)).tables for r in t.rows for c in r.cells)
