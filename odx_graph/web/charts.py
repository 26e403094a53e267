"""Charts drawn on the server as SVG: each has a title and a description for screen
readers, and the page shows the same numbers in a table beside it, so nothing needs
JavaScript. Styling comes from the stylesheet (no inline style, for the CSP)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from markupsafe import Markup

WIDTH, HEIGHT = 640, 260
KM_PER_DEGREE_LATITUDE = 111.2
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 40


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
    every = max(1, math.ceil(len(points) / 6))
    for i, (label, _) in enumerate(points):
        if i % every == 0 or i == len(points) - 1:
            anchor = "end" if i == len(points) - 1 and i > 0 else "middle"
            parts.append(
                f'<text x="{x(i):.1f}" y="{HEIGHT - 12}" text-anchor="{anchor}">'
                f"{escape(label)}</text>"
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
