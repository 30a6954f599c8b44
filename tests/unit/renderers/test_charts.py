"""The roll-up's bar chart: the province's line and its legend stay in the picture
however many agencies there are."""

from __future__ import annotations

import io
import itertools

import pytest
from PIL import Image

from renderers.charts import ChartSpec, _vn, bar_chart_png

RED = (0xC0, 0x39, 0x2B)


def _red_rows(png: bytes) -> list[int]:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    width, height = image.size
    pixels = image.load()
    return [y for y in range(height)
            if any(sum(abs(a - b) for a, b in zip(pixels[x, y], RED, strict=True)) < 60
                   for x in range(0, width, 2))]


@pytest.mark.parametrize("count", [3, 100])
def test_legend_of_the_province_line_is_inside_the_picture(count: int) -> None:
    spec = ChartSpec("Tỷ lệ văn bản điện tử", [f"CQ{i}" for i in range(count)],
                     [50.0 + i % 50 for i in range(count)], 83.5)
    png = bar_chart_png(spec)
    height = Image.open(io.BytesIO(png)).size[1]
    rows = _red_rows(png)
    # the dashed line runs down the plot; its legend sample sits apart, at the foot
    assert rows and max(rows) > 0.85 * height
    gap = [b for a, b in itertools.pairwise(rows) if b - a > 10]
    assert gap, "the legend's red sample is drawn below the plot"


def test_no_line_and_no_legend_without_a_total() -> None:
    spec = ChartSpec("x", ["SCT", "STC"], [93.75, None], None)
    assert _red_rows(bar_chart_png(spec)) == []


def test_value_labels_print_one_number_of_decimals() -> None:
    spec = ChartSpec("x", ["SCT", "STC", "SNV"], [100.0, 92.9, 93.75], 95.5)
    assert spec.decimals() == 2
    assert [_vn(v, spec.decimals()) for v in spec.values] == ["100,00%", "92,90%", "93,75%"]
    assert _vn(95.5, spec.decimals()) == "95,50%"  # the province's line
    assert ChartSpec("x", ["A"], [100.0], None, places=1).decimals() == 1
    assert ChartSpec("x", ["A", "B"], [100.0, 50.0], None).decimals() == 0


def _dark_left_of_axis(png: bytes) -> int:
    """Dark pixels left of the y axis (the first column dark over half its height),
    where the agency names go."""
    image = Image.open(io.BytesIO(png)).convert("L")
    width, height = image.size
    pixels = image.load()
    dark = [sum(pixels[x, y] < 128 for y in range(height)) for x in range(width)]
    axis = next(x for x in range(width) if dark[x] > height // 2)
    return sum(dark[: max(0, axis - 2)])


def test_names_beside_the_bars_until_they_would_overprint() -> None:
    from renderers.charts import MAX_NAMED

    def chart(count: int) -> bytes:
        return bar_chart_png(ChartSpec("x", [f"Cơ quan số {i}" for i in range(count)],
                                       [50.0 + i % 50 for i in range(count)], 71.2))

    assert _dark_left_of_axis(chart(MAX_NAMED)) > 1000  # the names are drawn
    assert _dark_left_of_axis(chart(MAX_NAMED + 1)) < 100  # no smear of names ("0%" only)
