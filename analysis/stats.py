"""Statistics on small aggregated tables (numpy arrays of counts): the part SPSS CROSSTABS and
CTABLES print, computed the way they compute it so numbers can be checked against them.

All functions take an ``r × c`` array of (possibly weighted) counts. Rows or columns that are
entirely zero are dropped before testing, as SPSS does, so they do not inflate the df.
"""
from __future__ import annotations

import math
import string
from dataclasses import dataclass

import numpy as np
from scipy import special, stats

from analysis.results import TestResult

__all__ = ["expected_counts", "pearson", "likelihood_ratio", "cramers_v", "adjusted_residuals",
           "small_expected", "column_proportion_letters", "column_letters", "Contingency",
           "contingency"]


def _nonzero(table: np.ndarray) -> np.ndarray:
    table = np.asarray(table, dtype=float)
    return table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]


def expected_counts(table: np.ndarray) -> np.ndarray:
    table = np.asarray(table, dtype=float)
    total = table.sum()
    if total == 0:
        return np.zeros_like(table)
    return np.outer(table.sum(axis=1), table.sum(axis=0)) / total


def pearson(table: np.ndarray) -> TestResult:
    """Pearson X² = Σ (O − E)² / E with df (r − 1)(c − 1) over non-empty rows and columns."""
    observed = _nonzero(table)
    r, c = observed.shape
    df = (r - 1) * (c - 1)
    if df < 1:
        return TestResult("Pearson chi-square", math.nan, df, None,
                          "needs at least two non-empty rows and columns")
    expected = expected_counts(observed)
    x2 = float(((observed - expected) ** 2 / expected).sum())
    return TestResult("Pearson chi-square", x2, df, float(stats.chi2.sf(x2, df)),
                      "asymptotic p, chi-square distribution")


def likelihood_ratio(table: np.ndarray) -> TestResult:
    """G² = 2 Σ O ln(O / E), cells with O = 0 contributing 0."""
    observed = _nonzero(table)
    r, c = observed.shape
    df = (r - 1) * (c - 1)
    if df < 1:
        return TestResult("Likelihood ratio", math.nan, df, None,
                          "needs at least two non-empty rows and columns")
    expected = expected_counts(observed)
    mask = observed > 0
    g2 = float(2 * (observed[mask] * np.log(observed[mask] / expected[mask])).sum())
    return TestResult("Likelihood ratio", g2, df, float(stats.chi2.sf(g2, df)),
                      "asymptotic p, chi-square distribution")


def cramers_v(table: np.ndarray) -> TestResult:
    """V = sqrt(X² / (N (min(r, c) − 1))); its p is that of the Pearson test (as SPSS shows)."""
    observed = _nonzero(table)
    chi = pearson(observed)
    k = min(observed.shape) - 1
    total = observed.sum()
    if k < 1 or total == 0 or math.isnan(chi.statistic):
        return TestResult("Cramér's V", math.nan, None, None)
    return TestResult("Cramér's V", math.sqrt(chi.statistic / (total * k)), None, chi.p_value,
                      "p of the Pearson chi-square")


def adjusted_residuals(table: np.ndarray) -> np.ndarray:
    """Haberman's adjusted standardised residuals (O − E) / sqrt(E (1 − R/N)(1 − C/N)).

    NaN where a row or column is empty (the residual is undefined there)."""
    table = np.asarray(table, dtype=float)
    total = table.sum()
    rows, cols = table.sum(axis=1), table.sum(axis=0)
    expected = expected_counts(table)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.sqrt(expected * np.outer(1 - rows / total, 1 - cols / total))
        result = (table - expected) / scale
    result[~np.isfinite(result)] = np.nan
    return result


@dataclass(frozen=True)
class SmallExpected:
    cells_below_5: int
    share_below_5: float
    minimum: float

    @property
    def warn(self) -> bool:
        """The usual rule (Cochran; SPSS footnote): more than 20% of expected counts under 5,
        or any under 1, makes the asymptotic p unreliable."""
        return self.share_below_5 > 0.2 or self.minimum < 1


def small_expected(table: np.ndarray) -> SmallExpected:
    observed = _nonzero(table)
    if observed.size == 0:
        return SmallExpected(0, 0.0, math.nan)
    expected = expected_counts(observed)
    below = int((expected < 5).sum())
    return SmallExpected(below, below / expected.size, float(expected.min()))


def column_letters(count: int) -> list[str]:
    """A, B, …, Z, AA, AB, … as SPSS labels columns for comparisons."""
    letters = []
    for index in range(count):
        name, index = "", index
        while True:
            name = string.ascii_uppercase[index % 26] + name
            index = index // 26 - 1
            if index < 0:
                break
        letters.append(name)
    return letters


def column_proportion_letters(counts: np.ndarray, bases: np.ndarray | None = None,
                              alpha: float = 0.05, bonferroni: bool = True) -> list[list[str]]:
    """Column-proportion z-tests as SPSS CTABLES "compare column proportions".

    For every row and every pair of columns (a, b) with proportions p_a = x_a / n_a and p_b:
    pooled p = (x_a + x_b) / (n_a + n_b), z = (p_a − p_b) / sqrt(p (1 − p)(1/n_a + 1/n_b)),
    two-sided p. With Bonferroni, p is multiplied by the number of pairs compared in that row
    (columns whose proportion is 0 or 1 in that row, or whose base is 0, are not compared,
    as in CTABLES). When significant at ``alpha``, the letter of the column with the smaller
    proportion is placed in the cell of the larger one.

    ``counts`` is r × c; ``bases`` the column bases (default: column sums). Returns, per cell,
    the letters as a list of strings (r lists of c strings).
    """
    counts = np.asarray(counts, dtype=float)
    bases = counts.sum(axis=0) if bases is None else np.asarray(bases, dtype=float)
    r, c = counts.shape
    letters = column_letters(c)
    result = [["" for _ in range(c)] for _ in range(r)]
    for i in range(r):
        with np.errstate(divide="ignore", invalid="ignore"):
            props = np.where(bases > 0, counts[i] / np.where(bases > 0, bases, 1), np.nan)
        testable = np.flatnonzero((bases > 0) & (props > 0) & (props < 1))
        if len(testable) < 2:
            continue
        first, second = np.triu_indices(len(testable), k=1)
        a, b = testable[first], testable[second]
        pooled = (counts[i, a] + counts[i, b]) / (bases[a] + bases[b])
        se = np.sqrt(pooled * (1 - pooled) * (1 / bases[a] + 1 / bases[b]))
        factor = len(a) if bonferroni else 1
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where(se > 0, (props[a] - props[b]) / np.where(se > 0, se, 1), 0.0)
        p = np.minimum(1.0, special.erfc(np.abs(z) / math.sqrt(2)) * factor)  # two-sided
        found: list[list[str]] = [[] for _ in range(c)]
        for x, y, pv, zv in zip(a, b, p, z):
            if pv < alpha and zv != 0:
                big, small = (x, y) if zv > 0 else (y, x)
                found[big].append(letters[small])
        for j in range(c):
            result[i][j] = "".join(sorted(found[j], key=lambda s: (len(s), s)))
    return result


@dataclass(frozen=True)
class Contingency:
    """Everything CROSSTABS prints for one table, computed once."""

    expected: np.ndarray
    residuals: np.ndarray
    pearson: TestResult
    likelihood_ratio: TestResult
    cramers_v: TestResult
    small: SmallExpected


def contingency(table: np.ndarray) -> Contingency:
    table = np.asarray(table, dtype=float)
    return Contingency(expected_counts(table), adjusted_residuals(table), pearson(table),
                       likelihood_ratio(table), cramers_v(table), small_expected(table))
