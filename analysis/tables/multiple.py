"""Multiple-choice tables: % of cases and % of responses."""
from __future__ import annotations

import numpy as np
import pandas as pd

from analysis import disclosure
from analysis.disclosure import DEFAULT_K
from analysis.filters import Filter
from analysis.results import Message, MultipleTable, Suppression
from analysis.source import Agg
from analysis.tables.cells import columns_of, percent
from analysis.tables.weighted import WEIGHTED_NOTE, Weights, aggregate

__all__ = ["multiple", "build_multiple"]


def multiple(source, item: str, by: str | None = None, flt: Filter = Filter(),
             weights: Weights | None = None, k: int | None = DEFAULT_K,
             language: str = "vi") -> MultipleTable:
    """% of cases (respondents answering the item) and % of responses (all selections)."""
    layout = source.layout
    options = layout.option_columns(item)
    aggs = [Agg(f"o{i}", "sum", col) for i, col in enumerate(options.values())]
    group = [layout.column(by)] if by else []
    agg = aggregate(source, group, aggs, flt, layout.answered_column(item), weights)
    return build_multiple(layout, agg, item, by, options, weights, k, language)


def build_multiple(layout, agg, item, by, options, weights, k, language) -> MultipleTable:
    labels = layout.option_labels(item, language)
    parts = columns_of(layout, agg, by)
    total_n = float(agg["n"].sum() if by is None else sum(p[2]["n"].sum() for p in parts))
    disclosure.check_base(total_n, k, item)
    codes = list(options)
    n = np.array([[p[2][f"o{i}"].sum() for p in parts] for i in range(len(codes))])
    w = np.array([[p[2][f"w_o{i}"].sum() for p in parts] for i in range(len(codes))])
    cases_n = np.array([p[2]["n"].sum() for p in parts])
    cases = np.array([p[2]["w_n"].sum() for p in parts])
    responses = w.sum(axis=0)
    mask, reasons = disclosure.suppression_mask(n, k) if n.size else (np.zeros((1, 1), bool), None)
    base_hidden = np.array([bool(k) and 0 < c < k for c in cases_n])
    records = []
    for i, code in enumerate(codes):
        for j, part in enumerate(parts):
            hidden = bool(mask[i, j]) or bool(base_hidden[j])
            records.append({
                "option": code, "option_label": labels.get(code, str(code)), "column": part[0],
                "column_label": part[1], "n": np.nan if hidden else n[i, j],
                "count": np.nan if hidden else w[i, j],
                "pct_cases": np.nan if hidden else percent(w[i, j], cases[j]).item(),
                "pct_responses": np.nan if hidden else percent(w[i, j], responses[j]).item(),
                "suppressed": hidden})
    table = pd.DataFrame(records)
    bases = pd.DataFrame({"column": [p[0] for p in parts], "column_label": [p[1] for p in parts],
                          "n": np.where(base_hidden, np.nan, cases_n),
                          "cases": np.where(base_hidden, np.nan, cases),
                          "responses": np.where(base_hidden, np.nan, responses),
                          "suppressed": base_hidden})
    hidden_count = int(table["suppressed"].sum())
    notes = [Message(vi="% trường hợp: trên số người trả lời câu hỏi; % lựa chọn: trên tổng số "
                        "lựa chọn (một người có thể chọn nhiều phương án).",
                     en="% of cases: of respondents answering the item; % of responses: of all "
                        "selections (a respondent may choose several).", code="multiple")]
    if hidden_count:
        notes.append(disclosure.suppression_note(k, hidden_count))
    if weights is not None:
        notes.append(WEIGHTED_NOTE)
    cells = table.loc[table["suppressed"], ["option", "column"]].rename(columns={"option": "row"})
    cells["reason"] = "primary-or-complementary"
    return MultipleTable(item, layout.variable_label(item, language), (by,) if by else (), table,
                         bases, weights is not None, tuple(notes),
                         Suppression(k, cells) if k else None)
