"""Likert scales: the mean of the scale codes and the top-2 box, per item or grid row."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis import disclosure
from analysis.disclosure import DEFAULT_K
from analysis.filters import Filter
from analysis.results import LikertTable, Message
from analysis.tables.cells import columns_of
from analysis.tables.weighted import Weights, aggregate

__all__ = ["likert"]


def likert(source, item: str, by: str | None = None, flt: Filter = Filter(),
           weights: Weights | None = None, k: int | None = DEFAULT_K,
           top_codes: Sequence[int] | None = None, language: str = "vi") -> LikertTable:
    """Mean of the scale codes and top-2-box for a single item or every row of a grid.

    Missing codes are excluded. ``top_codes`` default: the two highest non-missing codes (for a
    scale coded 1 = low … 5 = high); pass them for scales coded the other way round."""
    layout = source.layout
    definition_item = layout.item(item)
    variables = ([f"{item}.{row['id']}" for row in definition_item.get("rows") or []]
                 if definition_item["type"] == "grid" else [item])
    missing = layout.missing(variables[0])
    valid = sorted(c for c in layout.option_labels(variables[0]) if c not in missing)
    top = tuple(top_codes) if top_codes is not None else tuple(valid[-2:])
    records = []
    notes: list[Message] = []
    for variable in variables:
        col = layout.column(variable)
        group = ([layout.column(by)] if by else []) + [col]
        agg = aggregate(source, group, [], flt, None, weights)
        agg = agg[agg[col].notna() & ~agg[col].isin(missing)]
        disclosure.check_base(float(agg["n"].sum()), k, variable)
        for key, label, rows in columns_of(layout, agg, by):
            n, w = rows["n"].sum(), rows["w_n"].sum()
            hidden = bool(k) and 0 < n < k
            mean = (rows[col] * rows["w_n"]).sum() / w if w > 0 else np.nan
            top2 = 100 * rows.loc[rows[col].isin(top), "w_n"].sum() / w if w > 0 else np.nan
            records.append({"variable": variable,
                            "variable_label": layout.variable_label(variable, language),
                            "column": key, "column_label": label, "n": np.nan if hidden else n,
                            "mean": np.nan if hidden else mean,
                            "top2": np.nan if hidden else top2, "suppressed": hidden})
    table = pd.DataFrame(records)
    notes.append(Message(vi=f"Top-2: tỷ lệ chọn mã {', '.join(map(str, top))}; trung bình trên "
                            "các mã hợp lệ.",
                         en=f"Top-2 box: share choosing codes {', '.join(map(str, top))}; mean "
                            "over valid codes.", code="top2"))
    if table["suppressed"].any():
        notes.append(disclosure.suppression_note(k, int(table["suppressed"].sum())))
    return LikertTable(item, layout.variable_label(item, language), (by,) if by else (), table,
                       top, weights is not None, tuple(notes))
