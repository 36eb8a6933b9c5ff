"""Numeric items: mean, sd, median and the 95% t-interval of the mean, from the value
distribution the source counts (so medians are exact)."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats as sps

from analysis import disclosure
from analysis.disclosure import DEFAULT_K
from analysis.filters import Filter
from analysis.results import Message, NumericSummary
from analysis.tables.cells import columns_of
from analysis.tables.weighted import WEIGHTED_NOTE, Weights, aggregate

__all__ = ["numeric", "build_numeric"]


def _distribution_summary(values: np.ndarray, n: np.ndarray, w: np.ndarray) -> dict[str, float]:
    """Mean, sd, median and 95% CI from a value distribution (value, unweighted n, weight sum).

    Unweighted: the usual sample statistics (sd with n − 1). Weighted: weighted mean, sd with
    the weights normalised to the actual n, weighted median; the CI uses the actual n."""
    keep = n > 0
    values, n, w = values[keep], n[keep], w[keep]
    count = n.sum()
    if count == 0:
        return {"n": 0, "mean": np.nan, "sd": np.nan, "median": np.nan, "ci_low": np.nan,
                "ci_high": np.nan}
    scaled = w * (count / w.sum()) if w.sum() > 0 else n
    mean = float((values * scaled).sum() / count)
    sd = float(math.sqrt(((values - mean) ** 2 * scaled).sum() / (count - 1))) if count > 1 \
        else np.nan
    order = np.argsort(values)
    cum = np.cumsum(scaled[order])
    half = count / 2
    above = np.searchsorted(cum, half, side="left")
    if np.isclose(cum[above], half) and above + 1 < len(order):
        median = float((values[order][above] + values[order][above + 1]) / 2)
    else:
        median = float(values[order][min(above, len(order) - 1)])
    if count > 1:
        half_width = sps.t.ppf(0.975, count - 1) * sd / math.sqrt(count)
        low, high = mean - half_width, mean + half_width
    else:
        low = high = np.nan
    return {"n": int(count), "mean": mean, "sd": sd, "median": median, "ci_low": low,
            "ci_high": high}


def numeric(source, item: str, by: str | None = None, flt: Filter = Filter(),
            weights: Weights | None = None, k: int | None = DEFAULT_K,
            language: str = "vi") -> NumericSummary:
    """Mean, sd, median and 95% t-interval of the mean, per banner category.

    The database returns the distribution (value × banner counts), so medians are exact."""
    layout = source.layout
    value_col = layout.column(item)
    group = ([layout.column(by)] if by else []) + [value_col]
    agg = aggregate(source, group, [], flt, None, weights)
    agg = agg[agg[value_col].notna()]
    return build_numeric(layout, agg, item, by, weights, k, language, exclude=set())


def build_numeric(layout, agg, item, by, weights, k, language, exclude) -> NumericSummary:
    value_col = layout.column(item)
    agg = agg[~agg[value_col].isin(exclude)]
    disclosure.check_base(float(agg["n"].sum()), k, item)
    records = []
    for key, label, rows in columns_of(layout, agg, by):
        rows = rows.groupby(value_col)[["n", "w_n"]].sum().reset_index()
        summary = _distribution_summary(rows[value_col].to_numpy(float), rows["n"].to_numpy(),
                                        rows["w_n"].to_numpy())
        hidden = bool(k) and 0 < summary["n"] < k
        if hidden:
            summary = {name: np.nan for name in summary}
        records.append({"column": key, "column_label": label, **summary, "suppressed": hidden})
    table = pd.DataFrame(records)
    notes = [Message(vi="Khoảng tin cậy 95% của trung bình (phân phối t).",
                     en="95% confidence interval of the mean (t distribution).", code="ci")]
    if table["suppressed"].any():
        notes.append(disclosure.suppression_note(k, int(table["suppressed"].sum())))
    if weights is not None:
        notes.append(WEIGHTED_NOTE)
    return NumericSummary(item, layout.variable_label(item, language), (by,) if by else (),
                          table, weights is not None, tuple(notes))
