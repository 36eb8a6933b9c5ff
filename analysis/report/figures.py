"""The chart of a section, sized for an A4 page (16 cm of text width) with readable Vietnamese
labels: horizontal bars, one per tested share, one colour per comparison group. A share hidden
by disclosure control has no bar and shows the suppression mark."""
from __future__ import annotations

import math
import textwrap
from typing import Any

import plotly.graph_objects as go

from analysis.report.wording import short_label
from analysis.results import SUPPRESSED_MARK

__all__ = ["section_figure", "WIDTH_PX", "MAX_BARS"]

#: Rendered 1000 px wide and placed 16 cm wide: about 160 dpi, sharp in print.
WIDTH_PX = 1000
MAX_BARS = 14
COLOURS = ["#2166ac", "#b2182b", "#4d4d4d", "#1b7837", "#762a83"]
FONT = dict(family="DejaVu Sans, Arial, sans-serif", size=15)


def _wrap(text: str, width: int = 46) -> str:
    lines = textwrap.wrap(text, width)[:3]
    if len(textwrap.wrap(text, width)) > 3:
        lines[-1] = lines[-1][: width - 1] + "…"
    return "<br>".join(lines)


def section_figure(ctx, section, results) -> tuple[str, Any] | None:
    """(caption, figure) for the section, or None when nothing can be drawn."""
    language = ctx.language
    results = [r for r in results if not all(math.isnan(v) for v in r.share)]
    if not results:
        return None
    if len(results) > MAX_BARS:
        results = sorted(results, key=lambda r: -max(v for v in r.share if not math.isnan(v)))
        results = results[:MAX_BARS]
    results = list(reversed(results))  # plotly draws the first category at the bottom
    labels = [_wrap(short_label(r.indicator)) for r in results]
    figure = go.Figure()
    for j, name in enumerate(results[0].labels):
        values = [None if math.isnan(r.share[j]) else round(float(r.share[j]), 1)
                  for r in results]
        text = [SUPPRESSED_MARK if v is None else f"{v:.1f}".replace(".", ",")
                if language != "en" else f"{v:.1f}" for v in values]
        figure.add_bar(y=labels, x=values, name=name, orientation="h", text=text,
                       textposition="outside", marker_color=COLOURS[j % len(COLOURS)],
                       cliponaxis=False)
    height = 140 + len(results) * (34 + 22 * len(results[0].labels))
    figure.update_layout(
        barmode="group", width=WIDTH_PX, height=min(height, 1400), font=FONT,
        template="plotly_white", margin=dict(l=20, r=40, t=30, b=60),
        legend=dict(orientation="h", yanchor="top", y=-0.06, x=0),
        xaxis=dict(range=[0, 105], title="%", ticksuffix=""),
        yaxis=dict(automargin=True))
    if language == "en":
        caption = f"Share by group — section {section.id}. {section.title}"
    else:
        caption = f"Tỷ lệ theo nhóm — mục {section.id}. {section.title}"
    return caption, figure
