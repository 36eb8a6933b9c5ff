"""Ranking tables: the share ranking each option first, and a Borda score."""
from __future__ import annotations

import numpy as np
import pandas as pd

from analysis import disclosure
from analysis.disclosure import DEFAULT_K
from analysis.filters import Filter
from analysis.results import Message, RankingTable, Suppression
from analysis.source import Agg
from analysis.tables.cells import columns_of, percent
from analysis.tables.weighted import WEIGHTED_NOTE, Weights, aggregate

__all__ = ["ranking", "build_ranking"]


def ranking(source, item: str, by: str | None = None, flt: Filter = Filter(),
            weights: Weights | None = None, k: int | None = DEFAULT_K,
            language: str = "vi") -> RankingTable:
    """Share ranking each option first, and a weighted score.

    Score (Borda count over the ranked places): with ``top`` = T places, rank r earns
    T + 1 − r points (first = T, last ranked place = 1, not ranked = 0); the score is the
    mean number of points per respondent answering the item, between 0 and T."""
    layout = source.layout
    options = layout.option_columns(item)
    top = int(layout.item(item).get("top") or len(options))
    aggs = []
    for i, col in enumerate(options.values()):
        aggs += [Agg(f"f{i}", "eq", col, 1), Agg(f"r{i}", "count", col),
                 Agg(f"s{i}", "score", col, top)]
    group = [layout.column(by)] if by else []
    agg = aggregate(source, group, aggs, flt, layout.answered_column(item), weights)
    return build_ranking(layout, agg, item, by, options, top, weights, k, language)


def build_ranking(layout, agg, item, by, options, top, weights, k, language) -> RankingTable:
    labels = layout.option_labels(item, language)
    parts = columns_of(layout, agg, by)
    total_n = float(sum(p[2]["n"].sum() for p in parts))
    disclosure.check_base(total_n, k, item)
    codes = list(options)
    first_n = np.array([[p[2][f"f{i}"].sum() for p in parts] for i in range(len(codes))])
    mask, _ = disclosure.suppression_mask(first_n, k)
    records = []
    for j, part in enumerate(parts):
        rows = part[2]
        cases_n, cases = rows["n"].sum(), rows["w_n"].sum()
        base_hidden = bool(k) and 0 < cases_n < k
        for i, code in enumerate(codes):
            hidden = base_hidden or bool(mask[i, j])
            first, ranked, score = (rows[f"w_f{i}"].sum(), rows[f"w_r{i}"].sum(),
                                    rows[f"w_s{i}"].sum())
            records.append({
                "option": code, "option_label": labels.get(code, str(code)), "column": part[0],
                "column_label": part[1],
                "first": np.nan if hidden else first,
                "pct_first": np.nan if hidden else percent(first, cases).item(),
                "ranked": np.nan if hidden else ranked,
                "pct_ranked": np.nan if hidden else percent(ranked, cases).item(),
                # the score averages over everyone; it does not reveal a small cell
                "score": np.nan if base_hidden or cases == 0 else score / cases,
                "suppressed": hidden})
    table = pd.DataFrame(records)
    bases = pd.DataFrame({"column": [p[0] for p in parts], "column_label": [p[1] for p in parts],
                          "n": [p[2]["n"].sum() for p in parts],
                          "cases": [p[2]["w_n"].sum() for p in parts]})
    notes = [Message(
        vi=f"Điểm: hạng r trong {top} hạng được {top} + 1 − r điểm (hạng 1 = {top} điểm, không "
           f"xếp hạng = 0), chia cho số người trả lời; tối đa {top}.",
        en=f"Score: rank r of {top} earns {top} + 1 − r points (first = {top}, not ranked = 0), "
           f"divided by respondents answering; maximum {top}.", code="score")]
    hidden_count = int(table["suppressed"].sum())
    if hidden_count:
        notes.append(disclosure.suppression_note(k, hidden_count))
    if weights is not None:
        notes.append(WEIGHTED_NOTE)
    cells = table.loc[table["suppressed"], ["option", "column"]].rename(columns={"option": "row"})
    cells["reason"] = "primary-or-complementary"
    return RankingTable(item, layout.variable_label(item, language), (by,) if by else (), top,
                        table, bases, weights is not None, tuple(notes),
                        Suppression(k, cells) if k else None)
