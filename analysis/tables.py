"""Tables: frequencies, cross-tabs, multiple choice, ranking, numeric, Likert, the banner book.

Every function takes a *source* (:class:`analysis.source.DatabaseSource` — counting pushed down
into the database — or :class:`analysis.source.FrameSource`), asks it for small aggregated frames
and builds a result object of :mod:`analysis.results`. Weighting (:class:`Weights`) is applied to
the aggregated frames: raking weights are a function of the raking cells, so the database groups
by those cells too and pandas multiplies by the cell weight.

Missing-value codes (options marked ``missing``) are excluded from cross-tabs, valid percentages,
means and tests unless ``include_missing=True``; the frequency table shows them.

Disclosure control (:mod:`analysis.disclosure`) applies to every table unless ``k=None``
(internal use): bases under k are refused, cells under k and their complements are blanked.
"""
from __future__ import annotations

import itertools
import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from analysis import disclosure, stats
from analysis.results import (Book, CrossTab, Frequency, LikertTable, Message, MultipleTable,
                              NumericSummary, RankingTable, Suppression, TestResult)
from analysis.source import Agg, Filter

__all__ = ["Weights", "frequencies", "crosstab", "multiple", "ranking", "numeric", "likert",
           "banner_book", "DEFAULT_K"]

DEFAULT_K = disclosure.DEFAULT_K


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


_WEIGHTED_NOTE = Message(
    vi="Bảng có gia quyền; kiểm định tính trên bảng gia quyền quy về cỡ mẫu thực (giả định mẫu "
       "ngẫu nhiên đơn giản); ô ẩn và cơ sở dựa trên số người thực.",
    en="Weighted table; tests use the weighted table scaled to the actual sample size (assuming "
       "simple random sampling); suppression and bases use the actual number of respondents.",
    code="weighted")


def _aggregate(source, group: Sequence[str], aggs: Sequence[Agg], flt: Filter,
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


def _codes(layout, variable: str, include_missing: bool) -> tuple[list[int], dict[int, str]]:
    labels = layout.option_labels(variable)
    missing = layout.missing(variable)
    codes = [c for c in labels if include_missing or c not in missing]
    return codes, labels


def _positions(values: np.ndarray, codes: Sequence[int]) -> np.ndarray:
    """Index of each value in ``codes``, -1 where absent."""
    return pd.Index(list(codes), dtype="int64").get_indexer(np.asarray(values, dtype=np.int64))


def _percent(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        result = 100.0 * num / den
    return np.where(np.isfinite(result), result, np.nan)


# ------------------------------------------------------------------------------ frequencies

def frequencies(source, variable: str, flt: Filter = Filter(), weights: Weights | None = None,
                k: int | None = DEFAULT_K, language: str = "vi") -> Frequency:
    """n, %, valid % (missing codes excluded) and base of a single-choice or grid-row variable.

    Raises :class:`~analysis.disclosure.DisclosureRefused` when fewer than k answered."""
    layout = source.layout
    column = layout.column(variable)
    agg = _aggregate(source, [column], [], flt, None, weights)
    agg = agg[agg[column].notna()]
    codes, labels = _codes(layout, variable, include_missing=True)
    missing = layout.missing(variable)
    n = agg.set_index(column)["n"].reindex(codes, fill_value=0.0).to_numpy()
    count = agg.set_index(column)["w_n"].reindex(codes, fill_value=0.0).to_numpy()
    disclosure.check_base(n.sum(), k, variable)
    is_missing = np.array([c in missing for c in codes])
    base, valid_base = count.sum(), count[~is_missing].sum()
    table = pd.DataFrame({
        "code": codes, "label": [labels[c] for c in codes], "n": n, "count": count,
        "percent": _percent(count, base),
        "valid_percent": np.where(is_missing, np.nan, _percent(count, valid_base)),
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
        notes.append(_WEIGHTED_NOTE)
    return Frequency(variable, layout.variable_label(variable, language), table, float(base),
                     float(valid_base), int(n.sum()), weights is not None, tuple(notes),
                     suppression)


# ------------------------------------------------------------------------------ cross-tabs

def crosstab(source, item: str, by: str, by2: str | None = None, flt: Filter = Filter(),
             weights: Weights | None = None, k: int | None = DEFAULT_K, alpha: float = 0.05,
             include_missing: bool = False, language: str = "vi") -> CrossTab:
    """``item`` (a single-choice or grid-row variable) by banner ``by`` (and ``by2`` nested
    inside it): one GROUP BY in the source, then counts, percentages, tests, residuals,
    column-proportion letters and disclosure control.

    Raises :class:`~analysis.disclosure.DisclosureRefused` when the base is under k, and
    ``KeyError`` for an unknown variable."""
    layout = source.layout
    group = [layout.column(item), layout.column(by)] + ([layout.column(by2)] if by2 else [])
    agg = _aggregate(source, group, [], flt, None, weights)
    return build_crosstab(layout, agg, item, (by,) + ((by2,) if by2 else ()), weights, k, alpha,
                          include_missing, language)


_NO_TESTS = Message(
    vi="Không in kiểm định (khi-bình phương, Cramér's V): bảng có ô bị ẩn để bảo mật, mà thống "
       "kê kiểm định tính từ mọi ô có thể làm lộ các ô đó.",
    en="No tests printed (chi-square, Cramér's V): the table has cells suppressed for "
       "confidentiality, and a statistic computed from every cell could reveal them.",
    code="no-tests")
_TESTS_ON_PUBLISHED = Message(
    vi="Kiểm định tính trên các cột được công bố; các cột bị ẩn vì cơ sở dưới ngưỡng không "
       "được tính.",
    en="Tests use the published columns only; columns suppressed for a base under the "
       "threshold are left out.",
    code="tests-published")


def _published_tests(tested: np.ndarray, mask: np.ndarray, full: Any
                     ) -> tuple[tuple[TestResult, ...], Any, Message | None]:
    """The tests a published cross-tab may print, the contingency result they come from, and a
    note. Tests use only what is published: columns hidden whole (base under k) are left out;
    if any other cell is hidden, or fewer than two columns and two rows are left, no test is
    printed, since a statistic over hidden cells could give them away."""
    body = mask[:-1, :-1]
    if not body.any():
        return (full.pearson, full.likelihood_ratio, full.cramers_v), full, None
    published = ~mask[-1, :-1]
    if body[:, published].any():
        return (), None, _NO_TESTS
    part = tested[:, published]
    part = part[:, part.sum(axis=0) > 0]
    part = part[part.sum(axis=1) > 0]
    if part.shape[0] < 2 or part.shape[1] < 2:
        return (), None, _NO_TESTS
    result = stats.contingency(part)
    return (result.pearson, result.likelihood_ratio, result.cramers_v), result, \
        _TESTS_ON_PUBLISHED


def build_crosstab(layout, agg: pd.DataFrame, item: str, by: tuple[str, ...],
                   weights: Weights | None, k: int | None, alpha: float,
                   include_missing: bool, language: str) -> CrossTab:
    """A :class:`CrossTab` from an aggregated frame holding the item and banner columns plus
    ``n``/``w_n`` (possibly grouped by more columns, which are summed out)."""
    item_col = layout.column(item)
    by_cols = [layout.column(b) for b in by]
    row_codes, row_labels = _codes(layout, item, include_missing)
    code_lists, label_maps = zip(*(_codes(layout, b, include_missing) for b in by))
    columns = list(itertools.product(*code_lists))
    n = np.zeros((len(row_codes), len(columns)))
    count = np.zeros_like(n)
    keys = agg[[item_col, *by_cols]].to_numpy(dtype=float)
    usable = ~np.isnan(keys).any(axis=1)
    keys = keys[usable].astype(np.int64)
    row_pos = _positions(keys[:, 0], row_codes)
    col_pos = np.zeros(len(keys), dtype=np.int64)
    stride = 1
    valid = row_pos >= 0
    for d in range(len(by) - 1, -1, -1):
        pos = _positions(keys[:, d + 1], code_lists[d])
        valid &= pos >= 0
        col_pos += pos * stride
        stride *= len(code_lists[d])
    np.add.at(n, (row_pos[valid], col_pos[valid]), agg["n"].to_numpy(float)[usable][valid])
    np.add.at(count, (row_pos[valid], col_pos[valid]),
              agg["w_n"].to_numpy(float)[usable][valid])
    if len(by) > 1:  # nested: drop empty combinations
        keep = n.sum(axis=0) > 0
        n, count = n[:, keep], count[:, keep]
        columns = [c for c, kept in zip(columns, keep) if kept]
    column_keys = [c[0] if len(by) == 1 else c for c in columns]
    column_labels = [" / ".join(label_maps[d][code] for d, code in enumerate(c)) for c in columns]
    total_n = float(n.sum())
    disclosure.check_base(total_n, k, f"{item} × {' × '.join(by)}")
    total = float(count.sum())

    # Tests on the weighted table scaled to the real sample size (svytable(..., Ntotal = n)).
    tested = count * (total_n / total) if weights is not None and total > 0 else count
    result = stats.contingency(tested)
    col_base_n, col_base = n.sum(axis=0), count.sum(axis=0)
    row_base = count.sum(axis=1)
    letters = stats.column_proportion_letters(count, bases=col_base_n if weights is not None
                                              else None, alpha=alpha)
    if weights is not None:  # proportions from weighted counts, tested on the real bases
        props = np.where(col_base > 0, count / np.where(col_base > 0, col_base, 1), 0)
        letters = stats.column_proportion_letters(props * col_base_n, bases=col_base_n,
                                                  alpha=alpha)
    mask, reasons = disclosure.suppression_mask(n, k)
    body = mask[:-1, :-1]
    letter_names = stats.column_letters(len(columns))

    row_pct = _percent(count, row_base[:, None])
    col_pct = _percent(count, col_base[None, :])
    total_pct = _percent(count, np.array(total))
    expected = result.expected * (total / total_n if weights is not None and total_n else 1)
    r_count, c_count = len(row_codes), len(column_keys)
    hidden = body.ravel()

    def cells(matrix: np.ndarray) -> np.ndarray:
        return np.where(hidden, np.nan, np.asarray(matrix, dtype=float).ravel())

    table = pd.DataFrame({
        "row": np.repeat(row_codes, c_count),
        "row_label": np.repeat([row_labels[r] for r in row_codes], c_count),
        "column": pd.Series(column_keys * r_count, dtype=object) if len(by) > 1
        else np.tile(column_keys, r_count),
        "column_label": np.tile(column_labels, r_count),
        "n": cells(n), "count": cells(count), "row_pct": cells(row_pct),
        "col_pct": cells(col_pct), "total_pct": cells(total_pct), "expected": cells(expected),
        "adj_residual": cells(result.residuals),
        "letters": np.where(hidden, "", np.array(letters, dtype=object).reshape(-1)
                            if r_count and c_count else np.array([], dtype=object)),
        "suppressed": hidden})
    base_hidden = mask[-1, :-1]
    bases = pd.DataFrame({"column": column_keys, "column_label": column_labels,
                          "n": np.where(base_hidden, np.nan, col_base_n),
                          "count": np.where(base_hidden, np.nan, col_base),
                          "letter": letter_names, "suppressed": base_hidden})
    row_hidden = mask[:-1, -1]
    row_totals = pd.DataFrame({"row": row_codes, "n": np.where(row_hidden, np.nan, n.sum(axis=1)),
                               "count": np.where(row_hidden, np.nan, row_base),
                               "suppressed": row_hidden})

    notes: list[Message] = []
    tests, tested_result, test_note = _published_tests(tested, mask, result)
    if test_note is not None:
        notes.append(test_note)
    if tested_result is not None and tested_result.small.warn:
        result_small = tested_result.small
    else:
        result_small = None
    if result_small is not None:
        notes.append(Message(
            vi=f"{result_small.cells_below_5} ô ({result_small.share_below_5:.0%}) có tần số "
               f"kỳ vọng dưới 5; nhỏ nhất {result_small.minimum:.2f}. Giá trị p tiệm cận có thể "
               "không tin cậy.",
            en=f"{result_small.cells_below_5} cells ({result_small.share_below_5:.0%}) have "
               f"expected count less than 5; the minimum is {result_small.minimum:.2f}. "
               "Asymptotic p-values may be unreliable.", code="small-expected"))
    notes.append(Message(
        vi=f"Chữ cái: cột có tỷ lệ thấp hơn có ý nghĩa (kiểm định z hai tỷ lệ, p < {alpha}, "
           "hiệu chỉnh Bonferroni trong từng hàng).",
        en=f"Letters: columns with a significantly smaller proportion (two-proportion z-test, "
           f"p < {alpha}, Bonferroni-adjusted within each row).", code="letters"))
    if weights is not None:
        notes.append(_WEIGHTED_NOTE)
    suppression = None
    if k:
        cells = disclosure.cells_frame(reasons, row_codes, column_keys)
        suppression = Suppression(k, cells)
        if len(cells):
            notes.append(disclosure.suppression_note(k, len(cells)))
            # Residuals and letters could reveal a hidden cell: they are blank there already.
    ct = CrossTab(item, layout.variable_label(item, language), tuple(by),
                  tuple(layout.variable_label(b, language) for b in by), table, bases, total,
                  int(total_n), tests, tuple(notes), suppression, weights is not None, alpha,
                  row_totals)
    return ct


# ------------------------------------------------------------------------------ multiple choice

def multiple(source, item: str, by: str | None = None, flt: Filter = Filter(),
             weights: Weights | None = None, k: int | None = DEFAULT_K,
             language: str = "vi") -> MultipleTable:
    """% of cases (respondents answering the item) and % of responses (all selections)."""
    layout = source.layout
    options = layout.option_columns(item)
    aggs = [Agg(f"o{i}", "sum", col) for i, col in enumerate(options.values())]
    group = [layout.column(by)] if by else []
    agg = _aggregate(source, group, aggs, flt, layout.answered_column(item), weights)
    return _build_multiple(layout, agg, item, by, options, weights, k, language)


def _columns_of(layout, agg: pd.DataFrame, by: str | None) -> list[tuple[Any, str, pd.DataFrame]]:
    """(column key, label, rows of agg) per banner category (plus nothing else)."""
    if by is None:
        return [("total", "Tổng", agg)]
    col = layout.column(by)
    codes, labels = _codes(layout, by, include_missing=False)
    return [(code, labels[code], agg[agg[col] == code]) for code in codes]


def _build_multiple(layout, agg, item, by, options, weights, k, language) -> MultipleTable:
    labels = layout.option_labels(item, language)
    parts = _columns_of(layout, agg, by)
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
                "pct_cases": np.nan if hidden else _percent(w[i, j], cases[j]).item(),
                "pct_responses": np.nan if hidden else _percent(w[i, j], responses[j]).item(),
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
        notes.append(_WEIGHTED_NOTE)
    cells = table.loc[table["suppressed"], ["option", "column"]].rename(columns={"option": "row"})
    cells["reason"] = "primary-or-complementary"
    return MultipleTable(item, layout.variable_label(item, language), (by,) if by else (), table,
                         bases, weights is not None, tuple(notes),
                         Suppression(k, cells) if k else None)


# ------------------------------------------------------------------------------ ranking

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
    agg = _aggregate(source, group, aggs, flt, layout.answered_column(item), weights)
    return _build_ranking(layout, agg, item, by, options, top, weights, k, language)


def _build_ranking(layout, agg, item, by, options, top, weights, k, language) -> RankingTable:
    labels = layout.option_labels(item, language)
    parts = _columns_of(layout, agg, by)
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
                "pct_first": np.nan if hidden else _percent(first, cases).item(),
                "ranked": np.nan if hidden else ranked,
                "pct_ranked": np.nan if hidden else _percent(ranked, cases).item(),
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
        notes.append(_WEIGHTED_NOTE)
    cells = table.loc[table["suppressed"], ["option", "column"]].rename(columns={"option": "row"})
    cells["reason"] = "primary-or-complementary"
    return RankingTable(item, layout.variable_label(item, language), (by,) if by else (), top,
                        table, bases, weights is not None, tuple(notes),
                        Suppression(k, cells) if k else None)


# ------------------------------------------------------------------------------ numeric

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
    agg = _aggregate(source, group, [], flt, None, weights)
    agg = agg[agg[value_col].notna()]
    return _build_numeric(layout, agg, item, by, weights, k, language, exclude=set())


def _build_numeric(layout, agg, item, by, weights, k, language, exclude) -> NumericSummary:
    value_col = layout.column(item)
    agg = agg[~agg[value_col].isin(exclude)]
    disclosure.check_base(float(agg["n"].sum()), k, item)
    records = []
    for key, label, rows in _columns_of(layout, agg, by):
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
        notes.append(_WEIGHTED_NOTE)
    return NumericSummary(item, layout.variable_label(item, language), (by,) if by else (),
                          table, weights is not None, tuple(notes))


# ------------------------------------------------------------------------------ Likert

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
        agg = _aggregate(source, group, [], flt, None, weights)
        agg = agg[agg[col].notna() & ~agg[col].isin(missing)]
        disclosure.check_base(float(agg["n"].sum()), k, variable)
        for key, label, rows in _columns_of(layout, agg, by):
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


# ------------------------------------------------------------------------------ banner book

#: Conditional counts per query in the "scan" strategy: one query for the flagship's ~330;
#: PostgreSQL allows 1,664 output columns, SQLite 2,000.
SCAN_BATCH = 800


def _book_aggs(layout, variables: Sequence[str], banner_cols: list[str]
               ) -> tuple[list[Agg], dict[str, dict[str, str]]]:
    """The conditional counts of the "scan" strategy and, per variable, which of them feed which
    column of the frame its table builder reads (builder column → agg name)."""
    aggs: list[Agg] = []
    feeds: dict[str, dict[str, str]] = {}

    def add(kind: str, column: str, arg: float | None = None) -> str:
        aggs.append(Agg(f"s{len(aggs)}", kind, column, arg))
        return aggs[-1].name

    for variable in variables:
        item = layout.item(variable)
        kind = item["type"]
        if kind in ("single", "grid"):
            col = layout.column(variable)
            if col not in banner_cols:
                feeds[variable] = {str(code): add("eq", col, code)
                                   for code in layout.option_labels(variable)}
        elif kind in ("multiple", "ranking"):
            # Option columns are NULL where the item was not answered (analysis.layout), so
            # counts over all rows equal counts over the rows answering it.
            feed = {"n": add("count", layout.answered_column(variable))}
            top = int(item.get("top") or len(layout.option_columns(variable)))
            for i, column in enumerate(layout.option_columns(variable).values()):
                if kind == "multiple":
                    feed[f"o{i}"] = add("sum", column)
                else:
                    feed[f"f{i}"] = add("eq", column, 1)
                    feed[f"r{i}"] = add("count", column)
                    feed[f"s{i}"] = add("score", column, top)
            feeds[variable] = feed
    return aggs, feeds


def _scan(source, variables: Sequence[str], banner_cols: list[str], flt: Filter,
          weights: Weights | None) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """Every single, grid, multiple-choice and ranking count of the book from one scan grouped
    by the banners (a few scans beyond :data:`SCAN_BATCH` counts). Returns the banner frame
    (``n`` per banner combination: the tables of the banner variables themselves) and, per
    other variable, the frame its builder reads — the same numbers as a GROUP BY per variable
    (the "group" strategy), a margin at a time."""
    layout = source.layout
    aggs, feeds = _book_aggs(layout, variables, banner_cols)
    merged: pd.DataFrame | None = None
    for start in range(0, max(len(aggs), 1), SCAN_BATCH):
        part = _aggregate(source, banner_cols, aggs[start:start + SCAN_BATCH], flt, None,
                          weights, build_index=False)
        part = part.drop(columns=["n", "w_n"]) if merged is not None else part
        merged = part if merged is None else merged.merge(part, on=banner_cols, how="outer")
    assert merged is not None
    keys = merged[banner_cols]
    frames: dict[str, pd.DataFrame] = {}
    for variable, feed in feeds.items():
        if layout.item(variable)["type"] in ("single", "grid"):
            col = layout.column(variable)
            frames[variable] = pd.concat([
                pd.concat([keys, pd.DataFrame({col: float(code), "n": merged[name],
                                               "w_n": merged["w_" + name]})], axis=1)
                for code, name in feed.items()], ignore_index=True)
        else:
            columns = {**{target: merged[name] for target, name in feed.items()},
                       **{"w_" + target: merged["w_" + name] for target, name in feed.items()}}
            frame = pd.concat([keys, pd.DataFrame(columns)], axis=1)
            frames[variable] = frame[frame["n"] > 0].reset_index(drop=True)
    return merged[[*banner_cols, "n", "w_n"]], frames


#: The default on both engines, by measurement (flagship book by A2, A3, A5, 200,000 responses,
#: CPU seconds incl. the PostgreSQL server's): "scan" SQLite 5.7, PostgreSQL 4.3; "group"
#: SQLite 21.8, PostgreSQL 16.3. At 1,000,000 on SQLite: "scan" 19 s of CPU.
DEFAULT_STRATEGY = "scan"


def banner_book(source, banners: Sequence[str], items: Iterable[str] | None = None,
                flt: Filter = Filter(), weights: Weights | None = None,
                k: int | None = DEFAULT_K, alpha: float = 0.05,
                language: str = "vi", strategy: str | None = None) -> Book:
    """Every analysable variable by every banner in ``banners``.

    ``strategy="scan"`` (the default): every single-choice, grid, multiple-choice and ranking
    count in one scan grouped by the banners (:func:`_scan`); each table is a margin of that
    frame. ``strategy="group"``: one GROUP BY per variable over the variable and *all* banners
    at once. Both give the same tables; "scan" reads the table once instead of once per
    variable (:data:`DEFAULT_STRATEGY` has the figures). Numeric items always take a GROUP BY
    of their own (medians need the distribution). The book builds no covering index
    (:mod:`analysis.covering`): each of its queries runs once. Single choice
    and grid rows give :class:`CrossTab`, multiple choice :class:`MultipleTable`, ranking
    :class:`RankingTable`, numeric :class:`NumericSummary`. Tables refused by disclosure control
    are listed in ``errors``."""
    started = time.perf_counter()
    strategy = strategy or DEFAULT_STRATEGY
    if strategy not in ("scan", "group"):
        raise ValueError(f"unknown banner book strategy {strategy!r}")
    layout = source.layout
    banner_cols = [layout.column(b) for b in banners]
    variables = list(items) if items is not None else layout.analysable_variables()
    tables: list[Any] = []
    errors: list[tuple[str, str, Message]] = []
    scanned: dict[str, pd.DataFrame] = {}
    banner_frame: pd.DataFrame | None = None
    if strategy == "scan":
        banner_frame, scanned = _scan(source, variables, banner_cols, flt, weights)
    for variable in variables:
        item = layout.item(variable)
        kind = item["type"]
        try:
            if kind in ("single", "grid"):
                col = layout.column(variable)
                if variable in scanned:
                    agg = scanned[variable]
                elif banner_frame is not None and col in banner_cols:
                    agg = banner_frame
                else:
                    agg = _aggregate(source, list(dict.fromkeys([col, *banner_cols])), [], flt,
                                     None, weights, build_index=False)
                built = [(b, lambda b=b, agg=agg: build_crosstab(
                    layout, agg, variable, (b,), weights, k, alpha, False, language))
                    for b in banners if b != variable]
            elif kind == "multiple":
                options = layout.option_columns(variable)
                if variable in scanned:
                    agg = scanned[variable]
                else:
                    aggs = [Agg(f"o{i}", "sum", c) for i, c in enumerate(options.values())]
                    agg = _aggregate(source, banner_cols, aggs, flt,
                                     layout.answered_column(variable), weights,
                                     build_index=False)
                built = [(b, lambda b=b, agg=agg: _build_multiple(
                    layout, agg, variable, b, options, weights, k, language)) for b in banners]
            elif kind == "ranking":
                options = layout.option_columns(variable)
                top = int(item.get("top") or len(options))
                if variable in scanned:
                    agg = scanned[variable]
                else:
                    aggs = []
                    for i, c in enumerate(options.values()):
                        aggs += [Agg(f"f{i}", "eq", c, 1), Agg(f"r{i}", "count", c),
                                 Agg(f"s{i}", "score", c, top)]
                    agg = _aggregate(source, banner_cols, aggs, flt,
                                     layout.answered_column(variable), weights,
                                     build_index=False)
                built = [(b, lambda b=b, agg=agg: _build_ranking(
                    layout, agg, variable, b, options, top, weights, k, language))
                    for b in banners]
            elif kind == "numeric":
                col = layout.column(variable)
                agg = _aggregate(source, [*banner_cols, col], [], flt, None, weights,
                                 build_index=False)
                agg = agg[agg[col].notna()]
                built = [(b, lambda b=b, agg=agg: _build_numeric(
                    layout, agg, variable, b, weights, k, language, set())) for b in banners]
            else:
                continue
        except disclosure.DisclosureRefused as refused:
            errors.append((variable, "", refused.message))
            continue
        for banner, build in built:
            try:
                tables.append(build())
            except disclosure.DisclosureRefused as refused:
                errors.append((variable, banner, refused.message))
    return Book(tuple(banners), tuple(tables), tuple(errors), (),
                time.perf_counter() - started)
