"""Charts of analysis results as plotly figures, and their PNG/SVG images rendered offline.

Figures are built from result objects (:mod:`analysis.results`) and never recompute anything:
a suppressed cell stays blank and is labelled with the suppression mark, so a chart cannot show
what the table hides. Images are rendered by kaleido driving the local Chromium (Debian's
``chromium``), with plotly.js from the installed plotly package and MathJax disabled, so
rendering makes no network request.
"""
from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
import plotly.graph_objects as go

from analysis.results import (SUPPRESSED_MARK, CrossTab, Frequency, LikertTable, MultipleTable,
                              NumericSummary, RankingTable)

__all__ = ["crosstab_figure", "frequency_figure", "multiple_figure", "ranking_figure",
           "likert_figure", "likert_diverging", "figure_for", "has_values", "render_images",
           "CHROMIUM", "WIDTH", "HEIGHT"]

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
WIDTH, HEIGHT = 900, 500
FONT = dict(family="DejaVu Sans, Arial, sans-serif", size=13)
# Diverging scale: disagree (warm) → agree (cool), the neutral middle grey.
DIVERGING = ["#b2182b", "#ef8a62", "#fddbc7", "#d9d9d9", "#d1e5f0", "#67a9cf", "#2166ac"]


def _wrap(text: Any, width: int = 28) -> str:
    """Break a long Vietnamese label into lines (plotly does not wrap)."""
    words, lines, line = str(text).split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "<br>".join(lines)


def _t(vi: str, en: str, language: str) -> str:
    return en if language == "en" else vi


def _lines(text: str) -> int:
    return str(text).count("<br>") + 1


def _legend_rows(fig: go.Figure) -> int:
    """Lines a horizontal legend of ``fig`` takes at the chart's width (about three long
    labels, or more short ones, per line)."""
    names = [t.name for t in fig.data if t.showlegend is not False and t.name]
    if len(names) <= 1:
        return 0
    longest = max(len(str(n).split("<br>")[0]) for n in names)
    per_line = max(1, min(len(names), WIDTH // max(80, 9 * longest + 40)))
    return -(-len(names) // per_line) * max(_lines(n) for n in names)


def _layout(fig: go.Figure, title: str, y_title: str, note: str = "") -> go.Figure:
    """Title, fonts, margins and legend, sized to what they hold: the top margin grows with the
    lines of the wrapped title (a long question stem is never clipped), the legend sits at the
    bottom of the figure under the axis title and the bottom margin grows with its lines, and
    both axes make room for their tick labels (long category labels never overlap the plot)."""
    wrapped = _wrap(title, 95)
    top = 30 + 20 * _lines(wrapped) + (24 if note else 0)
    legend = _legend_rows(fig)
    bottom = 70 + 22 * legend
    fig.update_layout(
        title=dict(text=wrapped, x=0, xanchor="left", yref="container", y=1, yanchor="top",
                   pad=dict(t=12), font=dict(size=14)), font=FONT,
        yaxis_title=y_title,
        legend=dict(orientation="h", yref="container", y=0, yanchor="bottom", x=0,
                    xanchor="left"),
        showlegend=legend > 0,
        template="plotly_white", margin=dict(l=60, r=20, t=top, b=bottom), width=WIDTH,
        height=HEIGHT + 60)
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)
    if len(fig.data) > 10:  # the default ten colours would repeat: thirteen fields of work
        from plotly.colors import qualitative

        fig.update_layout(colorway=qualitative.Dark24)
    if note:
        fig.add_annotation(text=note, xref="paper", yref="paper", x=1, y=1.0,
                           showarrow=False, xanchor="right", yanchor="bottom", yshift=4,
                           font=dict(size=11, color="#555"))
    return fig


def _category_height(categories: int, traces: int, label_lines: int = 1,
                     minimum: int = HEIGHT) -> int:
    """Plot height for horizontal bars: each category gets room for all its bars (one per
    trace) and for its wrapped label, plus the margins."""
    per = max(12 * max(traces, 1) + 10, 16 * label_lines + 8, 28)
    return max(minimum, categories * per + 220)


def _values(frame, column: str) -> tuple[list[float | None], list[str]]:
    """Values with blanks for suppressed cells, and bar labels (the mark where suppressed)."""
    values: list[float | None] = []
    labels: list[str] = []
    for value, hidden in zip(frame[column], frame["suppressed"]):
        if hidden or value is None or (isinstance(value, float) and np.isnan(value)):
            values.append(None)
            labels.append(SUPPRESSED_MARK if hidden else "")
        else:
            values.append(float(value))
            labels.append(f"{value:.1f}" if column != "count" else f"{value:.0f}")
    return values, labels


def _suppression_note(result: Any, language: str) -> str:
    suppression = getattr(result, "suppression", None)
    if suppression:
        return _t(f"{SUPPRESSED_MARK}: ô bị ẩn (dưới ngưỡng {suppression.k} người trả lời)",
                  f"{SUPPRESSED_MARK}: cell suppressed (fewer than {suppression.k} respondents)",
                  language)
    return ""


def crosstab_figure(table: CrossTab, mode: str = "percent", barmode: str = "group",
                    language: str = "vi") -> go.Figure:
    """Bars of an item by a banner: x = banner columns, one trace per answer (column % or
    counts); ``barmode`` ``group`` or ``stack``."""
    column = "col_pct" if mode == "percent" else "count"
    fig = go.Figure()
    # Many banner columns (13 fields of work) do not fit side by side: lay the bars across.
    across = table.table["column"].nunique() > 5
    for (_row, row_label), cells in table.table.groupby(["row", "row_label"], sort=False):
        values, labels = _values(cells, column)
        categories = [_wrap(c, 40 if across else 18) for c in cells["column_label"]]
        fig.add_trace(go.Bar(name=_wrap(row_label, 40), x=values if across else categories,
                             y=categories if across else values, text=labels,
                             orientation="h" if across else "v", textposition="auto"))
    fig.update_layout(barmode="stack" if barmode == "stack" else "group")
    y_title = _t("% theo cột", "column %", language) if mode == "percent" else \
        _t("Số lượng", "count", language)
    fig = _layout(fig, f"{table.item_label} — {' × '.join(table.by_labels)}",
                  "" if across else y_title, _suppression_note(table, language))
    if across:
        lines = max((_lines(_wrap(c, 40)) for c in table.table["column_label"]), default=1)
        fig.update_layout(xaxis_title=y_title, yaxis=dict(autorange="reversed"),
                          height=_category_height(table.table["column"].nunique(),
                                                  1 if barmode == "stack" else len(fig.data),
                                                  lines) + 22 * _legend_rows(fig))
    return fig


def frequency_figure(table: Frequency, mode: str = "percent",
                     language: str = "vi") -> go.Figure:
    """Horizontal bars of one variable with no banner: % of all answering (missing codes
    included, as the frequency table prints them) or counts, one bar per labelled option."""
    column = "percent" if mode == "percent" else "count"
    values, labels = _values(table.table, column)
    fig = go.Figure(go.Bar(y=[_wrap(label, 40) for label in table.table["label"]], x=values,
                           text=labels, orientation="h", textposition="auto", showlegend=False))
    fig.update_layout(yaxis=dict(autorange="reversed"))
    fig = _layout(fig, table.label, "", _suppression_note(table, language))
    fig.update_layout(xaxis_title=_t("% số người trả lời", "% of respondents", language)
                      if mode == "percent" else _t("Số lượng", "count", language),
                      height=max(HEIGHT, 40 * len(table.table) + 200))
    return fig


def multiple_figure(table: MultipleTable, mode: str = "percent",
                    language: str = "vi") -> go.Figure:
    """Horizontal bars per option (% of cases), one trace per banner column."""
    column = "pct_cases" if mode == "percent" else "count"
    fig = go.Figure()
    label_column = "column_label" if "column_label" in table.table else "column"
    for col_label, cells in table.table.groupby(label_column, sort=False):
        values, labels = _values(cells, column)
        fig.add_trace(go.Bar(name=_wrap(col_label, 40),
                             y=[_wrap(o, 40) for o in cells["option_label"]], x=values,
                             text=labels, orientation="h", textposition="auto"))
    fig.update_layout(barmode="group", yaxis=dict(autorange="reversed"))
    title = _t("% số người trả lời", "% of cases", language) if mode == "percent" else \
        _t("Số lượng", "count", language)
    fig = _layout(fig, table.item_label, "", _suppression_note(table, language))
    lines = max((_lines(_wrap(o, 40)) for o in table.table["option_label"]), default=1)
    fig.update_layout(xaxis_title=title, height=_category_height(
        table.table["option"].nunique(), len(fig.data), lines) + 22 * _legend_rows(fig))
    return fig


def ranking_figure(table: RankingTable, language: str = "vi") -> go.Figure:
    """Horizontal bars of the share ranking each option first, one trace per column."""
    fig = go.Figure()
    label_column = "column_label" if "column_label" in table.table else "column"
    for col_label, cells in table.table.groupby(label_column, sort=False):
        values, labels = _values(cells, "pct_first")
        fig.add_trace(go.Bar(name=_wrap(col_label, 40),
                             y=[_wrap(o, 40) for o in cells["option_label"]], x=values,
                             text=labels, orientation="h", textposition="auto"))
    fig.update_layout(barmode="group", yaxis=dict(autorange="reversed"))
    fig = _layout(fig, table.item_label, "", _suppression_note(table, language))
    lines = max((_lines(_wrap(o, 40)) for o in table.table["option_label"]), default=1)
    fig.update_layout(xaxis_title=_t("% xếp thứ nhất", "% ranked first", language),
                      height=_category_height(table.table["option"].nunique(), len(fig.data),
                                              lines) + 22 * _legend_rows(fig))
    return fig


def likert_figure(table: LikertTable, language: str = "vi") -> go.Figure:
    """Top-2-box share per grid row (and per banner column)."""
    fig = go.Figure()
    # The legend names each banner group by its label (never its code); rows are named
    # without the grid's stem, which the title already gives.
    label_column = "column_label" if "column_label" in table.table else "column"
    stem = f"{table.item_label} — "
    rows = []
    for col_label, cells in table.table.groupby(label_column, sort=False):
        values, labels = _values(cells.assign(top2=cells["top2"]), "top2")
        rows = [_wrap(str(v)[len(stem):] if str(v).startswith(stem) else str(v).split(" — ")[-1],
                      40) for v in cells["variable_label"]]
        fig.add_trace(go.Bar(name=_wrap(col_label, 40), y=rows, x=values, text=labels,
                             orientation="h"))
    fig.update_layout(yaxis=dict(autorange="reversed"))
    fig = _layout(fig, table.item_label, "", _suppression_note(table, language))
    lines = max((_lines(r) for r in rows), default=1)
    fig.update_layout(xaxis_title=_t("% hai mức cao nhất (top-2)", "top-2 box %", language),
                      height=_category_height(table.table["variable"].nunique(), len(fig.data),
                                              lines) + 22 * _legend_rows(fig))
    return fig


def likert_diverging(rows: Sequence[Frequency], title: str, language: str = "vi") -> go.Figure:
    """Diverging stacked bars for a Likert grid: one bar per row (its :class:`Frequency`),
    the lower half of the scale to the left of zero, the upper half to the right, the middle
    code (odd scales) split across zero. Valid percentages: missing codes are left out."""
    first = rows[0].table
    scale = first[~first["missing"]]
    codes, names = list(scale["code"]), list(scale["label"])
    m = len(codes)
    colours = DIVERGING[(7 - m) // 2:(7 - m) // 2 + m] if m <= 7 else [None] * m
    row_labels = [_wrap(r.label.split(" — ")[-1], 40) for r in rows]
    fig = go.Figure()
    hidden_any = False
    for position, (code, name) in enumerate(zip(codes, names)):
        xs, texts = [], []
        for r in rows:
            cell = r.table[r.table["code"] == code].iloc[0]
            value = cell["valid_percent"]
            if cell["suppressed"] or value is None or np.isnan(value):
                hidden_any = hidden_any or bool(cell["suppressed"])
                xs.append(None)
                texts.append(SUPPRESSED_MARK if cell["suppressed"] else "")
                continue
            share = float(value)
            if m % 2 == 1 and position == m // 2:
                share /= 2
            xs.append(-share if position < m / 2 and not (m % 2 == 1 and position == m // 2)
                      else share)
            texts.append(f"{float(value):.0f}")
        fig.add_trace(go.Bar(name=str(name), y=row_labels, x=xs, orientation="h",
                             marker_color=colours[position], text=texts,
                             textposition="inside", legendrank=position))
        if m % 2 == 1 and position == m // 2:  # the other half of the neutral middle
            fig.add_trace(go.Bar(name=str(name), y=row_labels,
                                 x=[-x if x is not None else None for x in xs],
                                 orientation="h", marker_color=colours[position],
                                 showlegend=False, hoverinfo="skip"))
    fig.update_layout(barmode="relative", yaxis=dict(autorange="reversed"))
    note = _t(f"{SUPPRESSED_MARK}: ô bị ẩn (dưới ngưỡng)", f"{SUPPRESSED_MARK}: suppressed",
              language) if hidden_any else ""
    fig = _layout(fig, title, "", note)
    fig.update_layout(xaxis_title=_t("% hợp lệ (trái: mức thấp, phải: mức cao)",
                                     "valid % (left: low, right: high)", language),
                      height=max(HEIGHT, 45 * len(rows) + 220))
    return fig


def has_values(fig: go.Figure) -> bool:
    """Whether any bar of ``fig`` has a value to draw (every cell suppressed: none)."""
    for trace in fig.data:
        values = trace.x if getattr(trace, "orientation", None) == "h" else trace.y
        if any(v is not None and not (isinstance(v, float) and np.isnan(v))
               for v in (values or ())):
            return True
    return False


def figure_for(result: Any, mode: str = "percent", barmode: str = "group",
               language: str = "vi") -> go.Figure | None:
    """The usual chart of a result, or None when it has none: a numeric summary, or a table
    whose every cell is suppressed (an empty chart would only draw a meaningless axis)."""
    if isinstance(result, CrossTab):
        fig = crosstab_figure(result, mode, barmode, language)
    elif isinstance(result, Frequency):
        fig = frequency_figure(result, mode, language)
    elif isinstance(result, MultipleTable):
        fig = multiple_figure(result, mode, language)
    elif isinstance(result, RankingTable):
        fig = ranking_figure(result, language)
    elif isinstance(result, LikertTable):
        fig = likert_figure(result, language)
    elif isinstance(result, NumericSummary):
        return None
    else:
        raise TypeError(f"no chart for {type(result).__name__}")
    return fig if has_values(fig) else None


def _kaleido_options() -> dict[str, Any]:
    import plotly

    options: dict[str, Any] = {
        "mathjax": False,  # its default is a CDN URL
        "plotlyjs": str(Path(plotly.__file__).parent / "package_data" / "plotly.min.js"),
    }
    browser = CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
    if not browser:
        raise RuntimeError("Chromium is not installed (Debian package `chromium`); chart "
                           "images need it")
    os.environ.setdefault("BROWSER_PATH", browser)
    return options


async def _render(figures: list[go.Figure], fmt: str, scale: float) -> list[bytes]:
    import kaleido

    images = []
    async with kaleido.Kaleido(n=1, **_kaleido_options()) as k:
        for fig in figures:
            opts = {"format": fmt, "width": fig.layout.width or WIDTH,
                    "height": fig.layout.height or HEIGHT, "scale": scale}
            images.append(await k.calc_fig(fig, opts=opts))
    return images


def render_images(figures: Iterable[go.Figure], fmt: str = "png",
                  scale: float = 1.0) -> list[bytes]:
    """PNG or SVG bytes of each figure, rendered in one Chromium session (starting the browser
    is most of the cost). Raises ``ValueError`` for another format and ``RuntimeError`` when
    Chromium is missing."""
    if fmt not in ("png", "svg"):
        raise ValueError(f"chart format must be png or svg, not {fmt!r}")
    figures = list(figures)
    if not figures:
        return []
    try:
        asyncio.get_running_loop()
    except RuntimeError:  # the usual case: no event loop in this thread
        return asyncio.run(_render(figures, fmt, scale))
    # Called from a thread that runs an event loop already (an async caller, or a browser
    # driver's sync API holding one): asyncio.run would refuse, so render in a thread of its own.
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, _render(figures, fmt, scale)).result()
