"""Settings: environment overrides, the generated secret key, channel status lines."""

from __future__ import annotations

import datetime as dt
import stat
from pathlib import Path

import pytest

from bot.clock import FixedClock, SystemClock
from bot.settings import Settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env from the checkout
    for name in ("BAOCAO_SECRET_KEY", "BAOCAO_DATA_DIR", "BAOCAO_PORT", "BAOCAO_PUBLIC_URL",
                 "TELEGRAM_BOT_TOKEN", "BAOCAO_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)


def test_defaults(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "var")
    assert settings.database_url == "sqlite+aiosqlite:///./var/baocao.sqlite3"
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert settings.public_url == "http://127.0.0.1:8000"
    assert settings.timezone == "Asia/Ho_Chi_Minh"
    assert settings.province == "Đồng Nai"
    assert settings.collector == "Sở Khoa học và Công nghệ"


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("BAOCAO_PORT", "8123")
    monkeypatch.setenv("BAOCAO_DATA_DIR", str(tmp_path / "d"))
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:abc")
    settings = Settings()
    assert settings.port == 8123
    assert settings.public_url == "http://127.0.0.1:8123"
    assert settings.telegram_bot_token == "123:abc"
    assert "Telegram: đã cấu hình" in settings.channel_status()


def test_dotenv_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        f"BAOCAO_PROVINCE=Bình Dương\nBAOCAO_DATA_DIR={tmp_path / 'd'}\n", encoding="utf-8"
    )
    assert Settings().province == "Bình Dương"


def test_secret_key_is_generated_once_with_private_mode(tmp_path: Path) -> None:
    first = Settings(data_dir=tmp_path / "var")
    key_file = tmp_path / "var" / "secret.key"
    assert len(first.secret_key) >= 32
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    second = Settings(data_dir=tmp_path / "var")
    assert second.secret_key == first.secret_key
    other = Settings(data_dir=tmp_path / "elsewhere")
    assert other.secret_key != first.secret_key


def test_explicit_secret_key_creates_no_file(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "var", secret_key="given")
    assert settings.secret_key == "given"
    assert not (tmp_path / "var" / "secret.key").exists()


def test_missing_telegram_token_is_explained(tmp_path: Path) -> None:
    lines = Settings(data_dir=tmp_path).channel_status()
    assert "Telegram: chưa cấu hình (đặt TELEGRAM_BOT_TOKEN)" in lines


def test_clocks() -> None:
    assert SystemClock().now().tzinfo is not None
    start = dt.datetime(2026, 12, 18, 1, 0, tzinfo=dt.UTC)
    clock = FixedClock(start)
    assert clock.now() == start
    clock.advance(dt.timedelta(days=1))
    assert clock.now() == start + dt.timedelta(days=1)
    with pytest.raises(ValueError):
        clock.set(dt.datetime(2026, 1, 1))
