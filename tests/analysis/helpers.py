"""Builders for analysis tests: small definitions and wide frames from count tables."""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from analysis.layout import layout_for
from analysis.source import FrameSource


def _options(labels: list[str], missing: tuple[int, ...] = ()) -> list[dict[str, Any]]:
    return [{"code": i, "label": {"vi": text, "en": text}, **({"missing": True} if i in missing
                                                                else {})}
            for i, text in enumerate(labels, start=1)]


def two_way_definition(rows: list[str], columns: list[str]) -> dict[str, Any]:
    """Item ``q`` (rows) and banner ``b`` (columns)."""
    return {"id": "t", "title": {"vi": "t"}, "languages": ["vi"], "pages": [{"id": "P", "items": [
        {"id": "b", "type": "single", "role": "banner", "dimension": "b", "label": {"vi": "Cột"},
         "options": _options(columns)},
        {"id": "q", "type": "single", "label": {"vi": "Hàng"}, "options": _options(rows)},
    ]}]}


def frame_from_counts(definition: dict[str, Any], counts: np.ndarray, row: str = "q",
                      column: str = "b") -> pd.DataFrame:
    """One response per unit of ``counts[i, j]`` with row code i+1 and column code j+1."""
    layout = layout_for(definition)
    counts = np.asarray(counts, dtype=int)
    r_codes, c_codes = [], []
    for i in range(counts.shape[0]):
        for j in range(counts.shape[1]):
            r_codes += [i + 1] * counts[i, j]
            c_codes += [j + 1] * counts[i, j]
    frame = pd.DataFrame({"response_id": [f"r{i}" for i in range(len(r_codes))],
                          "campaign_id": 1, "submitted_on": None, "complete": 1})
    for c in layout.columns:
        frame[c.name] = np.nan
    frame[layout.column(row)] = np.array(r_codes, dtype=float)
    frame[layout.column(column)] = np.array(c_codes, dtype=float)
    return frame


def source_from_counts(rows, columns, counts) -> FrameSource:
    definition = two_way_definition(rows, columns)
    return FrameSource(definition, frame_from_counts(definition, counts))
