"""Charts drawn on the server as inline SVG: nothing to load, nothing run in the browser.

A stacked bar per bucket (successes below, errors on top) with a title per bar that the
browser shows on hover, and text alternatives for screen readers. Every label is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from markupsafe import Markup, escape

OK_COLOUR = "#2e7d32"
ERROR_COLOUR = "#c62828"


def bar_chart(
    points: Sequence[tuple[datetime, int, int]],
    *,
    title: str,
    label_format: str,
    width: int = 360,
    height: int = 120,
) -> Markup:
    """Stacked bars of (bucket start, successes, errors)."""
    top = max((s + e for _, s, e in points), default=0) or 1
    gap = 2
    left, bottom = 28, 16
    plot_w, plot_h = width - left, height - bottom
    bar_w = max((plot_w - gap * len(points)) / max(len(points), 1), 1)
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="10" class="axis">{top}</text>',
        f'<text x="0" y="{plot_h}" class="axis">0</text>',
        f'<line x1="{left}" y1="{plot_h}" x2="{width}" y2="{plot_h}" class="base"/>',
    ]
    for i, (start, ok, bad) in enumerate(points):
        x = left + i * (bar_w + gap)
        ok_h = plot_h * ok / top
        bad_h = plot_h * bad / top
        label = escape(f"{start.strftime(label_format)}: {ok} ok, {bad} errors")
        parts.append(f"<g><title>{label}</title>")
        parts.append(
            f'<rect x="{x:.1f}" y="{plot_h - ok_h:.1f}" width="{bar_w:.1f}" '
            f'height="{ok_h:.1f}" fill="{OK_COLOUR}"/>'
        )
        if bad:
            parts.append(
                f'<rect x="{x:.1f}" y="{plot_h - ok_h - bad_h:.1f}" width="{bar_w:.1f}" '
                f'height="{bad_h:.1f}" fill="{ERROR_COLOUR}" class="errors"/>'
            )
        parts.append("</g>")
    if points:
        first, last = points[0][0], points[-1][0]
        parts.append(
            f'<text x="{left}" y="{height - 2}" class="axis">'
            f"{escape(first.strftime(label_format))}</text>"
        )
        parts.append(
            f'<text x="{width}" y="{height - 2}" class="axis" text-anchor="end">'
            f"{escape(last.strftime(label_format))}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (built from escaped parts and numbers)


def rate_bar(rate: float | None, *, width: int = 80) -> Markup:
    """A small horizontal bar for a success rate in [0, 1]."""
    if rate is None:
        return Markup('<span class="muted">-</span>')
    filled = max(0.0, min(rate, 1.0)) * width
    colour = OK_COLOUR if rate >= 0.95 else ERROR_COLOUR
    return Markup(  # noqa: S704 (numbers only)
        f'<svg class="rate" width="{width}" height="8" role="img" '
        f'aria-label="{rate * 100:.1f}%" xmlns="http://www.w3.org/2000/svg">'
        f'<rect width="{width}" height="8" fill="#e0e0e0"/>'
        f'<rect width="{filled:.1f}" height="8" fill="{colour}"/></svg>'
    )
