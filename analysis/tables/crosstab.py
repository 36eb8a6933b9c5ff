"""Cross-tabulations: counts, percentages, tests, residuals, column-proportion letters, with
disclosure control; also the builder the banner book uses on its own aggregated frames."""
from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pandas as pd

from analysis import disclosure, stats
from analysis.disclosure import DEFAULT_K
from analysis.filters import Filter
from analysis.results import CrossTab, Message, Suppression, TestResult
from analysis.tables.cells import option_codes, percent, positions
from analysis.tables.weighted import WEIGHTED_NOTE, Weights, aggregate

__all__ = ["crosstab", "build_crosstab"]


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
    agg = aggregate(source, group, [], flt, None, weights)
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
_NO_TEST_POSSIBLE = Message(
    vi="Không in kiểm định: cần ít nhất hai hàng và hai cột có người trả lời.",
    en="No tests printed: they need at least two rows and two columns with respondents.",
    code="no-test-possible")


def _published_tests(tested: np.ndarray, mask: np.ndarray, full: Any
                     ) -> tuple[tuple[TestResult, ...], Any, Message | None]:
    """The tests a published cross-tab may print, the contingency result they come from, and a
    note. Tests use only what is published: columns hidden whole (base under k) are left out;
    if any other cell is hidden, or fewer than two columns and two rows are left, no test is
    printed, since a statistic over hidden cells could give them away."""
    body = mask[:-1, :-1]
    if not body.any():
        if full.pearson.df is not None and full.pearson.df < 1:  # "chi-square(0) = nan" helps nobody
            return (), None, _NO_TEST_POSSIBLE
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
    row_codes, row_labels = option_codes(layout, item, include_missing)
    code_lists, label_maps = zip(*(option_codes(layout, b, include_missing) for b in by))
    columns = list(itertools.product(*code_lists))
    n = np.zeros((len(row_codes), len(columns)))
    count = np.zeros_like(n)
    keys = agg[[item_col, *by_cols]].to_numpy(dtype=float)
    usable = ~np.isnan(keys).any(axis=1)
    keys = keys[usable].astype(np.int64)
    row_pos = positions(keys[:, 0], row_codes)
    col_pos = np.zeros(len(keys), dtype=np.int64)
    stride = 1
    valid = row_pos >= 0
    for d in range(len(by) - 1, -1, -1):
        pos = positions(keys[:, d + 1], code_lists[d])
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

    row_pct = percent(count, row_base[:, None])
    col_pct = percent(count, col_base[None, :])
    total_pct = percent(count, np.array(total))
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
        notes.append(WEIGHTED_NOTE)
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
