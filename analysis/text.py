"""Plain-text rendering of result objects, for the command line and logs.

Reads only what the result objects hold: suppressed cells print as ``x``, every note and every
test (named by statistic and p) is printed under the table.
"""
from __future__ import annotations

import math
from typing import Any

import pandas as pd

from analysis.results import (SUPPRESSED_MARK, CrossTab, Frequency, LikertTable, MultipleTable,
                              NumericSummary, RankingTable)

__all__ = ["render"]


def _fmt(value: Any, digits: int = 1, suppressed: bool = False) -> str:
    if suppressed:
        return SUPPRESSED_MARK
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer() and digits == 0:
        return f"{int(value)}"
    return f"{value:.{digits}f}" if isinstance(value, (int, float)) else str(value)


def _grid(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(x)) for x in column) for column in zip(header, *rows)]
    line = lambda cells: "  ".join(str(c).rjust(w) if i else str(c).ljust(w)  # noqa: E731
                                   for i, (c, w) in enumerate(zip(cells, widths)))
    return "\n".join([line(header), "  ".join("-" * w for w in widths), *map(line, rows)])


def _footer(result: Any, language: str) -> list[str]:
    lines = [t.describe() + (f"  [{t.note}]" if t.note else "")
             for t in getattr(result, "tests", ())]
    lines += [f"* {note.text(language)}" for note in getattr(result, "notes", ())]
    return lines


def render(result: Any, language: str = "vi", percent: str = "col_pct") -> str:
    """A text table of any result object (counts and one percentage for cross-tabs)."""
    if isinstance(result, CrossTab):
        bases = result.bases
        header = [result.item_label[:40]] + [
            f"{label[:18]} ({letter})" for label, letter in zip(bases["column_label"],
                                                              bases["letter"])]
        rows = []
        for (code, label), cells in result.table.groupby(["row", "row_label"], sort=False):
            rows.append([f"{code} {label[:36]}"] + [
                f"{_fmt(c.n, 0, c.suppressed)} | {_fmt(getattr(c, percent), 1, c.suppressed)}%"
                f" {c.letters}".rstrip() for c in cells.itertuples()])
        rows.append(["n"] + [_fmt(n, 0, s) for n, s in zip(bases["n"], bases["suppressed"])])
        title = f"{result.item} × {' × '.join(result.by)}: {result.item_label}"
        return "\n".join([title, _grid(header, rows), *_footer(result, language)])
    if isinstance(result, Frequency):
        rows = [[f"{r.code} {r.label[:40]}", _fmt(r.n, 0, r.suppressed),
                 _fmt(r.percent, 1, r.suppressed), _fmt(r.valid_percent, 1, r.suppressed)]
                for r in result.table.itertuples()]
        return "\n".join([f"{result.variable}: {result.label}",
                          _grid(["", "n", "%", "valid %"], rows),
                          f"base {result.n}", *_footer(result, language)])
    if isinstance(result, (MultipleTable, RankingTable)):
        values = ("n", "pct_cases", "pct_responses") if isinstance(result, MultipleTable) \
            else ("first", "pct_first", "score")
        frame: pd.DataFrame = result.table
        columns = list(dict.fromkeys(frame["column_label"]))
        header = [result.item_label[:40]] + [f"{c[:16]} {v}" for c in columns for v in values]
        rows = []
        for (code, label), cells in frame.groupby(["option", "option_label"], sort=False):
            row = [f"{code} {label[:36]}"]
            for cell in cells.itertuples():
                row += [_fmt(getattr(cell, v), 0 if v in ("n", "first") else 1, cell.suppressed)
                        for v in values]
            rows.append(row)
        return "\n".join([f"{result.item}: {result.item_label}", _grid(header, rows),
                          *_footer(result, language)])
    if isinstance(result, (NumericSummary, LikertTable)):
        frame = result.table
        header = [str(c) for c in frame.columns if c != "suppressed"]
        rows = [[_fmt(getattr(r, c), 2, r.suppressed and c not in ("column", "column_label",
                                                                    "variable",
                                                                    "variable_label"))
                 for c in header] for r in frame.itertuples()]
        return "\n".join([f"{result.item}: {result.item_label}", _grid(header, rows),
                          *_footer(result, language)])
    raise TypeError(f"cannot render {type(result).__name__}")
