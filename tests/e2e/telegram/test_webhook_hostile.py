"""The Telegram webhook under hostile input: JSON nested 10,000 deep is a 400, a lone
surrogate in a message or odd digits in a button get a Vietnamese reply, never a 500
(which Telegram would redeliver for a day)."""

from __future__ import annotations

import json

import httpx

from bot.bootstrap import Bootstrapped
from bot.channels.telegram.runtime import webhook_path
from bot.webapp import create_web_app
from tests.e2e.telegram.test_webhook import CHAT, HEADER, HOOK, SECRET, boot, invite  # noqa: F401
from tests.fakes.telegram_api import FakeTelegramAPI


async def test_hostile_updates_get_4xx_or_a_vietnamese_reply(
        boot: Bootstrapped, fake: FakeTelegramAPI) -> None:  # noqa: F811
    code = await invite(boot)
    path = webhook_path(HOOK)
    transport = httpx.ASGITransport(app=create_web_app(boot))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
        deep = '{"update_id": 5, "message": ' + "[" * 10_000 + "]" * 10_000 + "}"
        nested = await http.post(path, content=deep, headers={HEADER: SECRET})
        assert nested.status_code == 400

        bind = fake.text_update(CHAT, f"/start {code}")
        assert (await http.post(path, json=bind, headers={HEADER: SECRET})).status_code == 200
        go = fake.text_update(CHAT, "tiếp tục")
        assert (await http.post(path, json=go, headers={HEADER: SECRET})).status_code == 200

        update = fake.text_update(CHAT, "SURROGATE")
        raw = json.dumps(update).replace("SURROGATE", "\\ud800")
        lone = await http.post(path, content=raw, headers={HEADER: SECRET,
                                                          "content-type": "application/json"})
        assert lone.status_code == 200
        before = len(fake.sent(CHAT))
        tapped = fake.callback_update(CHAT, fake.sent(CHAT)[-1].message_id, "cmd:edit:²")
        assert (await http.post(path, json=tapped, headers={HEADER: SECRET})).status_code == 200
    await fake.wait(lambda: len(fake.sent(CHAT)) > before)
    bodies = [m.body for m in fake.sent(CHAT)]
    assert bodies[-2].startswith("Vui lòng nhập một số nguyên")  # the lone surrogate
    # a button that was never offered ("²" is no question number) is refused in
    # Vietnamese and the current question is asked again
    assert bodies[-1].startswith("Nút này thuộc một câu hỏi trước đó nên không được ghi nhận.")
    assert "Câu 1/12" in bodies[-1]
