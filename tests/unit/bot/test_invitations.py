"""Invitation links and QR codes, and the sealed list the print form carries."""

from __future__ import annotations

import cv2
import numpy as np

from bot.invitations import Invitation, make_invitation, open_sealed, qr_png, seal
from bot.settings import Settings

KEY = "k" * 32


def _settings(**extra: str) -> Settings:
    return Settings(secret_key=KEY, public_url="https://baocao.example.vn", **extra)


def test_links_and_the_qr_code_decode_to_the_web_chat_link() -> None:
    invitation = make_invitation(_settings(), "Sở Y tế", "SYT", "7K4P-Q2XM-AB3", None)
    assert invitation.web_link == "https://baocao.example.vn/chat?start=7K4P-Q2XM-AB3"
    assert invitation.telegram_link is None and invitation.zalo_link is None
    assert invitation.qr_link == invitation.web_link
    image = cv2.imdecode(np.frombuffer(qr_png(invitation.qr_link), np.uint8), cv2.IMREAD_COLOR)
    assert cv2.QRCodeDetector().detectAndDecode(image)[0] == invitation.web_link


def test_telegram_deep_link_is_preferred_for_the_qr_code_and_zalo_is_listed() -> None:
    invitation = make_invitation(_settings(zalo_oa_link="https://zalo.me/123"), "Sở Y tế",
                                 "SYT", "7K4P-Q2XM-AB3", "baocao_dongnai_bot")
    assert invitation.qr_link == "https://t.me/baocao_dongnai_bot?start=7K4P-Q2XM-AB3"
    assert invitation.zalo_link == "https://zalo.me/123"


def test_sealed_list_round_trips_and_refuses_forged_or_expired_values() -> None:
    items = [Invitation("Sở Y tế", "SYT", "7K4P-Q2XM-AB3", "https://x/chat?start=1")]
    sealed = seal(KEY, items, now=1000.0)
    assert open_sealed(KEY, sealed, now=1001.0) == items
    assert open_sealed("other" * 8, sealed, now=1001.0) == []
    assert open_sealed(KEY, sealed[:-1] + ("0" if sealed[-1] != "0" else "1"), now=1001) == []
    assert open_sealed(KEY, sealed, now=1000.0 + 5 * 3600) == []
    assert open_sealed(KEY, "garbage", now=1001.0) == []
