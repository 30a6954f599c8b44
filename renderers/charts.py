"""Bar charts for the roll-up, drawn with matplotlib's Agg canvas into PNG bytes.

No pyplot: each chart is its own :class:`Figure` on a :class:`FigureCanvasAgg`.
The fonts are set with ``matplotlib.rc_context``, which changes matplotlib's global
settings for the time of the drawing, and matplotlib is not thread-safe: charts are
drawn one at a time (a lock), so the same chart always gives the same PNG bytes.
matplotlib is imported on first use (it takes a moment to load).
"""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from dialogs.vn import format_percent

__all__ = ["ChartSpec", "bar_chart_png"]

DPI = 110
WIDTH_IN = 6.3  # about 16 cm: the text width of an A4 portrait page
BAR_IN = 0.24  # height of one agency's bar
MAX_HEIGHT_IN = 8.6
BAR_HEIGHT = 0.7  # of the space between two bars
BAR_COLOR = "#3b6ea8"
TICK_PT = 3.5  # matplotlib's default tick length and label pad
#: Above this many agencies their names beside the bars overprint one another (a
#: black smear, and most of the drawing time of a national roll-up: 14 s a chart at
#: 4,080 agencies): the bars are drawn without names; the table beside has them.
MAX_NAMED = 150


@dataclass(frozen=True)
class ChartSpec:
    """A horizontal bar per agency (a percentage) and the province's value as a line."""

    title: str
    labels: list[str]  # agency abbreviations, in table order
    values: list[float | None]  # 0-100; None: not computable (0/0)
    total: float | None  # the province's ratio of totals
    total_label: str = "Toàn tỉnh"
    #: decimals of every share the chart prints (the document's); None: the most any
    #: of its values has
    places: int | None = None

    def decimals(self) -> int:
        """The number of decimals every value label of the chart prints."""
        if self.places is not None:
            return self.places
        shares = [v for v in [*self.values, self.total] if v is not None]
        return max((_decimals(format_percent(v)) for v in shares), default=0)


def _decimals(text: str) -> int:
    return len(text[:-1].split(",", 1)[1]) if "," in text else 0


def _vn(value: float, places: int = 0) -> str:
    """A share as the document prints it, padded to ``places`` decimals ("92,90%")."""
    text = format_percent(value)
    if places > _decimals(text):
        whole, _, frac = text[:-1].partition(",")
        text = f"{whole},{frac.ljust(places, '0')}%"
    return text


# Times New Roman as in the document (Liberation Serif has its metrics where it is
# missing); DejaVu Serif as the last resort still has every Vietnamese letter.
FONT_RC = {
    "font.family": "serif",
    "font.serif": ["Times New Roman", "Liberation Serif", "DejaVu Serif"],
}


#: One chart drawn at a time in a process (see the module's docstring).
_DRAWING = threading.Lock()


def bar_chart_png(spec: ChartSpec) -> bytes:
    """The chart as PNG bytes, in Times New Roman with Vietnamese number format."""
    import logging

    import matplotlib

    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)  # missing TNR
    with _DRAWING, matplotlib.rc_context(FONT_RC):
        return _draw(spec)


def _draw(spec: ChartSpec) -> bytes:
    """The chart as PNG bytes.

    Drawn with few artists: the bars are one collection and the agency names plain
    texts beside the axis, not one bar patch and one axis tick per agency (a tick is
    several artists, and with 100 agencies they made up most of the drawing time).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import PolyCollection
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.markers import TICKLEFT
    from matplotlib.ticker import FuncFormatter
    from matplotlib.transforms import ScaledTranslation

    count = max(1, len(spec.labels))
    height = min(MAX_HEIGHT_IN, max(2.4, 1.2 + BAR_IN * count))
    font = 8 if count <= 40 else 6
    figure = Figure(figsize=(WIDTH_IN, height), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot(1, 1, 1)
    values = [v if v is not None else 0.0 for v in spec.values] or [0.0]
    labels = list(spec.labels) or [""]
    half = BAR_HEIGHT / 2
    axes.add_collection(
        PolyCollection(
            [((0, y - half), (0, y + half), (v, y + half), (v, y - half))
             for y, v in enumerate(values)],
            facecolors=BAR_COLOR, edgecolors="none", linewidths=0,
        ),
        autolim=False,
    )
    # The limits bar() and autoscaling would give (5 % margins), top bar first.
    low, high = -half, count - 1 + half
    margin = 0.05 * (high - low)
    axes.set_ylim(high + margin, low - margin)
    top = max([100.0, *values])
    axes.set_xlim(0, top * 1.12)
    axes.set_yticks([])
    # Agency names and tick marks where the y axis ticks would put them.
    positions = list(range(count))
    named = count <= MAX_NAMED
    if named:
        beside_axis = axes.get_yaxis_transform()
        axes.add_line(Line2D([0] * count, positions, linestyle="none", marker=TICKLEFT,
                             markersize=TICK_PT, markeredgewidth=0.8, color="black",
                             transform=beside_axis, clip_on=False))
        shifted = beside_axis + ScaledTranslation(-2 * TICK_PT / 72, 0,
                                                  figure.dpi_scale_trans)
        for y, label in zip(positions, labels, strict=False):
            axes.text(0, y, label, transform=shifted, ha="right", va="center_baseline",
                      fontsize=font, clip_on=False)
    axes.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: _vn(x)))
    axes.tick_params(axis="x", labelsize=font)
    places = spec.decimals()
    if count <= 40:
        for y, bar, value in zip(positions, values, spec.values, strict=False):
            text = _vn(value, places) if value is not None else "—"
            axes.text(bar + top * 0.01, y, text, va="center", fontsize=font)
    if spec.total is not None:
        axes.axvline(spec.total, color="#c0392b", linestyle="--", linewidth=1.2,
                     label=f"{spec.total_label}: {_vn(spec.total, places)}")
        # at the foot of the picture, below the axis labels, so it never covers a bar or
        # its value whatever the chart's height (the caption names the chart)
        figure.legend(loc="lower center", bbox_to_anchor=(0.5, 0.0), ncol=1, frameon=False,
                      fontsize=font + 1)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    # fixed margins instead of tight_layout (which draws the figure twice)
    longest = max((len(label) for label in labels), default=1) if named else 1
    left = min(0.45, 0.04 + 0.0105 * font * max(3, longest) / 8)
    # room below the axis (in inches): its tick labels, and the legend line if any
    bottom_in = 0.4 + (0.3 if spec.total is not None else 0.0)
    figure.subplots_adjust(left=left, right=0.97, top=0.97, bottom=min(0.4, bottom_in / height))
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def chart_labels(names: Sequence[str]) -> list[str]:
    return [n if len(n) <= 28 else n[:27] + "…" for n in names]
