"""Charts' x-axis labels: at any number of months (1 to 24) and any label width, no two
labels overlap and none leaves the chart; the latest month is always labelled. Checked
on boxes worked out from the SVG with a width per character, and on the boxes a real
Chromium measures (``getBBox``) with the stylesheet's font."""

from __future__ import annotations

import calendar
import itertools
import re
from collections.abc import Callable

import pytest

from odx_graph.web.charts import HEIGHT
from odx_graph.web.charts import WIDTH
from odx_graph.web.charts import line_chart
from tests.browser import chromium
from tests.browser import screenshot

# Advance widths at 12px: about 0.6em for digits in common sans-serif fonts, capitals a
# little wider; this test's own measure, kept apart from the chart's estimate.
ADVANCE = {"digit": 7.2, "upper": 9.0, "lower": 7.0, "space": 3.5, "other": 7.2}
LABEL_FORMATS: dict[str, Callable[[int, int], str]] = {
    "iso month": lambda y, m: f"{y}-{m:02d}",
    "short month": lambda y, m: f"{calendar.month_abbr[m]} {y}",
    "long month": lambda y, m: f"{calendar.month_name[m]} {y}",
}


def _months(count: int, label: str) -> list[tuple[str, float | None]]:
    fmt = LABEL_FORMATS[label]
    return [(fmt(2024 + (i // 12), i % 12 + 1), float(i % 5) or None) for i in range(count)]


def _advance(c: str) -> float:
    if c.isdigit():
        return ADVANCE["digit"]
    if c == " ":
        return ADVANCE["space"]
    return ADVANCE["upper" if c.isupper() else "lower" if c.islower() else "other"]


def _axis_boxes(svg: str) -> list[tuple[str, float, float]]:
    """Each x-axis label's text and the left and right of its box, from the SVG."""
    boxes = []
    for x, anchor, text in re.findall(
        rf'<text x="([\d.]+)" y="{HEIGHT - 12}" text-anchor="(\w+)">([^<]*)</text>', svg
    ):
        width = sum(_advance(c) for c in text)
        left = {"start": 0.0, "middle": width / 2, "end": width}[anchor]
        boxes.append((text, float(x) - left, float(x) - left + width))
    return boxes


@pytest.mark.parametrize("label", sorted(LABEL_FORMATS))
def test_axis_labels_never_overlap(label: str) -> None:
    """From 1 to 24 months, in three label widths: boxes in order, apart, inside the
    chart, the first and last months labelled whenever there is room for both."""
    for count in range(1, 25):
        points = _months(count, label)
        boxes = _axis_boxes(str(line_chart("c", "t", "d", points)))
        assert boxes, count
        assert boxes[-1][0] == points[-1][0], count  # the latest month
        for (_, _, right), (_, left, _) in itertools.pairwise(boxes):
            assert right < left, (count, boxes)
        assert boxes[0][1] >= 0 and boxes[-1][2] <= WIDTH, (count, boxes)
        if count > 1 and label == "iso month":
            assert len(boxes) >= min(count, 6), (count, boxes)


def test_one_month_and_an_empty_chart() -> None:
    """One month is one label; no months, no labels."""
    assert [b[0] for b in _axis_boxes(str(line_chart("c", "t", "d", [("2026-06", 1.0)])))] == [
        "2026-06"
    ]
    assert _axis_boxes(str(line_chart("c", "t", "d", []))) == []


async def test_axis_labels_apart_in_chromium() -> None:
    """The boxes Chromium draws the labels in (the stylesheet's font) never overlap and
    stay in the chart, from 1 to 24 months, in each label width."""
    async with chromium() as browser:
        page = await browser.new_page(viewport={"width": 700, "height": 300})
        for label in sorted(LABEL_FORMATS):
            for count in range(1, 25):
                svg = str(line_chart("c", "t", "d", _months(count, label)))
                await page.set_content(
                    "<style>body{margin:0}svg{width:640px}"
                    "text{font:12px system-ui,sans-serif}</style>" + svg
                )
                boxes = await page.evaluate(
                    f"""() => [...document.querySelectorAll('text[y="{HEIGHT - 12}"]')]
                        .map(t => {{ const b = t.getBBox(); return [b.x, b.x + b.width]; }})"""
                )
                assert boxes, (label, count)
                for (_, right), (left, _) in itertools.pairwise(boxes):
                    assert right < left, (label, count, boxes)
                assert boxes[0][0] >= 0 and boxes[-1][1] <= WIDTH, (label, count, boxes)
                if count in (14, 24):
                    await screenshot(page, f"chart-{label.replace(' ', '-')}-{count}")
