"""Charts drawn on the server as SVG: each has a title and a description for screen
readers, and the page shows the same numbers in a table beside it, so nothing needs
JavaScript. Styling comes from the stylesheet (no inline style, for the CSP)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

WIDTH, HEIGHT = 640, 260
KM_PER_DEGREE_LATITUDE = 111.2
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 40
FONT_PX = 12  # the stylesheet's size for chart text
LABEL_GAP = 8  # the least space between two axis labels
EDGE = 2  # the least space between a label and the edge of the chart


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5 or 5 times a power of ten that is at least ``value``."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value:
            return float(step * power)
    return float(10 * power)  # pragma: no cover: the loop always returns


def _number(value: float) -> str:
    return f"{value:g}"


def text_width(text: str) -> float:
    """A generous estimate of ``text``'s width at the charts' 12px sans-serif, in the
    SVG's units: wide enough for digits and capitals (about 0.6em in common fonts)."""
    return sum(FONT_PX * (0.3 if c == " " else 0.8 if c.isupper() else 0.62) for c in text)


@dataclass(frozen=True, slots=True)
class AxisLabel:
    """A label under the x axis: its text, the centre it is drawn at and its box's edges."""

    text: str
    centre: float
    left: float
    right: float


def axis_labels(xs: Sequence[float], texts: Sequence[str]) -> list[AxisLabel]:
    """The labels to draw under points at ``xs``: every ``k``-th counted back from the
    last (the latest month is always labelled), ``k`` the smallest that keeps the widest
    label clear of its neighbours; each kept inside the chart, and any that would then
    touch the one to its right left out, so no two boxes ever overlap."""
    if not texts:
        return []
    widest = max(text_width(t) for t in texts)
    step = (xs[-1] - xs[0]) / (len(xs) - 1) if len(xs) > 1 else float(WIDTH)
    every = max(1, math.ceil((widest + LABEL_GAP) / step)) if step > 0 else len(xs)
    kept: list[AxisLabel] = []
    for i in range(len(xs) - 1, -1, -every):
        half = text_width(texts[i]) / 2
        centre = min(max(xs[i], half + EDGE), WIDTH - half - EDGE)
        label = AxisLabel(texts[i], centre, centre - half, centre + half)
        if not kept or label.right + LABEL_GAP <= kept[-1].left:
            kept.append(label)
    return kept[::-1]


def line_chart(
    chart_id: str,
    title: str,
    description: str,
    points: Sequence[tuple[str, float | None]],
    *,
    maximum: float | None = None,
) -> Markup:
    """A line of ``(label, value)`` points; ``None`` values (protected or missing) leave
    a gap rather than drop to zero."""
    values = [v for _, v in points if v is not None]
    top = maximum if maximum is not None else nice_ceiling(max(values, default=0.0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(points) - 1, 1)

    def x(i: int) -> float:
        return LEFT + i * step

    def y(v: float) -> float:
        return TOP + plot_h * (1 - min(v, top) / top)

    parts = [
        f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" id="{chart_id}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]
    for tick in range(5):
        v = top * tick / 4
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(v):.1f}" '
            f'y2="{y(v):.1f}"/><text x="{LEFT - 6}" y="{y(v) + 4:.1f}" '
            f'text-anchor="end">{_number(v)}</text>'
        )
    parts.append(
        f'<line class="axis" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{TOP + plot_h}" '
        f'y2="{TOP + plot_h}"/>'
    )
    for label in axis_labels([x(i) for i in range(len(points))], [p[0] for p in points]):
        parts.append(
            f'<text x="{label.centre:.1f}" y="{HEIGHT - 12}" text-anchor="middle">'
            f"{escape(label.text)}</text>"
        )
    run: list[str] = []
    runs: list[list[str]] = []
    for i, (_, value) in enumerate(points):
        if value is None:
            if run:
                runs.append(run)
            run = []
            continue
        run.append(f"{x(i):.1f},{y(value):.1f}")
        parts.append(f'<circle class="point" cx="{x(i):.1f}" cy="{y(value):.1f}" r="3.5"/>')
    if run:
        runs.append(run)
    parts += [f'<polyline class="series" points="{" ".join(r)}"/>' for r in runs if len(r) > 1]
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it is escaped above


def point_map(
    chart_id: str,
    title: str,
    description: str,
    points: Sequence[tuple[float, float, str]],
    *,
    size: int = 480,
) -> Markup:
    """Points at ``(latitude, longitude, label)`` on a plain square map fitted to them
    (no tiles: it works offline). Longitude is scaled by the cosine of the middle
    latitude, so distances look right at British latitudes."""
    parts = [
        f'<svg viewBox="0 0 {size} {size}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" id="{chart_id}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
        f'<rect class="land" x="0" y="0" width="{size}" height="{size}"/>',
    ]
    if points:
        lats = [p[0] for p in points]
        lons = [p[1] for p in points]
        middle = (min(lats) + max(lats)) / 2
        scale_x = math.cos(math.radians(middle))
        span = max((max(lons) - min(lons)) * scale_x, max(lats) - min(lats), 0.005)
        margin = 24
        inner = size - 2 * margin
        cx = (min(lons) + max(lons)) / 2
        # A scale bar of a round number of metres, about a quarter of the width.
        metres_per_px = span * KM_PER_DEGREE_LATITUDE * 1000 / inner
        bar_m = nice_ceiling(size / 4 * metres_per_px) / 2
        bar_px = bar_m / metres_per_px
        bar_text = f"{bar_m / 1000:g} km" if bar_m >= 1000 else f"{bar_m:g} m"
        parts.append(
            f'<line class="axis" x1="{margin}" x2="{margin + bar_px:.1f}" '
            f'y1="{size - 12}" y2="{size - 12}"/>'
            f'<text x="{margin}" y="{size - 18}">{bar_text}</text>'
            f'<text x="{size - margin}" y="{margin}" text-anchor="end">N ↑</text>'
        )
        for lat, lon, label in points:
            px = size / 2 + (lon - cx) * scale_x / span * inner
            py = size / 2 - (lat - middle) / span * inner
            parts.append(
                f'<circle class="point" cx="{px:.1f}" cy="{py:.1f}" r="5">'
                f"<title>{escape(label)}</title></circle>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it is escaped above
