"""Report titles as an officer would write them in a sentence.

A template's name ("Báo cáo kết quả … hằng năm") and a round's period label
("năm 2026") are written for different places; put side by side they read
"… hằng năm năm 2026", and after a verb "nộp báo cáo Báo cáo …". These helpers
compose them so no word doubles, for every template and period.
"""

from __future__ import annotations

import re

from dialogs.vn import fold

#: Words naming the cadence in a template's name, dropped when a period follows
#: (the period says it better: "hằng năm" + "năm 2026" -> "năm 2026").
_CADENCE = re.compile(r"\s+(?:hằng|hàng)\s+(?:năm|quý|tháng)$|\s+định kỳ$", re.IGNORECASE)
#: A trailing parenthesis listing the periods a template serves: "(quý, 6 tháng, 9 tháng)".
_PERIOD_LIST = re.compile(r"\s*\((?:[^()]*\b(?:quý|tháng|năm)\b[^()]*)\)$", re.IGNORECASE)
_DOC_KINDS = ("bao cao", "cong van", "ke hoach", "to trinh")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def collapse_doubled(text: str) -> str:
    """'năm năm 2026' -> 'năm 2026' (a word repeated right after itself, any case)."""
    words = text.split(" ")
    out: list[str] = []
    for word in words:
        if out and word and fold(out[-1]) == fold(word) and word.isalpha():
            continue
        out.append(word)
    return " ".join(out)


def report_title(name: str, period: str) -> str:
    """The report's title: 'Báo cáo kết quả … năm 2026' (capitalised, for headings)."""
    base = name.strip()
    if period:
        base = _PERIOD_LIST.sub("", base)
        base = _CADENCE.sub("", base)
    title = f"{base} {period}".strip()
    return collapse_doubled(title)


def report_phrase(name: str, period: str) -> str:
    """The title after a verb: 'nộp {phrase}' -> 'nộp báo cáo kết quả … năm 2026'.
    Titles not naming a document kind get 'báo cáo' in front."""
    title = report_title(name, period)
    lowered = title[:1].lower() + title[1:]
    if not fold(lowered).startswith(_DOC_KINDS):
        lowered = f"báo cáo {lowered}"
    return lowered


def fill(text: str, **values: str) -> str:
    """``{period}``-style placeholders filled where a value is known; an unknown one
    is dropped with its surrounding space rather than shown raw."""

    def one(match: re.Match[str]) -> str:
        return values.get(match.group(1), "")

    filled = _PLACEHOLDER.sub(one, text)
    return re.sub(r"\s{2,}", " ", filled).strip()
