"""Design-based tables against the published NHANES II survey-weighted table.

Reference (Stata ``svy: tabulate race diabetes, cell se`` / R ``svychisq``) on the NHANES II subset
shipped in the samplics 0.4.22 wheel (tests/fixtures/nhanes2.csv), n = 10,335, 31 strata, 62 PSUs.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.design import svy_crosstab

NHANES = Path(__file__).resolve().parent.parent / "fixtures" / "nhanes2.csv"


@pytest.fixture(scope="module")
def nhanes():
    data = pd.read_csv(NHANES)
    return svy_crosstab(data, "race", "diabetes", weight="finalwgt", strata="stratid",
                        psu="psuid")


def test_cell_proportions_and_taylor_standard_errors(nhanes):
    assert (nhanes.n, nhanes.strata, nhanes.psus, nhanes.df) == (10335, 31, 62, 31)
    cells = nhanes.table  # rows race 1..3, columns diabetes 0, 1
    assert np.round(cells["proportion"], 6).tolist() == [
        .850866, .028123, .089991, .005646, .024858, .000516]
    assert np.round(cells["se"], 6).tolist() == [
        .015850, .001938, .012171, .000847, .010188, .000387]


def test_rao_scott_tests(nhanes):
    pearson = nhanes.test("Pearson chi-square (uncorrected)")
    assert (round(pearson.statistic, 4), pearson.df) == (21.2661, 2)
    lr = nhanes.test("Likelihood ratio (uncorrected)")
    assert round(lr.statistic, 4) == 18.3925
    f = nhanes.test("Pearson: Rao-Scott F")
    assert round(f.statistic, 4) == 14.9435
    assert tuple(round(x, 2) for x in f.df) == (1.52, 47.26)
    assert nhanes.shown_test is f
    f_lr = nhanes.test("Likelihood ratio: Rao-Scott F")
    assert round(f_lr.statistic, 4) == 12.9242 and round(f_lr.p_value, 4) == 0.0001
    first = nhanes.test("Pearson: Rao-Scott chi-square (first-order)")
    # first-order: X² / mean design effect, df 2; the mean design effect is tr(Δ)/2
    assert first.statistic == pytest.approx(21.2661 * 2 / nhanes.design_effects.sum(), rel=1e-4)
    assert "second-order" in f.name and "first-order" in first.name


def test_frequency_rows_equal_unit_rows():
    # Each unit its own PSU: grouping identical units into frequency rows changes nothing.
    rng = np.random.default_rng(5)
    units = pd.DataFrame({"a": rng.integers(1, 4, 400), "b": rng.integers(1, 3, 400),
                          "s": rng.integers(1, 3, 400)})
    units["w"] = np.where(units["s"] == 1, 2.0, 5.0)
    units["N"] = np.where(units["s"] == 1, 1000.0, 3000.0)
    plain = svy_crosstab(units, "a", "b", weight="w", strata="s", fpc="N")
    grouped = units.groupby(["a", "b", "s", "w", "N"]).size().rename("n").reset_index()
    freq = svy_crosstab(grouped, "a", "b", weight="w", strata="s", fpc="N", frequency="n")
    assert np.allclose(plain.table["se"], freq.table["se"])
    assert np.allclose([t.statistic for t in plain.tests], [t.statistic for t in freq.tests])
    # the finite population correction shrinks the standard errors
    no_fpc = svy_crosstab(units, "a", "b", weight="w", strata="s")
    assert (plain.table["se"] < no_fpc.table["se"]).all()


def test_design_crosstab_pushed_down_equals_unit_records():
    """Stratified by a banner with a finite population correction, counted by the source
    (frequency rows), equals the unit-record computation."""
    from analysis import FrameSource
    from analysis.design import design_crosstab
    from analysis.weighting import cell_weights
    from tests.analysis.helpers import frame_from_counts, two_way_definition

    definition = two_way_definition(["có", "không", "không rõ"], ["tỉnh", "xã"])
    frame = frame_from_counts(definition, [[40, 25], [30, 45], [10, 20]])
    source = FrameSource(definition, frame)
    margins = {"b": pd.Series({1: 3000.0, 2: 7000.0})}
    weights = cell_weights(source, margins)
    table = design_crosstab(source, "q", "b", strata="b", population={1: 3000, 2: 7000},
                            weights=weights)
    units = frame.assign(w=np.where(frame["v_b"] == 1, 3000 / 80, 7000 / 90),
                         N=np.where(frame["v_b"] == 1, 3000.0, 7000.0))
    reference = svy_crosstab(units, "v_q", "v_b", weight="w", strata="v_b", fpc="N")
    assert np.allclose(table.table["proportion"], reference.table["proportion"])
    assert np.allclose(table.table["se"], reference.table["se"])
    assert table.shown_test.statistic == pytest.approx(reference.shown_test.statistic)
    assert table.table["count"].sum() == pytest.approx(10000)
