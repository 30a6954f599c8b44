"""Telegram settings come from their conventional environment variables."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import Settings


def test_telegram_variables(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:abc")
    monkeypatch.setenv("TELEGRAM_API_URL", "http://127.0.0.1:8081")
    monkeypatch.setenv("TELEGRAM_WEBHOOK_URL", "https://bot.example.gov.vn/telegram/webhook")
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "abc_DEF-123")
    settings = Settings(data_dir=tmp_path)
    assert settings.telegram_bot_token == "123:abc"
    assert settings.telegram_api_url == "http://127.0.0.1:8081"
    assert settings.telegram_webhook_url == "https://bot.example.gov.vn/telegram/webhook"
    assert settings.telegram_webhook_secret == "abc_DEF-123"


def test_telegram_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("TELEGRAM_BOT_TOKEN", "TELEGRAM_API_URL", "TELEGRAM_WEBHOOK_URL",
                 "TELEGRAM_WEBHOOK_SECRET"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings(data_dir=tmp_path)
    assert settings.telegram_bot_token is None
    assert settings.telegram_api_url == "https://api.telegram.org"
    assert settings.telegram_webhook_url is None and settings.telegram_webhook_secret is None
