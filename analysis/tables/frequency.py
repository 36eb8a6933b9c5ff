"""The frequency table of a single-choice or grid-row variable."""
from __future__ import annotations

import numpy as np
import pandas as pd

from analysis import disclosure
from analysis.disclosure import DEFAULT_K
from analysis.filters import Filter
from analysis.results import Frequency, Suppression
from analysis.tables.cells import option_codes, percent
from analysis.tables.weighted import WEIGHTED_NOTE, Weights, aggregate

__all__ = ["frequencies"]


def frequencies(source, variable: str, flt: Filter = Filter(), weights: Weights | None = None,
                k: int | None = DEFAULT_K, language: str = "vi") -> Frequency:
    """n, %, valid % (missing codes excluded) and base of a single-choice or grid-row variable.

    Raises :class:`~analysis.disclosure.DisclosureRefused` when fewer than k answered."""
    layout = source.layout
    column = layout.column(variable)
    agg = aggregate(source, [column], [], flt, None, weights)
    agg = agg[agg[column].notna()]
    codes, labels = option_codes(layout, variable, include_missing=True)
    missing = layout.missing(variable)
    n = agg.set_index(column)["n"].reindex(codes, fill_value=0.0).to_numpy()
    count = agg.set_index(column)["w_n"].reindex(codes, fill_value=0.0).to_numpy()
    disclosure.check_base(n.sum(), k, variable)
    is_missing = np.array([c in missing for c in codes])
    base, valid_base = count.sum(), count[~is_missing].sum()
    table = pd.DataFrame({
        "code": codes, "label": [labels[c] for c in codes], "n": n, "count": count,
        "percent": percent(count, base),
        "valid_percent": np.where(is_missing, np.nan, percent(count, valid_base)),
        "missing": is_missing})
    mask, reasons = disclosure.suppression_mask(n.reshape(-1, 1), k)
    hidden = mask[:-1, 0]
    table.loc[hidden, ["n", "count", "percent", "valid_percent"]] = np.nan
    table["suppressed"] = hidden
    notes = []
    suppression = None
    if k:
        cells = disclosure.cells_frame(reasons[:, :1], codes, ["n"])
        suppression = Suppression(k, cells)
        if len(cells):
            notes.append(disclosure.suppression_note(k, len(cells)))
    if weights is not None:
        notes.append(WEIGHTED_NOTE)
    return Frequency(variable, layout.variable_label(variable, language), table, float(base),
                     float(valid_base), int(n.sum()), weights is not None, tuple(notes),
                     suppression)
