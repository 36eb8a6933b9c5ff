"""Raking against hand-computed cases; weighted tables; diagnostics."""
from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from analysis import Weights, crosstab, frequencies
from analysis.weighting import cell_weights, diagnostics, rake, read_margins
from tests.analysis.helpers import source_from_counts


def _units(counts):
    """One row per unit of a sex (rows) × region (columns) table of counts."""
    records = [{"sex": i + 1, "region": j + 1}
               for i, row in enumerate(counts) for j, n in enumerate(row) for _ in range(n)]
    return pd.DataFrame(records)


MARGINS_CSV = "variable,code,target\nsex,1,500\nsex,2,500\nregion,1,400\nregion,2,600\n"


def test_read_margins_and_bad_files():
    margins = read_margins(io.StringIO(MARGINS_CSV))
    assert list(margins) == ["sex", "region"]
    assert margins["region"].to_dict() == {1: 400.0, 2: 600.0}
    with pytest.raises(ValueError, match="target"):
        read_margins(io.StringIO("variable,code\nsex,1\n"))
    with pytest.raises(ValueError, match="≥ 0"):
        read_margins(io.StringIO("variable,code,target\nsex,1,-3\n"))


def test_rake_independent_sample_by_hand():
    # Sample n = [[10, 30], [20, 60]] is proportional (rank one), so one pass reaches the
    # independence table T_i T_j / T = [[200, 300], [200, 300]]: by hand, sex factors
    # 500/40 = 12.5 and 500/80 = 6.25, then region factors 400/250 = 1.6 and 600/750 = 0.8,
    # weights 20, 10 (row 1) and 10, 5 (row 2).
    frame = _units([[10, 30], [20, 60]])
    result = rake(frame, read_margins(io.StringIO(MARGINS_CSV)))
    assert result.converged and result.iterations == 1
    cell = frame.assign(w=result.weights).groupby(["sex", "region"])["w"].agg(["min", "max"])
    assert cell["min"].tolist() == pytest.approx([20, 10, 10, 5])
    assert (cell["min"] == cell["max"]).all()
    assert result.margins["achieved"].tolist() == pytest.approx([500, 500, 400, 600])
    # Kish: Σw = 1000, Σw² = 10·400 + 30·100 + 20·100 + 60·25 = 10500 → n_eff = 95.238
    assert result.diagnostics["n_effective"] == pytest.approx(1000 ** 2 / 10500)
    assert result.diagnostics["deff_weighting"] == pytest.approx(120 / (1000 ** 2 / 10500))
    assert (result.diagnostics["min"], result.diagnostics["max"]) == (5, 20)


def test_rake_first_pass_by_hand_then_converges():
    # n = [[10, 20], [30, 40]], targets sex 50/50, region 40/60.
    # Pass 1: sex factors 50/30, 50/70 → weighted [[16.667, 33.333], [21.429, 28.571]];
    # region totals 38.095 and 61.905 → factors 1.05 and 0.969231.
    frame = _units([[10, 20], [30, 40]])
    margins = {"sex": pd.Series({1: 50.0, 2: 50.0}), "region": pd.Series({1: 40.0, 2: 60.0})}
    one = rake(frame, margins, max_iterations=1)
    weights = frame.assign(w=one.weights).groupby(["sex", "region"])["w"].first()
    assert weights.tolist() == pytest.approx([1.75, 1.615385, 0.75, 0.692308], rel=1e-5)
    assert not one.converged
    full = rake(frame, margins)
    assert full.converged and full.max_error < 1e-6
    assert full.margins["achieved"].tolist() == pytest.approx([50, 50, 40, 60])
    # IPF keeps the multiplicative form w_ij = a_i b_j: the cross-ratio of weights is 1
    w = frame.assign(w=full.weights).groupby(["sex", "region"])["w"].first().to_numpy()
    assert w[0] * w[3] / (w[1] * w[2]) == pytest.approx(1.0)
    assert len(full.history) == full.iterations and full.history[-1] < full.history[0]


def test_rake_starts_from_design_weights():
    frame = _units([[10, 20], [30, 40]])
    design = np.where(np.arange(len(frame)) % 2 == 0, 1.0, 3.0)
    margins = {"sex": pd.Series({1: 50.0, 2: 50.0}), "region": pd.Series({1: 40.0, 2: 60.0})}
    result = rake(frame, margins, start_weights=design)
    assert result.converged
    ratio = result.weights.to_numpy() / design
    # raking multiplies each design weight by a factor that depends on the cell only
    per_cell = frame.assign(r=ratio).groupby(["sex", "region"])["r"].agg(["min", "max"])
    assert np.allclose(per_cell["min"], per_cell["max"])
    assert not np.allclose(result.weights, rake(frame, margins).weights)
    assert result.margins["achieved"].tolist() == pytest.approx([50, 50, 40, 60])


def test_rake_matches_weightipy_from_uniform_start():
    weightipy = pytest.importorskip("weightipy")
    frame = _units([[10, 20], [30, 40]])
    ours = rake(frame, {"sex": pd.Series({1: 50.0, 2: 50.0}),
                        "region": pd.Series({1: 40.0, 2: 60.0})}, tolerance=1e-10)
    scheme = weightipy.scheme_from_dict({"sex": {1: 50.0, 2: 50.0},
                                         "region": {1: 40.0, 2: 60.0}})
    theirs = weightipy.weight_dataframe(frame, scheme)["weights"].to_numpy()
    # weightipy normalises weights to mean 1; ours sum to the population total (100 here)
    assert np.allclose(ours.weights.to_numpy(), theirs * 100 / len(frame), rtol=1e-5)


def test_trimming_caps_weights():
    frame = _units([[10, 30], [20, 60]])
    result = rake(frame, read_margins(io.StringIO(MARGINS_CSV)), trim=(0.5, 1.5),
                  max_iterations=50)
    mean = result.weights.mean()
    assert result.weights.max() <= 1.5 * mean * (1 + 1e-9)
    assert result.weights.min() >= 0.5 * mean * (1 - 1e-9)
    assert not result.converged and any(n.code == "trim-conflict" for n in result.notes)


def test_diagnostics_by_hand():
    d = diagnostics(np.array([1.0, 1.0, 2.0, 2.0]))
    assert d["n_effective"] == pytest.approx(36 / 10)
    assert d["deff_weighting"] == pytest.approx(4 / 3.6)
    assert d["max_min_ratio"] == 2


def test_unreachable_category_is_refused():
    frame = _units([[10, 0], [5, 0]])
    with pytest.raises(ValueError, match="no respondents"):
        rake(frame, read_margins(io.StringIO(MARGINS_CSV)))


def test_weighted_tables_hit_the_margins():
    # item q (rows) by banner b (columns); rake to q: 300/700 and b: 600/400
    source = source_from_counts(["yes", "no"], ["x", "y"], [[30, 10], [20, 40]])
    margins = {"q": pd.Series({1: 300.0, 2: 700.0}), "b": pd.Series({1: 600.0, 2: 400.0})}
    weights = cell_weights(source, margins)
    assert isinstance(weights, Weights) and weights.report.converged
    table = crosstab(source, "q", "b", weights=weights, k=5)
    counts = table.pivot("count").to_numpy()
    assert counts.sum(axis=1) == pytest.approx([300, 700])
    assert counts.sum(axis=0) == pytest.approx([600, 400])
    assert table.n == 100 and table.weighted
    assert any(note.code == "weighted" for note in table.notes)
    freq = frequencies(source, "q", weights=weights)
    assert freq.table["count"].tolist() == pytest.approx([300, 700])
    assert freq.table["n"].tolist() == [40, 60]
