"""Widths and line breaks of the Decree 30 header, from the measured text.

The left column (governing body, agency, number) is as wide as its longest line
needs, so "SỞ KHOA HỌC VÀ CÔNG NGHỆ" and "SỞ THÔNG TIN VÀ TRUYỀN THÔNG" stay on one
line; a name too long for what the right column leaves ("SỞ NÔNG NGHIỆP VÀ PHÁT
TRIỂN NÔNG THÔN") is broken between words at a natural place — before "VÀ" when
that fits, otherwise where the lines are most even — never inside a word group
like "CÔNG / NGHỆ" when a better break exists. The header table may reach into
the wide left margin (30 mm) by :data:`MAX_OUTDENT` to keep a name on one line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from renderers.textwidth import text_width_twips

__all__ = ["HeaderLayout", "break_name", "header_layout", "issues_in_own_name"]

MIN_LEFT = 3686  # 6.5 cm, what short names get (as before)
MAX_OUTDENT = 567  # 1 cm into the 3 cm left margin at most
PAD = 2 * 57 + 60  # cell margins and the width estimate's error
SIZE = 13
# A line may well start with a conjunction or an administrative unit ("VÀ CÔNG
# NGHỆ", "TỈNH ĐỒNG NAI", "KHU CÔNG NGHIỆP") ...
NATURAL_BREAK_WORDS = ("VÀ", "VỀ", "CỦA", "THUỘC", "TỈNH", "HUYỆN", "QUẬN", "THỊ", "THÀNH",
                       "PHƯỜNG", "XÃ", "KHU", "TRUNG", "BAN", "PHÒNG")
_BREAK_BONUS = 700  # twips of unevenness a break before "VÀ" is worth
# ... but never inside the two syllables of one word of an agency name.
_COMPOUNDS = frozenset(
    ("CÔNG NGHỆ", "CÔNG NGHIỆP", "CÔNG THƯƠNG", "THÔNG TIN", "TRUYỀN THÔNG", "NÔNG THÔN",
     "NÔNG NGHIỆP", "PHÁT TRIỂN", "NHÂN DÂN", "KHOA HỌC", "QUẢN LÝ", "VĂN PHÒNG", "TÀI CHÍNH",
     "KẾ HOẠCH", "ĐẦU TƯ", "GIÁO DỤC", "ĐÀO TẠO", "Y TẾ", "TƯ PHÁP", "NỘI VỤ", "NGOẠI VỤ",
     "XÂY DỰNG", "GIAO THÔNG", "VẬN TẢI", "TÀI NGUYÊN", "MÔI TRƯỜNG", "VĂN HÓA", "THỂ THAO",
     "DU LỊCH", "LAO ĐỘNG", "THƯƠNG BINH", "XÃ HỘI", "DÂN TỘC", "THANH TRA", "ĐỒNG NAI",
     "QUẢNG TRỊ", "QUẢNG NGÃI", "TRUNG TÂM", "DỊCH VỤ", "HÀNH CHÍNH")
)
_COMPOUND_PENALTY = 2000

_PEOPLES_COMMITTEE = re.compile(r"^\s*(ủy|uỷ)\s+ban\s+nhân\s+dân\b|^\s*ubnd\b", re.IGNORECASE)


def issues_in_own_name(agency_name: str) -> bool:
    """A People's Committee signs in its own name: no governing body line above it."""
    return bool(_PEOPLES_COMMITTEE.match(agency_name))


@dataclass(frozen=True)
class HeaderLayout:
    left: int  # twips
    right: int
    outdent: int  # how far the table reaches into the left margin
    governing_body: str  # lines joined by "\n"
    agency: str


def _width(line: str, bold: bool) -> int:
    return text_width_twips(line, SIZE, bold=bold)


def break_name(name: str, limit: int, *, bold: bool) -> list[str]:
    """``name`` as lines no wider than ``limit`` twips, broken between words."""
    words = name.split()
    if not words or _width(name, bold) <= limit:
        return [name] if name else []
    best: tuple[float, list[str]] | None = None
    for cut in range(1, len(words)):
        first, second = " ".join(words[:cut]), " ".join(words[cut:])
        widths = (_width(first, bold), _width(second, bold))
        if max(widths) > limit:
            continue
        score = max(widths) - (_BREAK_BONUS if words[cut] in NATURAL_BREAK_WORDS else 0)
        if f"{words[cut - 1]} {words[cut]}" in _COMPOUNDS:
            score += _COMPOUND_PENALTY
        if best is None or score < best[0]:
            best = (score, [first, second])
    if best is not None:
        return best[1]
    # Three lines or more: fill greedily.
    lines: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}".strip()
        if current and _width(candidate, bold) > limit:
            lines.append(current)
            current = word
        else:
            current = candidate
    lines.append(current)
    return lines


def header_layout(
    text_width: int,
    *,
    governing_body: str,
    agency: str,
    number_line: str,
    right_lines: Sequence[tuple[str, float, bool]],
) -> HeaderLayout:
    """Column widths for the header; ``right_lines`` are (text, size, bold) of the right
    column (national title, motto, place and date)."""
    right_need = max(text_width_twips(t, s, bold=b) for t, s, b in right_lines) + PAD
    room = text_width + MAX_OUTDENT - right_need
    one_line = max(_width(agency, True), _width(governing_body, False),
                   _width(number_line, False)) + PAD
    if one_line <= room:
        left = max(MIN_LEFT, one_line)
        gov_lines, agency_lines = [governing_body], [agency]
    else:
        limit = room - PAD
        agency_lines = break_name(agency, limit, bold=True)
        gov_lines = break_name(governing_body, limit, bold=False)
        widest = max([_width(x, True) for x in agency_lines]
                     + [_width(x, False) for x in gov_lines]
                     + [_width(number_line, False)])
        left = max(MIN_LEFT, widest + PAD)
    total = max(text_width, left + right_need)
    right = total - left
    return HeaderLayout(left=left, right=right, outdent=total - text_width,
                        governing_body="\n".join(x for x in gov_lines if x),
                        agency="\n".join(agency_lines))
