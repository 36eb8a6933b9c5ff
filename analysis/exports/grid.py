"""A result object laid out as a printed table: header, rows of cells, bases, tests, notes.

Every table renderer (the XLSX banner book, the Word report, the analyst's web page) draws this
one grid, so a suppressed cell, a significance letter or a note cannot appear in one output and
be forgotten in another. Nothing is recomputed: values come from the result's tidy table.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np
import pandas as pd

from analysis.results import (SUPPRESSED_MARK, CrossTab, Frequency, LikertTable, MultipleTable,
                              NumericSummary, RankingTable)

__all__ = ["Cell", "Grid", "grid_for", "MODES"]

MODES = ("percent", "count")


@dataclass(frozen=True)
class Cell:
    value: float | None
    suppressed: bool = False
    letters: str = ""
    decimals: int = 1

    @property
    def text(self) -> str:
        if self.suppressed:
            return SUPPRESSED_MARK
        if self.value is None:
            return ""
        number = f"{self.value:,.{self.decimals}f}".replace(",", " ")
        return f"{number} {self.letters}".strip()


@dataclass(frozen=True)
class Grid:
    """``columns``: header labels; ``letters``: the column letters used by the significance
    tests ("" when none); ``rows``: (label, cells); ``base``: the base row (label, cells)."""

    key: str
    title: str
    banner: str
    statistic: str
    columns: tuple[str, ...]
    letters: tuple[str, ...]
    rows: tuple[tuple[str, tuple[Cell, ...]], ...]
    base: tuple[str, tuple[Cell, ...]] | None
    tests: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    weighted: bool = False
    suppressed: int = 0
    kind: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def suppression_noted(self) -> bool:
        """Whether the analysis notes already explain the suppression mark."""
        return any(note.startswith(f"{SUPPRESSED_MARK}:") for note in self.notes)


def _t(vi: str, en: str, language: str) -> str:
    return en if language == "en" else vi


def _cell(value: Any, suppressed: Any = False, letters: Any = "", decimals: int = 1) -> Cell:
    hidden = bool(suppressed)
    if hidden or value is None or (isinstance(value, float) and np.isnan(value)):
        return Cell(None, hidden)
    return Cell(float(value), False, str(letters or ""), decimals)


def _notes(result: Any, language: str) -> tuple[str, ...]:
    return tuple(n.text(language) for n in getattr(result, "notes", ()) or ())


def _suppressed(result: Any) -> int:
    suppression = getattr(result, "suppression", None)
    if suppression is not None:
        return suppression.count
    table = getattr(result, "table", None)
    return int(table["suppressed"].sum()) if table is not None and "suppressed" in table else 0


def _wide(table: pd.DataFrame, row_keys: list[str], col_key: str, col_label: str,
          value: str, decimals: int, letters: str | None = None):
    columns = list(dict.fromkeys(zip(table[col_key], table[col_label])))
    rows = []
    for keys, part in table.groupby(row_keys, sort=False):
        by_column = {c: r for c, r in zip(part[col_key], part.itertuples(index=False))}
        label = keys[-1] if isinstance(keys, tuple) else keys
        cells = []
        for code, _ in columns:
            record = by_column.get(code)
            if record is None:
                cells.append(Cell(None))
                continue
            record = record._asdict()
            cells.append(_cell(record[value], record["suppressed"],
                               record.get(letters, "") if letters else "", decimals))
        rows.append((str(label), tuple(cells)))
    return columns, rows


def _base_row(bases: pd.DataFrame, columns, count_column: str, language: str):
    by = {c: r for c, r in zip(bases["column"], bases.itertuples(index=False))}
    cells = []
    for code, _ in columns:
        record = by.get(code)
        cells.append(Cell(None) if record is None else
                      _cell(getattr(record, count_column), getattr(record, "suppressed", False),
                            decimals=0))
    return (_t("Cơ sở (số người trả lời)", "Base (respondents)", language), tuple(cells))


def grid_for(result: Any, mode: str = "percent", language: str = "vi",
             labels: Mapping[str, str] | None = None) -> Grid:
    """The printed layout of ``result`` in ``mode`` ``percent`` (column %, % of cases, % ranked
    first, top-2 box) or ``count`` (weighted counts, or means for rating scales). ``labels``
    names banner variables (results other than cross-tabs carry only their ids)."""
    labels = labels or {}
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    percent = mode == "percent"
    if isinstance(result, CrossTab):
        value = "col_pct" if percent else "count"
        columns, rows = _wide(result.table, ["row", "row_label"], "column", "column_label",
                              value, 1 if percent else 0, "letters" if percent else None)
        letters = dict(zip(result.bases["column"], result.bases.get("letter", "")))
        return Grid(
            key=f"{result.item}×{'×'.join(result.by)}", title=result.item_label,
            banner=" × ".join(result.by_labels),
            statistic=_t("% theo cột", "Column %", language) if percent else
            _t("Số lượng", "Count", language),
            columns=tuple(str(label) for _, label in columns),
            letters=tuple(str(letters.get(code, "")) for code, _ in columns) if percent else
            tuple("" for _ in columns),
            rows=tuple(rows), base=_base_row(result.bases, columns, "n", language),
            tests=tuple(t.describe() for t in result.tests), notes=_notes(result, language),
            weighted=result.weighted, suppressed=_suppressed(result), kind="crosstab")
    if isinstance(result, MultipleTable):
        value = "pct_cases" if percent else "count"
        label = "column_label" if "column_label" in result.table else "column"
        columns, rows = _wide(result.table, ["option", "option_label"], "column", label, value,
                              1 if percent else 0)
        return Grid(
            key=f"{result.item}×{'×'.join(result.by) or 'total'}", title=result.item_label,
            banner=" × ".join(labels.get(b, b) for b in result.by),
            statistic=_t("% số người trả lời (nhiều lựa chọn)", "% of cases (multiple choice)",
                         language) if percent else _t("Số lượt chọn", "Selections", language),
            columns=tuple(str(c) for _, c in columns), letters=tuple("" for _ in columns),
            rows=tuple(rows), base=_base_row(result.bases, columns, "cases", language),
            notes=_notes(result, language), weighted=result.weighted,
            suppressed=_suppressed(result), kind="multiple")
    if isinstance(result, RankingTable):
        value = "pct_first" if percent else "first"
        label = "column_label" if "column_label" in result.table else "column"
        columns, rows = _wide(result.table, ["option", "option_label"], "column", label, value,
                              1 if percent else 0)
        _, scores = _wide(result.table, ["option", "option_label"], "column", label, "score", 2)
        score_label = _t("điểm xếp hạng", "rank score", language)
        rows = rows + [(f"{name} — {score_label}", cells) for name, cells in scores]
        base = None
        if "cases" in result.bases:
            base = _base_row(result.bases, columns, "cases", language)
        return Grid(
            key=f"{result.item}×{'×'.join(result.by) or 'total'}", title=result.item_label,
            banner=" × ".join(labels.get(b, b) for b in result.by),
            statistic=_t(f"% xếp thứ nhất; điểm (tối đa {result.top})",
                         f"% ranked first; score (max {result.top})", language) if percent
            else _t("Số người xếp thứ nhất", "Ranked first (count)", language),
            columns=tuple(str(c) for _, c in columns), letters=tuple("" for _ in columns),
            rows=tuple(rows), base=base, notes=_notes(result, language),
            weighted=result.weighted, suppressed=_suppressed(result), kind="ranking")
    if isinstance(result, NumericSummary):
        table = result.table
        names = {"n": "n", "mean": _t("Trung bình", "Mean", language),
                 "sd": _t("Độ lệch chuẩn", "SD", language),
                 "median": _t("Trung vị", "Median", language),
                 "ci_low": _t("KTC 95% dưới", "95% CI low", language),
                 "ci_high": _t("KTC 95% trên", "95% CI high", language)}
        label = "column_label" if "column_label" in table else "column"
        rows = tuple((names[stat], tuple(_cell(r[stat], r["suppressed"],
                                               decimals=0 if stat == "n" else 2)
                                         for r in table.to_dict("records")))
                     for stat in names if stat in table)
        return Grid(key=f"{result.item}×{'×'.join(result.by) or 'total'}",
                    title=result.item_label, banner=" × ".join(labels.get(b, b) for b in result.by),
                    statistic=_t("Thống kê mô tả", "Summary statistics", language),
                    columns=tuple(str(c) for c in table[label]),
                    letters=tuple("" for _ in range(len(table))), rows=rows, base=None,
                    notes=_notes(result, language), weighted=result.weighted,
                    suppressed=_suppressed(result), kind="numeric")
    if isinstance(result, LikertTable):
        value = "top2" if percent else "mean"
        label = "column_label" if "column_label" in result.table else "column"
        columns, rows = _wide(result.table, ["variable", "variable_label"], "column", label,
                              value, 1 if percent else 2)
        # Each row is named by its own label: the grid's stem is the table's title, not
        # repeated on every row.
        stem = f"{result.item_label} — "
        rows = [(name[len(stem):] if name.startswith(stem) else name, cells)
                for name, cells in rows]
        return Grid(key=f"{result.item}×{'×'.join(result.by) or 'total'}",
                    title=result.item_label, banner=" × ".join(labels.get(b, b) for b in result.by),
                    statistic=_t("% hai mức cao nhất", "Top-2 box %", language) if percent
                    else _t("Điểm trung bình", "Mean score", language),
                    columns=tuple(str(c) for _, c in columns),
                    letters=tuple("" for _ in columns), rows=tuple(rows), base=None,
                    notes=_notes(result, language), weighted=result.weighted,
                    suppressed=_suppressed(result), kind="likert")
    if isinstance(result, Frequency):
        table = result.table
        rows = tuple((str(r["label"]), (_cell(r["count"], r["suppressed"], decimals=0),
                                        _cell(r["percent"], r["suppressed"]),
                                        _cell(r["valid_percent"], r["suppressed"])))
                     for r in table.to_dict("records"))
        return Grid(key=result.variable, title=result.label, banner="",
                    statistic=_t("Tần suất", "Frequencies", language),
                    columns=(_t("Số lượng", "Count", language), "%",
                             _t("% hợp lệ", "Valid %", language)),
                    letters=("", "", ""), rows=rows,
                    base=(_t("Cơ sở (số người trả lời)", "Base (respondents)", language),
                          (Cell(float(result.n), decimals=0), Cell(None), Cell(None))),
                    notes=_notes(result, language), weighted=result.weighted,
                    suppressed=_suppressed(result), kind="frequency")
    raise TypeError(f"no table layout for {type(result).__name__}")
