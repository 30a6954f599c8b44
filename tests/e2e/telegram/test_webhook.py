"""Webhook mode, wired as ``baocao run`` wires it: the bot registers its webhook with
the secret, the web app serves the route, and a request without the secret is refused."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.bootstrap import Bootstrapped, build_app
from bot.channels.telegram.runtime import webhook_path, webhook_secret
from bot.settings import Settings
from bot.webapp import create_web_app
from dialogs.loader import load_template
from storage import admin
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.integration.dialogs.conftest import DEFAULT_AGENCIES, DEFAULT_ROUND, HERE

CHAT = 990_001
HOOK = "https://baocao.example.gov.vn/telegram/hook"
SECRET = "s3cret-Token_1"
HEADER = "X-Telegram-Bot-Api-Secret-Token"


@pytest.fixture
async def boot(database_url: str, tmp_path: Path, fake: FakeTelegramAPI
               ) -> AsyncIterator[Bootstrapped]:
    settings = Settings(
        database_url=database_url, data_dir=tmp_path / "var", telegram_bot_token=fake.token,
        telegram_api_url=fake.url, telegram_webhook_url=HOOK, telegram_webhook_secret=SECRET,
    )
    wired = await build_app(settings, run_migrations=False)
    wired.templates = {**wired.templates, "mini": load_template(HERE / "mini.yaml")}
    wired.engine.templates = wired.templates
    services = [asyncio.create_task(service()) for service in wired.services]
    try:
        yield wired
    finally:
        for task in services:
            task.cancel()
        await asyncio.gather(*services, return_exceptions=True)
        await wired.aclose()


async def invite(boot: Bootstrapped) -> str:
    now = dt.datetime.now(dt.UTC)
    async with boot.uow_factory() as uow:
        agency = await admin.add_agency(uow, **DEFAULT_AGENCIES[0])
        await admin.open_round(uow, template_id="mini", template_version=1,
                               agency_ids=[agency.id], now=now, **DEFAULT_ROUND)
        code = await admin.create_invite(uow, agency.id, now=now)
        await uow.commit()
    return code


async def test_webhook_refuses_a_wrong_secret_and_accepts_the_right_one(
    boot: Bootstrapped, fake: FakeTelegramAPI
) -> None:
    code = await invite(boot)
    registered = await fake.wait(lambda: fake.webhook)
    assert registered["url"] == HOOK and registered["secret_token"] == SECRET
    assert registered["allowed_updates"] == ["message", "callback_query"]
    assert "telegram" in boot.channels

    app = create_web_app(boot)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
        path = webhook_path(HOOK)
        assert path == "/telegram/hook"
        forged = fake.text_update(CHAT, "trợ giúp")
        assert (await http.post(path, json=forged)).status_code == 403
        wrong = await http.post(path, json=forged, headers={HEADER: "s3cret-Token_2"})
        assert wrong.status_code == 403

        update = fake.text_update(CHAT, f"/start {code}")
        right = await http.post(path, json=update, headers={HEADER: SECRET})
        assert right.status_code == 200
        # processed before the 200: the binding is stored and the reply already sent,
        # so a process that dies after answering Telegram has lost nothing
        [bound] = fake.sent(CHAT)
        async with boot.uow_factory() as uow:
            assert await uow.identities.officer_for("telegram", str(CHAT)) is not None
        assert "đã được liên kết với Sở Công Thương" in bound.body

        again = await http.post(path, json=update, headers={HEADER: SECRET})  # Telegram retries
        assert again.status_code == 200
        helped = fake.text_update(CHAT, "trợ giúp")
        assert (await http.post(path, json=helped, headers={HEADER: SECRET})).status_code == 200
        await fake.wait(lambda: len(fake.sent(CHAT)) >= 2)
        bodies = [m.body for m in fake.sent(CHAT)]
        assert sum("đã được liên kết" in b for b in bodies) == 1  # the retry did nothing
        assert sum("Các lệnh có thể dùng" in b for b in bodies) == 1  # the forged one neither
        assert "đã được liên kết" in bodies[0]

        broken = await http.post(path, content=b"{not json", headers={HEADER: SECRET})
        assert broken.status_code == 400
        listed = await http.post(path, content=json.dumps([1, 2]), headers={HEADER: SECRET})
        assert listed.status_code == 400
    assert fake.calls_to("getUpdates") == []  # no polling in webhook mode


def test_the_webhook_secret_is_derived_when_not_configured(tmp_path: Path) -> None:
    settings: Any = Settings(data_dir=tmp_path, secret_key="k" * 40, telegram_bot_token="1:x",
                             telegram_webhook_url=HOOK)
    derived = webhook_secret(settings)
    assert derived == webhook_secret(Settings(data_dir=tmp_path, secret_key="k" * 40))
    assert derived != webhook_secret(Settings(data_dir=tmp_path, secret_key="j" * 40))
    assert len(derived) == 64 and derived.isalnum()
    assert webhook_path("https://x.example/") == "/telegram/webhook"


async def test_a_tap_whose_turn_fails_is_retried_from_the_inbox_not_called_used(
    boot: Bootstrapped, fake: FakeTelegramAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = await invite(boot)
    await fake.wait(lambda: fake.webhook)
    app = create_web_app(boot)
    transport = httpx.ASGITransport(app=app)
    path = webhook_path(HOOK)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
        bound = fake.text_update(CHAT, f"/start {code}")
        assert (await http.post(path, json=bound, headers={HEADER: SECRET})).status_code == 200
        keyboard = fake.last_keyboard(CHAT)
        assert keyboard is not None
        _label, data = keyboard.buttons[0]
        engine = boot.engine
        real = engine._handle_once
        failures = [RuntimeError("database is locked")]

        async def flaky(inbound: Any) -> Any:
            if failures:
                raise failures.pop()
            return await real(inbound)

        monkeypatch.setattr(engine, "_handle_once", flaky)
        before = len(fake.sent(CHAT))
        tap = fake.callback_update(CHAT, keyboard.message_id, data)
        assert (await http.post(path, json=tap, headers={HEADER: SECRET})).status_code == 200
        assert boot.inbox is not None
        await boot.inbox.idle()
    answers = [c.params.get("text") for c in fake.calls_to("answerCallbackQuery")]
    assert "Nút này đã được dùng." not in answers
    assert len(fake.sent(CHAT)) > before  # the retried turn answered the tap
