"""Percentages that read the same everywhere: one number of decimals down a table
column, and the XLSX holding exactly the digits the DOCX prints.

The documents cut a share to two decimals (``dialogs.vn.format_percent``, as the
seeds do: 98,887…% is "98,88%"), and drop trailing zeros ("100%"). In a table that
gives "100%" above "93,75%"; :func:`uniform_percent_columns` pads such a column to
the longest number of decimals ("100,00%"). :func:`cut_percent` is the value the
XLSX stores, so Excel's ``0.00%`` shows 91,96% where the DOCX prints 91,96%
(storing the exact 0.919677… made Excel round it to 91,97%).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import ROUND_DOWN, Decimal

__all__ = ["PERCENT_DECIMALS", "cut_percent", "uniform_percent_columns"]

PERCENT_DECIMALS = 2
_PERCENT = re.compile(r"^(\d{1,3}(?:\.\d{3})*)(?:,(\d+))?%$")


def cut_percent(value: float | int | Decimal, decimals: int = PERCENT_DECIMALS) -> float:
    """A percentage (0-100 scale) cut, not rounded, to ``decimals`` places, after
    rounding away float noise (0,29 × 100 stays 29) — as ``format_percent`` does."""
    d = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    d = d.quantize(Decimal("1e-9"))
    return float(d.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_DOWN))


def _pad(text: str, places: int) -> str:
    match = _PERCENT.match(text)
    if match is None:
        return text
    whole, frac = match.group(1), match.group(2) or ""
    return f"{whole},{frac.ljust(places, '0')}%" if places else text


def uniform_percent_columns(
    rows: Sequence[Sequence[str]], total: Sequence[str] | None
) -> tuple[list[list[str]], list[str] | None]:
    """``rows`` (and the total row) with every percentage column printed with one
    number of decimals; other cells unchanged."""
    out = [list(r) for r in rows]
    total_out = list(total) if total is not None else None
    columns = max([len(r) for r in out] + [len(total_out or [])], default=0)
    for c in range(columns):
        cells = [r[c] for r in out if c < len(r)]
        if total_out is not None and c < len(total_out):
            cells.append(total_out[c])
        figures = [x for x in cells if any(ch.isdigit() for ch in x)]  # not "-", "—"
        matches = [_PERCENT.match(x) for x in figures]
        if not matches or any(m is None for m in matches):
            continue
        places = max(len(m.group(2) or "") for m in matches if m is not None)
        if not places:
            continue
        for r in out:
            if c < len(r) and r[c]:
                r[c] = _pad(r[c], places)
        if total_out is not None and c < len(total_out) and total_out[c]:
            total_out[c] = _pad(total_out[c], places)
    return out, total_out
