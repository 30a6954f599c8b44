"""Configuration from the environment (prefix ``BAOCAO_``) and ``.env``.

Channel tokens keep their conventional names without the prefix
(``TELEGRAM_BOT_TOKEN`` …). Nothing here is read at import time: build a
:class:`Settings` where the application is wired.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SECRET_KEY_FILE = "secret.key"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="BAOCAO_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
    )

    database_url: str = "sqlite+aiosqlite:///./var/baocao.sqlite3"
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str = ""  # empty: http://<host>:<port> (127.0.0.1 for a wildcard host)
    secret_key: str = ""  # empty: generated once and kept in <data_dir>/secret.key
    timezone: str = "Asia/Ho_Chi_Minh"
    province: str = "Đồng Nai"
    collector: str = "Sở Khoa học và Công nghệ"
    data_dir: Path = Path("./var")
    log_level: str = "info"

    telegram_bot_token: str | None = Field(
        default=None, validation_alias=AliasChoices("TELEGRAM_BOT_TOKEN", "telegram_bot_token")
    )
    zalo_oa_access_token: str | None = Field(
        default=None,
        validation_alias=AliasChoices("ZALO_OA_ACCESS_TOKEN", "zalo_oa_access_token"),
    )
    zalo_bot_token: str | None = Field(
        default=None, validation_alias=AliasChoices("ZALO_BOT_TOKEN", "zalo_bot_token")
    )

    @model_validator(mode="after")
    def _fill_derived(self) -> Settings:
        if not self.public_url:
            host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host
            if ":" in host:
                host = f"[{host}]"
            self.public_url = f"http://{host}:{self.port}"
        if not self.secret_key:
            self.secret_key = load_or_create_secret(self.data_dir / SECRET_KEY_FILE)
        return self

    @property
    def exports_dir(self) -> Path:
        return self.data_dir / "exports"

    def channel_status(self) -> list[str]:
        """One Vietnamese line per optional channel, for the startup banner."""
        lines = []
        for label, value, env in (
            ("Telegram", self.telegram_bot_token, "TELEGRAM_BOT_TOKEN"),
            ("Zalo OA", self.zalo_oa_access_token, "ZALO_OA_ACCESS_TOKEN"),
            ("Zalo Bot", self.zalo_bot_token, "ZALO_BOT_TOKEN"),
        ):
            if value:
                lines.append(f"{label}: đã cấu hình")
            else:
                lines.append(f"{label}: chưa cấu hình (đặt {env})")
        return lines


def load_or_create_secret(path: Path) -> str:
    """Read the key at ``path``; create it (mode 0600) with a random key if missing."""
    try:
        existing = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        existing = ""
    if existing:
        return existing
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process won the race: use its key
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(key + "\n")
    return key
