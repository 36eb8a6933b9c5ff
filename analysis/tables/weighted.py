"""Counts per group, weighted or not: the small aggregated frames every table is built from.

Raking weights are a function of the raking cells, so the source groups by those cells too and
pandas multiplies by the cell weight; a per-row weight column is summed by the source itself.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from analysis.filters import Filter
from analysis.results import Message
from analysis.source import Agg

__all__ = ["Weights", "WEIGHTED_NOTE", "aggregate"]


@dataclass(frozen=True, eq=False)
class Weights:
    """Weights for tables.

    Either *cell weights* — ``variables`` (questionnaire variables such as ``A1``, ``A2``) and
    ``factors``, a DataFrame with one column per variable (codes) and ``weight`` — as produced by
    :func:`analysis.weighting.rake` when every respondent of a cell has the same starting weight;
    or a per-row ``column`` of a :class:`~analysis.source.FrameSource` (design weights, or raked
    weights that vary within cells). Respondents whose cell has no weight count 0.
    """

    variables: tuple[str, ...] = ()
    factors: pd.DataFrame | None = None
    column: str | None = None
    label: str = "weights"
    report: Any = None


WEIGHTED_NOTE = Message(
    vi="Bảng có gia quyền; kiểm định tính trên bảng gia quyền quy về cỡ mẫu thực (giả định mẫu "
       "ngẫu nhiên đơn giản); ô ẩn và cơ sở dựa trên số người thực.",
    en="Weighted table; tests use the weighted table scaled to the actual sample size (assuming "
       "simple random sampling); suppression and bases use the actual number of respondents.",
    code="weighted")


def aggregate(source, group: Sequence[str], aggs: Sequence[Agg], flt: Filter,
               require: str | None, weights: Weights | None,
               build_index: bool = True) -> pd.DataFrame:
    """Aggregated frame with unweighted ``n``/agg columns and weighted ``w_n``/``w_<agg>``.
    ``build_index``: see :meth:`analysis.source.DatabaseSource.aggregate`."""
    names = ["n", *(a.name for a in aggs)]
    if weights is None:
        frame = source.aggregate(list(group), aggs, flt, require, build_index=build_index)
        return pd.concat([frame, frame[names].add_prefix("w_")], axis=1)
    if weights.column is not None:
        if getattr(source, "weight_column", None) != weights.column:
            raise ValueError(f"the source has no weight column {weights.column!r}")
        return source.aggregate(list(group), aggs, flt, require, weighted=True,
                                build_index=build_index)
    layout = source.layout
    weight_cols = [layout.column(v) for v in weights.variables]
    extra = [c for c in weight_cols if c not in group]
    frame = source.aggregate([*group, *extra], aggs, flt, require, build_index=build_index)
    factors = weights.factors.rename(columns=dict(zip(weights.variables, weight_cols)))
    for col in weight_cols:
        frame[col] = frame[col].astype(float)
        factors[col] = factors[col].astype(float)
    frame = frame.merge(factors[[*weight_cols, "weight"]], on=weight_cols, how="left")
    factor = frame.pop("weight").fillna(0.0).to_numpy()
    frame = pd.concat([frame, frame[names].mul(factor, axis=0).add_prefix("w_")], axis=1)
    if not group:
        return frame[[*names, *("w_" + n for n in names)]].sum().to_frame().T
    return (frame.groupby(list(group), dropna=False, sort=True)[[*names, *("w_" + n for n in names)]]
            .sum().reset_index())
