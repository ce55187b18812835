"""Horizontal bar charts and progress bars as geometry for server-drawn SVG (``dashboard.html``).

Each row is its label, wrapped into lines as wide as the chart, above its bar, and the value's text has a column of
its own to the right of the longest bar: a chart is about 360 px wide, so on a phone it is drawn at (nearly) its
own size and its 12 px text stays readable, and no text leaves the view box. Widths are estimated from the
characters: at 12 px sans-serif a character is at most ~7.5 px wide in the wide letters of the four languages (the
skill-gap chart's budget, checked in Chromium by the dashboard's browser test)."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

CHARACTER = 7.5  # px a character may take at 12 px
BAR, GAP, LINE = 18, 12, 15
PAD = 4  # not 0 at the left: a "T" reaches a pixel left of its origin (measured in Chromium)
BAR_WIDTH = 220


@dataclass(frozen=True)
class Bar:
    label: str
    value: float  # the bar's length, in the chart's unit
    text: str  # what is written after the bar ("125 of 200 (62.5%)")
    maximum: float | None = None  # a progress bar's whole (its track); None for a plain bar


def chart(bars: list[Bar]) -> dict:
    """The SVG geometry of ``bars``: one row each, a track behind progress bars, every text inside the view box."""
    scale_to = max([b.maximum or b.value for b in bars] + [1.0])
    value_width = round(max([len(b.text) for b in bars] + [4]) * CHARACTER) + PAD
    width = PAD + BAR_WIDTH + 2 * PAD + value_width
    per_line = int((width - PAD) / CHARACTER)
    rows, y = [], 0.0
    for bar in bars:
        lines = textwrap.wrap(bar.label, per_line, break_long_words=True) or [bar.label or "-"]
        bar_y = y + len(lines) * LINE + 3
        track = BAR_WIDTH * (bar.maximum / scale_to) if bar.maximum is not None else None
        shown = min(bar.value, bar.maximum) if bar.maximum is not None else bar.value
        rows.append(
            {
                "label": bar.label,
                "lines": [{"text": t, "y": round(y + (i + 1) * LINE - 3, 1)} for i, t in enumerate(lines)],
                "y": round(bar_y, 1),
                "width": round(max(BAR_WIDTH * shown / scale_to, 0.0), 1),
                "track": round(track, 1) if track is not None else None,
                "text": bar.text,
                "text_x": PAD + BAR_WIDTH + 2 * PAD,
                "text_y": round(bar_y + BAR * 0.75, 1),
            }
        )
        y = bar_y + BAR + GAP
    return {
        "rows": rows,
        "width": width,
        "height": round(max(y - GAP, BAR), 1) + 2,
        "bar_x": PAD,
        "label_x": PAD,
        "bar_height": BAR,
    }
