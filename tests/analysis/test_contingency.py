"""Contingency-table statistics against published and hand-computed values."""
from __future__ import annotations

import math

import numpy as np
import pytest

from analysis import stats
from analysis.tables import crosstab
from tests.analysis.helpers import source_from_counts

# Agresti (2007), An Introduction to Categorical Data Analysis, 2nd ed., Table 2.5 (p. 39):
# gender by party identification (Democrat, Independent, Republican).
AGRESTI = np.array([[762, 327, 468], [484, 239, 477]])


def test_agresti_pearson_and_likelihood_ratio():
    pearson = stats.pearson(AGRESTI)
    lr = stats.likelihood_ratio(AGRESTI)
    assert pearson.df == 2 and lr.df == 2
    assert round(pearson.statistic, 2) == 30.07
    assert round(lr.statistic, 2) == 30.02
    assert pearson.p_value == pytest.approx(2.954e-07, rel=1e-3)


def test_agresti_adjusted_residuals():
    residuals = stats.adjusted_residuals(AGRESTI)
    assert np.round(residuals[0], 3).tolist() == [4.502, 0.699, -5.316]
    assert np.allclose(residuals[1], -residuals[0])  # two rows: mirror images


def test_cramers_v_hand_computed():
    v = stats.cramers_v(AGRESTI)
    assert v.statistic == pytest.approx(math.sqrt(30.0701 / (2757 * 1)), rel=1e-4)


def test_small_expected_warning():
    small = stats.small_expected(np.array([[1, 2], [3, 10]]))
    assert small.warn and small.cells_below_5 == 3
    assert not stats.small_expected(AGRESTI).warn


def test_column_proportions_worked_example():
    # Row 1: 30/100 = .30 in A, 50/100 = .50 in B, 32/100 = .32 in C.
    # A vs B: pooled .40, se = sqrt(.4 * .6 * (2/100)) = .069282, z = -2.8868, p = .003892;
    # Bonferroni × 3 = .011677 < .05, so B carries "A". B vs C: pooled .41, se = .069556,
    # z = 2.5878, p = .009659 × 3 = .028977 < .05: B carries "C". A vs C: z = -0.3056, ns.
    counts = np.array([[30, 50, 32], [70, 50, 68]])
    letters = stats.column_proportion_letters(counts)
    assert letters[0] == ["", "AC", ""]
    assert letters[1] == ["B", "", "B"]
    # Without the correction the same pairs are significant; a borderline pair shows the effect:
    # 40/100 vs 54/100: z = 1.9833, p = .04733 (significant alone) but × 3 = .142 (not).
    border = np.array([[40, 54, 47], [60, 46, 53]])
    assert stats.column_proportion_letters(border, bonferroni=False)[0] == ["", "A", ""]
    assert stats.column_proportion_letters(border)[0] == ["", "", ""]


def test_crosstab_object_on_agresti():
    source = source_from_counts(["F", "M"], ["Dem", "Ind", "Rep"], AGRESTI)
    # rows: party (q), columns: gender (b) — build transposed so gender is the banner
    source = source_from_counts(["Dem", "Ind", "Rep"], ["F", "M"], AGRESTI.T)
    table = crosstab(source, "q", "b", k=5)
    assert table.n == 2757
    assert round(table.test("Pearson").statistic, 2) == 30.07
    assert round(table.test("Likelihood").statistic, 2) == 30.02
    cells = table.table.set_index(["row", "column"])
    assert cells.loc[(1, 1), "n"] == 762
    assert cells.loc[(1, 1), "col_pct"] == pytest.approx(100 * 762 / 1557)
    assert cells.loc[(1, 1), "row_pct"] == pytest.approx(100 * 762 / 1246)
    assert cells.loc[(1, 1), "total_pct"] == pytest.approx(100 * 762 / 2757)
    assert round(cells.loc[(1, 1), "adj_residual"], 3) == 4.502
    assert round(cells.loc[(3, 1), "adj_residual"], 3) == -5.316
    # Democrats: 48.9% of women vs 40.3% of men: significant, women carry "B".
    assert cells.loc[(1, 1), "letters"] == "B" and cells.loc[(3, 2), "letters"] == "A"
    assert table.bases["n"].tolist() == [1557, 1200]
    assert not table.suppression
