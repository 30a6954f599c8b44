"""Bar charts for the roll-up, drawn with matplotlib's Agg canvas into PNG bytes.

No pyplot and no global state: each chart is its own :class:`Figure` on a
:class:`FigureCanvasAgg`, so charts can be drawn from any thread. matplotlib is
imported on first use (it takes a moment to load).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from dialogs.vn import format_percent

__all__ = ["ChartSpec", "bar_chart_png"]

DPI = 110
WIDTH_IN = 6.3  # about 16 cm: the text width of an A4 portrait page
BAR_IN = 0.24  # height of one agency's bar
MAX_HEIGHT_IN = 8.6


@dataclass(frozen=True)
class ChartSpec:
    """A horizontal bar per agency (a percentage) and the province's value as a line."""

    title: str
    labels: list[str]  # agency abbreviations, in table order
    values: list[float | None]  # 0-100; None: not computable (0/0)
    total: float | None  # the province's ratio of totals
    total_label: str = "Toàn tỉnh"


def _vn(value: float) -> str:
    return format_percent(value)


def bar_chart_png(spec: ChartSpec) -> bytes:
    """The chart as PNG bytes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    count = max(1, len(spec.labels))
    height = min(MAX_HEIGHT_IN, max(2.4, 1.2 + BAR_IN * count))
    font = 8 if count <= 40 else 6
    figure = Figure(figsize=(WIDTH_IN, height), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot(1, 1, 1)
    positions = list(range(count))
    values = [v if v is not None else 0.0 for v in spec.values] or [0.0]
    labels = list(spec.labels) or [""]
    bars = axes.barh(positions, values, color="#3b6ea8", height=0.7)
    axes.set_yticks(positions)
    axes.set_yticklabels(labels, fontsize=font)
    axes.invert_yaxis()
    top = max([100.0, *values])
    axes.set_xlim(0, top * 1.12)
    axes.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: _vn(x)))
    axes.tick_params(axis="x", labelsize=font)
    if count <= 40:
        for bar, value in zip(bars, spec.values, strict=False):
            text = _vn(value) if value is not None else "—"
            axes.text(bar.get_width() + top * 0.01, bar.get_y() + bar.get_height() / 2, text,
                      va="center", fontsize=font)
    if spec.total is not None:
        axes.axvline(spec.total, color="#c0392b", linestyle="--", linewidth=1.2,
                     label=f"{spec.total_label}: {_vn(spec.total)}")
        # below the plot, so it never covers a bar or its value (the caption names the chart)
        axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=1, frameon=False,
                    fontsize=font + 1)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    # fixed margins instead of tight_layout (which draws the figure twice)
    longest = max((len(label) for label in labels), default=1)
    left = min(0.45, 0.04 + 0.0105 * font * max(3, longest) / 8)
    figure.subplots_adjust(left=left, right=0.97, top=0.97, bottom=min(0.4, 0.6 / height))
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def chart_labels(names: Sequence[str]) -> list[str]:
    return [n if len(n) <= 28 else n[:27] + "…" for n in names]
