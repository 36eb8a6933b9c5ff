"""Small pilots (issue 25, points 7 and 12): no test statistic is printed over suppressed cells,
tests over the published columns only are checked against hand-computed values, a chart of an
all-suppressed table is not drawn (no empty −1..1 axis), and a single-choice item with no banner
has a chart."""
from __future__ import annotations

import math

import numpy as np
import pytest

from analysis import crosstab, frequencies
from analysis.charts import figure_for, has_values
from tests.analysis.helpers import source_from_counts


def test_tests_use_the_published_columns_only():
    # Columns 1-2 are published; columns 3 and 4 (bases 3 and 2, under 5) are hidden whole,
    # and two hidden cells in every line need no complementary suppression.
    source = source_from_counts(["a", "b"], ["c1", "c2", "c3", "c4"],
                                np.array([[10, 20, 1, 1], [20, 10, 2, 1]]))
    table = crosstab(source, "q", "b", k=5)
    assert table.bases["suppressed"].tolist() == [False, False, True, True]
    assert not table.table[table.table["column"].isin([1, 2])]["suppressed"].any()
    # By hand on [[10, 20], [20, 10]]: every expected count 15, X² = 4 · 5² / 15 = 20/3,
    # df 1, Cramér's V = sqrt(X² / (60 · 1)) = 1/3.
    pearson = table.test("Pearson")
    assert pearson.statistic == pytest.approx(20 / 3)
    assert pearson.df == 1
    assert pearson.p_value == pytest.approx(math.erfc(math.sqrt(20 / 3 / 2)))
    assert table.test("Cramér").statistic == pytest.approx(1 / 3)
    assert any(n.code == "tests-published" for n in table.notes)


def test_no_test_when_a_published_column_has_a_hidden_cell():
    source = source_from_counts(["a", "b"], ["c1", "c2"], np.array([[10, 3], [20, 10]]))
    table = crosstab(source, "q", "b", k=5)
    assert table.table["suppressed"].any()
    assert table.tests == ()
    assert any(n.code == "no-tests" for n in table.notes)
    assert not any(n.code == "small-expected" for n in table.notes)


def test_fully_suppressed_table_has_no_test_and_no_chart():
    # Twelve respondents spread so that every cell and every column base is under k = 5.
    source = source_from_counts(["a", "b", "c"], ["c1", "c2", "c3"],
                                np.array([[2, 1, 1], [1, 2, 1], [1, 1, 2]]))
    table = crosstab(source, "q", "b", k=5)
    assert table.table["suppressed"].all()
    assert table.tests == ()
    assert figure_for(table) is None


def test_unsuppressed_table_keeps_its_tests():
    source = source_from_counts(["a", "b"], ["c1", "c2"], np.array([[10, 20], [20, 10]]))
    table = crosstab(source, "q", "b", k=5)
    assert table.test("Pearson").statistic == pytest.approx(20 / 3)
    assert not any(n.code in ("no-tests", "tests-published") for n in table.notes)


def test_single_choice_without_banner_has_a_chart_with_labels():
    source = source_from_counts(["Rất phổ biến", "Ít"], ["c1"], np.array([[7], [5]]))
    result = frequencies(source, "q", k=5)
    figure = figure_for(result)
    assert figure is not None and has_values(figure)
    (bar,) = figure.data
    assert list(bar.y) == ["Rất phổ biến", "Ít"]
    assert list(bar.x) == pytest.approx([700 / 12, 500 / 12])
    counts = figure_for(result, mode="count").data[0]
    assert list(counts.x) == [7, 5]


def test_frequency_chart_marks_suppressed_bars():
    source = source_from_counts(["a", "b", "c"], ["c1"], np.array([[7], [2], [6]]))
    bar = figure_for(frequencies(source, "q", k=5)).data[0]
    assert bar.x[0] is not None and bar.x[1] is None  # 2 < 5: hidden, and its complement
    assert "x" in bar.text


def test_no_test_when_only_one_column_has_respondents():
    """A fresh-clone walk saw "Pearson chi-square(0) = nan" and "Cramér's V = nan" beside a
    table whose banner had one non-empty group: nothing to test, so nothing printed, and why."""
    source = source_from_counts(["a", "b"], ["c1", "c2"], np.array([[10, 0], [20, 0]]))
    table = crosstab(source, "q", "b", k=5)
    assert not table.table["suppressed"].any()
    assert table.tests == ()
    assert any(n.code == "no-test-possible" for n in table.notes)
