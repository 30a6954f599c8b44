"""Officers' phone numbers (for ZNS reminders): normalising, and the questions asked
once after binding. Pure: the engine asks, a :class:`PhoneBook` stores."""

from __future__ import annotations

import re
from typing import Any, Protocol

EXAMPLE = "0912 345 678"
ASK = ("Để nhận nhắc hạn qua tin nhắn Zalo (ZNS) gửi tới số điện thoại khi không trò "
       "chuyện được với bot, Anh/Chị nhập số di động của mình (ví dụ: " + EXAMPLE + "). "
       "Số chỉ dùng để nhắc hạn báo cáo. Không muốn cung cấp: gõ “bỏ qua”.")
SAVED = "Đã lưu số điện thoại {phone} để nhận nhắc hạn."
SKIPPED = "Đã bỏ qua. Anh/Chị vẫn nhận nhắc hạn trong cuộc trò chuyện này."


def normalize_phone(text: str) -> str | None:
    """A Vietnamese mobile number in international form without ``+`` (84912345678),
    or None: ``0912 345 678``, ``+84 912 345 678``, ``84912345678`` are accepted."""
    digits = re.sub(r"[\s.\-()]", "", text.strip())
    if digits.startswith("+"):
        digits = digits[1:]
    if not digits.isdigit():
        return None
    if digits.startswith("0"):
        digits = "84" + digits[1:]
    if not re.fullmatch(r"84[35789]\d{8}", digits):
        return None
    return digits


def problem(text: str) -> str:
    """The Vietnamese message for a malformed number."""
    return (f"Số điện thoại “{text.strip()[:30]}” chưa đúng. Anh/Chị nhập số di động "
            f"10 chữ số, ví dụ: {EXAMPLE}; hoặc gõ “bỏ qua”.")


def display(phone: str) -> str:
    """84912345678 → 0912 345 678."""
    local = "0" + phone[2:]
    return f"{local[:4]} {local[4:7]} {local[7:]}"


class PhoneBook(Protocol):
    async def save(self, uow: Any, officer_id: int, phone: str, source: str) -> None: ...

    async def from_agency(self, uow: Any, agency_id: int) -> str | None:
        """The number the agencies CSV gives for the agency, if any."""
        ...
