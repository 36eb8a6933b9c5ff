"""What every table's rows and columns are made of: the option codes of a variable (missing codes
left out unless asked for), a banner's categories, and percentages that are NaN, not an error,
where the base is 0.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["option_codes", "positions", "percent", "columns_of"]


def option_codes(layout, variable: str, include_missing: bool) -> tuple[list[int], dict[int, str]]:
    labels = layout.option_labels(variable)
    missing = layout.missing(variable)
    codes = [c for c in labels if include_missing or c not in missing]
    return codes, labels


def positions(values: np.ndarray, codes: Sequence[int]) -> np.ndarray:
    """Index of each value in ``codes``, -1 where absent."""
    return pd.Index(list(codes), dtype="int64").get_indexer(np.asarray(values, dtype=np.int64))


def percent(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        result = 100.0 * num / den
    return np.where(np.isfinite(result), result, np.nan)


def columns_of(layout, agg: pd.DataFrame, by: str | None) -> list[tuple[Any, str, pd.DataFrame]]:
    """(column key, label, rows of agg) per banner category (plus nothing else)."""
    if by is None:
        return [("total", "Tổng", agg)]
    col = layout.column(by)
    codes, labels = option_codes(layout, by, include_missing=False)
    return [(code, labels[code], agg[agg[col] == code]) for code in codes]
