"""Approximate printed width of a line of Times New Roman text.

Used to size the short rules under the agency name, the motto and the subject
(Decree 30 draws them as a fraction of the text length). The widths are the
classic Times advance widths in 1/1000 em; Vietnamese letters are measured as
their base Latin letter (diacritics do not change the advance).
"""

from __future__ import annotations

import unicodedata

# Advance widths (1/1000 em) for Times Roman / Times Bold.
_UPPER_REGULAR = dict(
    zip(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        (
            722,
            667,
            667,
            722,
            611,
            556,
            722,
            722,
            333,
            389,
            722,
            611,
            889,
            722,
            722,
            556,
            722,
            667,
            556,
            611,
            722,
            722,
            944,
            722,
            722,
            611,
        ),
        strict=True,
    )
)
_LOWER_REGULAR = dict(
    zip(
        "abcdefghijklmnopqrstuvwxyz",
        (
            444,
            500,
            444,
            500,
            444,
            333,
            500,
            500,
            278,
            278,
            500,
            278,
            778,
            500,
            500,
            500,
            500,
            333,
            389,
            278,
            500,
            500,
            722,
            500,
            500,
            444,
        ),
        strict=True,
    )
)
_UPPER_BOLD = dict(
    zip(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        (
            722,
            667,
            722,
            722,
            667,
            611,
            778,
            778,
            389,
            500,
            778,
            667,
            944,
            722,
            778,
            611,
            778,
            722,
            556,
            667,
            722,
            722,
            1000,
            722,
            722,
            667,
        ),
        strict=True,
    )
)
_LOWER_BOLD = dict(
    zip(
        "abcdefghijklmnopqrstuvwxyz",
        (
            500,
            556,
            444,
            556,
            444,
            333,
            500,
            556,
            278,
            333,
            556,
            278,
            833,
            556,
            500,
            556,
            556,
            444,
            389,
            333,
            556,
            500,
            722,
            500,
            500,
            444,
        ),
        strict=True,
    )
)
_OTHER = {
    " ": 250,
    ".": 250,
    ",": 250,
    ":": 333,
    ";": 333,
    "-": 333,
    "/": 278,
    "(": 333,
    ")": 333,
    "%": 1000,
    "&": 833,
    "…": 1000,
    "*": 500,
    "+": 570,
    "\ue000": 0,  # renderers.percent.MARK: never printed
}
_DEFAULT = 500  # digits and anything unknown


def _base_letter(ch: str) -> str:
    if ch in "đĐ":
        return "d" if ch == "đ" else "D"
    decomposed = unicodedata.normalize("NFD", ch)
    return decomposed[0] if decomposed else ch


def _char_units(ch: str, bold: bool) -> int:
    """Width of one character in 1/1000 of the font size."""
    base = _base_letter(ch)
    upper = _UPPER_BOLD if bold else _UPPER_REGULAR
    lower = _LOWER_BOLD if bold else _LOWER_REGULAR
    return upper.get(base) or lower.get(base) or _OTHER.get(base, _DEFAULT)


class _Units(dict[str, int]):
    """Character → width, filled on first sight (tables measure every cell, and the
    characters of Vietnamese text are few); at most ``_CACHED`` characters kept."""

    def __init__(self, bold: bool) -> None:
        super().__init__()
        self.bold = bold

    def __missing__(self, ch: str) -> int:
        units = _char_units(ch, self.bold)
        if len(self) < _CACHED:
            self[ch] = units
        return units


_CACHED = 4096
_UNITS = {False: _Units(False), True: _Units(True)}


def text_width_twips(text: str, size_pt: float, *, bold: bool = False) -> int:
    """Estimated width of ``text`` set in Times New Roman at ``size_pt`` (in twips)."""
    units = sum(map(_UNITS[bool(bold)].__getitem__, text))
    # 1 pt = 20 twips; units are 1/1000 of the font size.
    return round(units * size_pt * 20 / 1000)


def word_widths(words: list[str], size_pt: float, *, bold: bool = False) -> list[int]:
    """:func:`text_width_twips` of each of ``words`` (one call for a paragraph's words:
    a roll-up measures millions)."""
    width = _UNITS[bool(bold)].__getitem__
    return [round(sum(map(width, word)) * size_pt * 20 / 1000) for word in words]
