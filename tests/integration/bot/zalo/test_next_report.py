"""An officer of an agency with two open reports submits one and goes straight on to
the other from the chat, on Zalo OA, the Zalo Bot Platform and the web chat; after
the submission no button of the chat does anything (Zalo cannot take buttons back:
the engine refuses them; the web chat gets no buttons, and the page disables the
older ones). Each channel through its real route, on the real engine and storage."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from bot.bootstrap import Bootstrapped
from bot.channels import webchat
from dialogs import texts
from storage import admin
from tests.support.seed003 import answer_everything
from tests.support.zalo import BotWorld, OAWorld, step_reader

Say = Callable[[str], Awaitable[list[tuple[str, list[str]]]]]  # text -> [(text, buttons)]


async def open_second_round(boot: Bootstrapped) -> None:
    """A second open report for every agency (the half-year one)."""
    template = boot.templates["annual_it"]
    async with boot.uow_factory() as uow:
        agencies = await admin.list_agencies(uow)
        await admin.open_round(
            uow, template_id=template.id, template_version=template.version,
            period_label="6 tháng đầu năm 2026", period_start=dt.date(2026, 1, 1),
            period_end=dt.date(2026, 6, 30), deadline=dt.date(2026, 12, 20),
            agency_ids=[a.id for a in agencies if not a.is_collector], province="Đồng Nai",
            collector="Sở Khoa học và Công nghệ", now=boot.clock.now())
        await uow.commit()


def joined(replies: list[tuple[str, list[str]]]) -> str:
    return "\n".join(text for text, _ in replies)


async def submit_then_next(say: Say, confirm: str, code: str,
                           current_step: Callable[[], Awaitable[Any]]) -> None:
    bound = joined(await say(code))
    assert "2 báo cáo đang mở" in bound, bound
    assert "Câu 1/" in joined(await say("1"))  # the number as typed
    await answer_everything(lambda text: say(text), current_step)
    confirmation = await say("nộp")
    done = await say(confirm)
    text = joined(done)
    assert "Đã nộp báo cáo (bản 1)" in text and "còn 1 báo cáo đang mở" in text, text
    assert [b for _, buttons in done for b in buttons] == []  # nothing to tap any more
    for old in [b for _, buttons in confirmation for b in buttons]:  # old buttons: dead
        again = joined(await say(old))
        assert "Đã nộp báo cáo" not in again, (old, again)  # no DOCX again
        assert texts.OLD_BUTTON in again or "cmd:continue" in old, (old, again)
    following = joined(await say("1"))
    assert "Câu 1/" in following and "đã được nộp" not in following, following


async def test_zalo_oa_officer_goes_on_to_the_next_report(oa_world: OAWorld) -> None:
    await open_second_round(oa_world.boot)
    user = oa_world.user()

    async def say(text: str) -> list[tuple[str, list[str]]]:
        sent = await user.send(text)
        return [(m.text, [b["payload"] for b in m.buttons]) for m in sent]

    await submit_then_next(say, "#b:cmd:confirm", oa_world.invites["SCT"],
                           step_reader(oa_world.boot.uow_factory, "zalo_oa", user.user_id))


async def test_zalo_bot_officer_goes_on_to_the_next_report(bot_world: BotWorld) -> None:
    await open_second_round(bot_world.boot)
    chat = "d4d4d4d4d4d4d4d4"
    counter = 0

    async def say(text: str) -> list[tuple[str, list[str]]]:
        nonlocal counter
        counter += 1
        before = len(bot_world.fake.texts_to(chat))
        body, headers = bot_world.fake.webhook_request(chat, text, message_id=f"m{counter}")
        response = await bot_world.post(body, headers)
        assert response.status_code == 200, response.text
        return [(t, []) for t in bot_world.fake.texts_to(chat)[before:]]  # no buttons here

    await submit_then_next(say, "xác nhận", bot_world.invites["SCT"],
                           step_reader(bot_world.boot.uow_factory, "zalo_bot", chat))


async def test_web_chat_officer_goes_on_to_the_next_report(oa_world: OAWorld) -> None:
    await open_second_round(oa_world.boot)
    session = secrets.token_hex(16)

    async def say(text: str) -> list[tuple[str, list[str]]]:
        payload: dict[str, str] = {"session": session}
        if text.startswith("cmd:") or text.startswith("ans:"):
            payload["callback"] = text
        else:
            payload["text"] = text
        response = await oa_world.client.post("/api/chat", json=payload)
        assert response.status_code == 200, response.text
        return [(m["text"], [b["data"] for row in m["buttons"] for b in row])
                for m in response.json()["messages"]]

    await submit_then_next(say, "cmd:confirm", oa_world.invites["SCT"],
                           step_reader(oa_world.boot.uow_factory, webchat.CHANNEL, session))
