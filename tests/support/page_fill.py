"""How full each page of a PDF is (poppler's ``pdftotext -bbox``), to check that a
landscape table page does not leave the portrait page before it mostly blank."""

from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from renderers.nd30 import PAGE

_PT = 20  # twips per point
#: What may begin a page after a section's end: the closing and an appendix.
SECTION_STARTS = ("Nơi nhận", "Phụ lục")


@dataclass(frozen=True)
class PageFill:
    number: int  # 1-based
    landscape: bool
    fill: float  # share of the text area's height down to the last line


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def page_fills(pdf: Path) -> list[PageFill]:
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True,
                         check=True, timeout=120).stdout.decode("utf-8")
    out = re.sub(r"<!DOCTYPE[^>]*>", "", out)
    root = ET.fromstring(out)
    fills = []
    for n, page in enumerate(root.iter("{http://www.w3.org/1999/xhtml}page"), start=1):
        width, height = float(page.get("width", 0)), float(page.get("height", 0))
        top, bottom = PAGE.top / _PT, PAGE.bottom / _PT
        # words below the top margin (the page number sits in it)
        ends = [float(w.get("yMax", 0)) for w in page.iter("{http://www.w3.org/1999/xhtml}word")
                if float(w.get("yMin", 0)) >= top - 2]
        fill = (max(ends) - top) / (height - top - bottom) if ends else 0.0
        fills.append(PageFill(n, width > height, fill))
    return fills


def _starts_section(page: str, starts: Iterable[str]) -> bool:
    lines = [x.strip() for x in page.splitlines() if x.strip()]
    if lines and lines[0].isdigit():
        lines = lines[1:]
    head = _norm(" ".join(lines[:4]))
    return any(head.startswith(_norm(s)[:40]) for s in starts if _norm(s))


def short_pages_before_landscape(pdf: Path, pages: list[str], headings: Iterable[str],
                                 minimum: float = 0.6) -> list[tuple[int, float]]:
    """(page number, fill) of each portrait page followed by a landscape page that is
    less than ``minimum`` full while the text could have flowed: the section goes on
    after the landscape page(s) (the next portrait page does not start with a heading,
    the closing or an appendix, and the landscape page does not start with a heading)."""
    fills = page_fills(pdf)
    starts = [*headings, *SECTION_STARTS]
    short = []
    for i in range(1, len(fills)):
        before, here = fills[i - 1], fills[i]
        if before.landscape or not here.landscape or before.fill >= minimum:
            continue
        if _starts_section(pages[i], starts):
            continue
        after = next((j for j in range(i, len(fills)) if not fills[j].landscape), None)
        if after is None or _starts_section(pages[after], starts):
            continue
        short.append((before.number, round(before.fill, 2)))
    return short
