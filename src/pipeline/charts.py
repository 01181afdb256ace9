"""Inline SVG charts for the report: no script, no external resource, every text escaped."""

from __future__ import annotations

from markupsafe import Markup, escape

WIDTH = 600
HEIGHT = 120
MARGIN_LEFT = 32
MARGIN_BOTTOM = 18
MARGIN_TOP = 8


def volume_svg(topic: str, series: list[tuple[str, int]], highlight_day: str | None = None) -> Markup:
    """A bar chart of daily counts (oldest first); the highlighted day (a spike) drawn in another colour."""
    label = escape(f"{topic}: articles per day")
    if not series:
        return Markup(f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{label}" '
                      f'width="{WIDTH}" height="{HEIGHT}"></svg>')
    peak = max(max(n for _, n in series), 1)
    plot_w = WIDTH - MARGIN_LEFT - 4
    plot_h = HEIGHT - MARGIN_BOTTOM - MARGIN_TOP
    step = plot_w / len(series)
    bar = max(step - 2, 1.0)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-label="{label}" '
             f'width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}">',
             f"<title>{label}</title>",
             f'<line x1="{MARGIN_LEFT}" y1="{MARGIN_TOP + plot_h}" x2="{WIDTH - 4}" y2="{MARGIN_TOP + plot_h}" '
             'stroke="#8a94a8" stroke-width="1"/>',
             f'<text x="{MARGIN_LEFT - 4}" y="{MARGIN_TOP + 8}" text-anchor="end" font-size="10" '
             f'fill="#5a6478">{peak}</text>',
             f'<text x="{MARGIN_LEFT - 4}" y="{MARGIN_TOP + plot_h}" text-anchor="end" font-size="10" '
             'fill="#5a6478">0</text>']
    for i, (day, count) in enumerate(series):
        h = plot_h * count / peak
        x = MARGIN_LEFT + i * step + 1
        y = MARGIN_TOP + plot_h - h
        colour = "#d9480f" if day == highlight_day else "#4c6ef5"
        parts.append(f'<rect class="bar" data-day="{escape(day)}" data-count="{count}" x="{x:.1f}" y="{y:.1f}" '
                     f'width="{bar:.1f}" height="{h:.1f}" fill="{colour}"><title>{escape(day)}: {count}</title></rect>')
    first, last = series[0][0], series[-1][0]
    parts.append(f'<text x="{MARGIN_LEFT}" y="{HEIGHT - 4}" font-size="10" fill="#5a6478">{escape(first)}</text>')
    parts.append(f'<text x="{WIDTH - 4}" y="{HEIGHT - 4}" text-anchor="end" font-size="10" '
                 f'fill="#5a6478">{escape(last)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
