"""Horizontal bar charts and progress bars as geometry for server-drawn SVG (``dashboard.html``).

Labels are wrapped into lines that fit the label column and each row is as tall as its label; the value's text
has a column of its own to the right of the longest bar, so no text leaves the view box. Widths are estimated from
the characters: at 12 px sans-serif a character is at most ~7.5 px wide in the wide letters of the four languages
(measured in Chromium, the same budget as the skill-gap chart's)."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

FONT = 12
CHARACTER = 7.5  # px a character may take at 12 px
BAR, GAP, LINE = 20, 10, 15
LABEL_CHARACTERS = 28
PAD = 4
LABEL_WIDTH = round(LABEL_CHARACTERS * CHARACTER) + 3 * PAD
BAR_WIDTH = 300


@dataclass(frozen=True)
class Bar:
    label: str
    value: float  # the bar's length, in the chart's unit
    text: str  # what is written after the bar ("125 of 200 (62.5 %)")
    maximum: float | None = None  # a progress bar's whole (its track); None for a plain bar


def chart(bars: list[Bar]) -> dict:
    """The SVG geometry of ``bars``: one row each, a track behind progress bars, every text inside the view box."""
    scale_to = max([b.maximum or b.value for b in bars] + [1.0])
    value_width = round(max([len(b.text) for b in bars] + [4]) * CHARACTER) + 2 * PAD
    rows, y = [], 0.0
    for bar in bars:
        lines = textwrap.wrap(bar.label, LABEL_CHARACTERS, break_long_words=True) or [bar.label or "–"]
        height = max(BAR, len(lines) * LINE + 4)
        bar_y = y + (height - BAR) / 2
        first = y + (height - len(lines) * LINE) / 2 + LINE - 3
        track = BAR_WIDTH * (bar.maximum / scale_to) if bar.maximum is not None else None
        length = BAR_WIDTH * min(bar.value, bar.maximum if bar.maximum is not None else bar.value) / scale_to
        rows.append(
            {
                "label": bar.label,
                "lines": [{"text": t, "y": round(first + i * LINE, 1)} for i, t in enumerate(lines)],
                "y": round(bar_y, 1),
                "width": round(max(length, 0.0), 1),
                "track": round(track, 1) if track is not None else None,
                "text": bar.text,
                "text_x": LABEL_WIDTH + BAR_WIDTH + PAD * 2,
                "text_y": round(bar_y + BAR * 0.7, 1),
            }
        )
        y += height + GAP
    return {
        "rows": rows,
        "width": LABEL_WIDTH + BAR_WIDTH + PAD * 2 + value_width,
        "height": round(max(y - GAP, BAR), 1) + 2,
        "bar_x": LABEL_WIDTH,
        "label_x": PAD,  # not 0: a "T" reaches a pixel left of its origin (measured in Chromium)
        "bar_height": BAR,
    }
