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


def _env(name: str) -> AliasChoices:
    """Read a setting from its conventional unprefixed name (or the field name)."""
    return AliasChoices(name, name.lower())


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="BAOCAO_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
    )

    database_url: str = "sqlite+aiosqlite:///./var/baocao.sqlite3"
    #: Wait for the disk on every commit (see storage.db.create_engine). Turning it off
    #: trades the last moments of answers on a power cut for faster turns.
    durable_commit: bool = True
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str = ""  # empty: http://<host>:<port> (127.0.0.1 for a wildcard host)
    secret_key: str = ""  # empty: generated once and kept in <data_dir>/secret.key
    timezone: str = "Asia/Ho_Chi_Minh"
    province: str = "Đồng Nai"
    collector: str = "Sở Khoa học và Công nghệ"
    data_dir: Path = Path("./var")
    #: folder of PEM/DER root certificates signed reports must chain to (empty: none trusted)
    trust_roots: Path | None = None
    log_level: str = "info"
    download_link_days: int = 7  # how long a document's download link works
    log_format: str = "text"  # "json": one JSON object per line (bot/logs.py), secrets hidden
    # Reminders (bot/reminders/): local send time, latest time a delayed reminder may
    # still go out, working days (mon…sun), public holidays ("MM-DD" every year or
    # "YYYY-MM-DD"), how often the scheduler looks for due reminders.
    reminder_time: str = "08:30"
    reminder_until: str = "17:00"
    working_days: str = "mon,tue,wed,thu,fri"
    holidays: str = "01-01,04-30,05-01,09-02"
    reminder_check_seconds: int = 120
    #: The Zalo OA's public link printed on invitations (e.g. https://zalo.me/<OA id>).
    zalo_oa_link: str = ""

    telegram_bot_token: str | None = Field(
        default=None, validation_alias=AliasChoices("TELEGRAM_BOT_TOKEN", "telegram_bot_token")
    )
    telegram_api_url: str = Field(
        default="https://api.telegram.org",
        validation_alias=AliasChoices("TELEGRAM_API_URL", "telegram_api_url"),
    )  # a self-hosted Bot API server: its root URL, e.g. http://127.0.0.1:8081
    telegram_webhook_url: str | None = Field(
        default=None, validation_alias=AliasChoices("TELEGRAM_WEBHOOK_URL", "telegram_webhook_url")
    )  # set: webhook mode (Telegram posts updates to this public URL); unset: long polling
    telegram_webhook_secret: str | None = Field(
        default=None,
        validation_alias=AliasChoices("TELEGRAM_WEBHOOK_SECRET", "telegram_webhook_secret"),
    )  # empty: derived from the secret key (same in every process)
    zalo_oa_access_token: str | None = Field(
        default=None,
        validation_alias=AliasChoices("ZALO_OA_ACCESS_TOKEN", "zalo_oa_access_token"),
    )
    zalo_bot_token: str | None = Field(
        default=None, validation_alias=AliasChoices("ZALO_BOT_TOKEN", "zalo_bot_token")
    )
    # Zalo Official Account (Open API v3); see bot/channels/zalo_oa/
    zalo_oa_app_id: str | None = Field(default=None, validation_alias=_env("ZALO_OA_APP_ID"))
    zalo_oa_secret_key: str | None = Field(  # the OA secret key: webhook signatures
        default=None, validation_alias=_env("ZALO_OA_SECRET_KEY")
    )
    zalo_oa_app_secret: str | None = Field(  # the app's secret key: token refresh
        default=None, validation_alias=_env("ZALO_OA_APP_SECRET")
    )
    zalo_oa_refresh_token: str | None = Field(
        default=None, validation_alias=_env("ZALO_OA_REFRESH_TOKEN")
    )
    zalo_oa_api_url: str = Field(
        default="https://openapi.zalo.me", validation_alias=_env("ZALO_OA_API_URL")
    )
    zalo_oauth_url: str = Field(
        default="https://oauth.zaloapp.com", validation_alias=_env("ZALO_OAUTH_URL")
    )
    zalo_oa_paid_quota: int = Field(  # paid OA messages a month (48 h – 7 days); 0: none
        default=0, validation_alias=_env("ZALO_OA_PAID_QUOTA")
    )
    # Zalo's domain verification: the verifier file Zalo gives (name and content),
    # served at the site root so the webhook's domain can be verified
    zalo_domain_verification_file: str = Field(
        default="", validation_alias=_env("ZALO_DOMAIN_VERIFICATION_FILE")
    )
    zalo_domain_verification_content: str = Field(
        default="", validation_alias=_env("ZALO_DOMAIN_VERIFICATION_CONTENT")
    )
    # ZNS template messages to officers' phones (bot/channels/zns.py): the approved
    # template's id and its parameters as JSON ({"param": "text" | "=fixed value"})
    zalo_zns_template_id: str = Field(default="", validation_alias=_env("ZALO_ZNS_TEMPLATE_ID"))
    zalo_zns_template_data: str = Field(
        default="", validation_alias=_env("ZALO_ZNS_TEMPLATE_DATA")
    )
    zalo_zns_api_url: str = Field(
        default="https://business.openapi.zalo.me", validation_alias=_env("ZALO_ZNS_API_URL")
    )
    # Zalo Bot Platform; see bot/channels/zalo_bot.py
    zalo_bot_api_url: str = Field(
        default="https://bot-api.zaloplatforms.com", validation_alias=_env("ZALO_BOT_API_URL")
    )
    zalo_bot_webhook_url: str = Field(  # empty: long polling
        default="", validation_alias=_env("ZALO_BOT_WEBHOOK_URL")
    )
    zalo_bot_webhook_secret: str = Field(
        default="", validation_alias=_env("ZALO_BOT_WEBHOOK_SECRET")
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

    @property
    def zalo_oa_configured(self) -> bool:
        """Every value the OA channel needs is set."""
        return all((self.zalo_oa_app_id, self.zalo_oa_secret_key, self.zalo_oa_app_secret,
                    self.zalo_oa_access_token, self.zalo_oa_refresh_token))

    def channel_status(self) -> list[str]:
        """One Vietnamese line per optional channel, for the startup banner."""
        lines = []
        for label, value, env in (
            ("Telegram", self.telegram_bot_token, "TELEGRAM_BOT_TOKEN"),
            ("Zalo OA", self.zalo_oa_configured, "ZALO_OA_APP_ID, ZALO_OA_SECRET_KEY, "
             "ZALO_OA_APP_SECRET, ZALO_OA_ACCESS_TOKEN, ZALO_OA_REFRESH_TOKEN"),
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
