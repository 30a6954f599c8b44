"""The Zalo Bot Platform channel against its fake: webhook secret, both update shapes,
de-duplication, typed commands instead of buttons, 2,000-character messages, links
instead of files, long polling."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from bot.bootstrap import build_app
from bot.clock import FixedClock
from bot.demo import fresh_invites, seed_demo
from bot.downloads import LinkCheck, check_link
from dialogs.messages import Button, DocumentRef, Outbound
from dialogs.ports import DeliveryError
from tests.fakes.zalo_bot_api import FakeZaloBot
from tests.support.zalo import START, BotWorld, bot_env, settings_with

CHAT = "c1f4a9b2e7d64b0f"


async def say(world: BotWorld, text: str, **kwargs: object) -> list[str]:
    before = len(world.fake.texts_to(CHAT))
    body, headers = world.fake.webhook_request(CHAT, text, **kwargs)  # type: ignore[arg-type]
    response = await world.post(body, headers)
    assert response.status_code == 200, response.text
    return world.fake.texts_to(CHAT)[before:]


async def test_the_webhook_is_registered_with_a_secret(bot_world: BotWorld) -> None:
    assert bot_world.fake.webhook is not None
    assert bot_world.fake.webhook["url"] == "https://bot.test/zalo/bot/webhook"
    assert len(bot_world.fake.webhook["secret_token"]) >= 8


@pytest.mark.parametrize("secret", [None, "wrong-secret-token", ""])
async def test_a_request_without_the_secret_is_refused_and_ignored(
    bot_world: BotWorld, secret: str | None
) -> None:
    code = bot_world.invites["SCT"]
    body, headers = bot_world.fake.webhook_request(CHAT, code, secret=secret or "")
    if secret is None:
        del headers["X-Bot-Api-Secret-Token"]
    response = await bot_world.post(body, headers)
    assert response.status_code == 403
    assert bot_world.fake.count() == 0
    async with bot_world.boot.uow_factory() as uow:
        assert await uow.conversations.get("zalo_bot", CHAT) is None
    replies = await say(bot_world, code)  # the code is still unused
    assert any("đã được liên kết với Sở Công Thương" in r for r in replies)


async def test_updates_with_and_without_the_result_wrapper_are_both_handled(
    bot_world: BotWorld,
) -> None:
    replies = await say(bot_world, bot_world.invites["SCT"])
    assert replies[-1].startswith("Câu 1/")
    replies = await say(bot_world, "Sở ban hành kế hoạch ứng dụng CNTT.", wrapped=True)
    assert replies[-1].startswith("Câu 2/")


async def test_a_redelivered_update_is_processed_once(bot_world: BotWorld) -> None:
    first = await say(bot_world, bot_world.invites["SCT"], message_id="same-id")
    assert first
    again = await say(bot_world, bot_world.invites["SCT"], message_id="same-id")
    assert again == []


async def test_buttons_are_offered_as_typed_commands_that_work(bot_world: BotWorld) -> None:
    replies = await say(bot_world, bot_world.invites["SCT"])
    prompt = replies[-1]
    assert prompt.startswith("Câu 1/")
    assert "Gõ: quay lại · bỏ qua · xem lại" in prompt
    replies = await say(bot_world, "xem lại")
    assert any("XEM LẠI BÁO CÁO" in r for r in replies)
    assert "sửa <số câu>" in replies[-1]
    assert all(len(r) <= 2000 for r in replies)
    replies = await say(bot_world, "sửa 3")
    assert replies[-1].startswith("Câu 3/")


async def test_long_text_is_cut_into_messages_of_at_most_2000_characters(
    bot_world: BotWorld,
) -> None:
    lines = [f"- Dòng {i}: " + "nội dung báo cáo " * 6 for i in range(60)]
    text = "\n".join(lines)
    assert len(text) > 4000
    await bot_world.channel.deliver(CHAT, [Outbound(text, [[Button("Xem lại", "cmd:review")]])])
    sent = bot_world.fake.texts_to(CHAT)
    assert len(sent) >= 3 and all(len(s) <= 2000 for s in sent)
    assert " ".join(sent).split() == [*text.split(), "Gõ:", "xem", "lại"]  # nothing lost
    assert sent[-1].endswith("Gõ: xem lại")


async def test_a_document_becomes_a_signed_download_link(bot_world: BotWorld) -> None:
    ref = DocumentRef(7, "Báo cáo SCT năm 2026.docx")
    await bot_world.channel.deliver(CHAT, [Outbound("Đã nộp báo cáo.", document=ref)])
    sent = bot_world.fake.texts_to(CHAT)[-1]
    assert sent.startswith("Đã nộp báo cáo.")
    match = re.search(r"Tải báo cáo \(DOCX\): (\S+)", sent)
    assert match is not None
    url = urlsplit(match.group(1))
    assert url.netloc == "bot.test" and url.path.startswith("/download/7/")
    query = parse_qs(url.query)
    assert check_link("test-secret", 7, query["sig"][0], query["exp"][0]) is LinkCheck.VALID


async def test_a_user_who_blocked_the_bot_is_a_permanent_failure(bot_world: BotWorld) -> None:
    bot_world.fake.blocked.add(CHAT)
    with pytest.raises(DeliveryError) as raised:
        await bot_world.channel.deliver(CHAT, [Outbound("Nhắc hạn")])
    assert raised.value.permanent


async def test_long_polling_answers_the_officer(
    database_url: str, tmp_path: Path, fake_bot: tuple[FakeZaloBot, str]
) -> None:
    fake, url = fake_bot
    fake.webhook = {"url": "https://old.example/hook", "secret_token": "old-secret"}
    clock = FixedClock(START)
    boot = await build_app(settings_with(bot_env(fake, url), database_url, tmp_path),
                           clock=clock, run_migrations=False)
    try:
        assert "/zalo/bot/webhook" not in [getattr(r, "path", "") for r in boot.routes]
        await seed_demo(boot.uow_factory, boot.templates, clock)
        code = next(i.code for i in await fresh_invites(boot.uow_factory, clock)
                    if i.agency.abbreviation == "SCT")
        tasks = [asyncio.create_task(service()) for service in boot.services]
        fake.push(CHAT, code)
        fake.push(CHAT, "Sở ban hành kế hoạch ứng dụng CNTT.")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 20
        while not any(t.startswith("Câu 2/") for t in fake.texts_to(CHAT)):
            assert loop.time() < deadline, fake.texts_to(CHAT)
            assert not any(t.done() for t in tasks), [t.exception() for t in tasks]
            await asyncio.sleep(0.02)  # waiting for the polling task to go round
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        await boot.aclose()
    assert fake.webhook is None  # polling removed the old webhook first
    assert fake.calls[:2] == ["getMe", "deleteWebhook"]
    texts = fake.texts_to(CHAT)
    assert any("đã được liên kết với Sở Công Thương" in t for t in texts)
    assert texts[-1].startswith("Câu 2/")
