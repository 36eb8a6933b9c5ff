"""Design-based cross-tabulation: Taylor-linearised standard errors of cell proportions and the
Rao-Scott corrected chi-square tests, as R ``survey::svychisq`` and Stata ``svy: tabulate``.

Method (Rao & Scott 1981, 1984; Lumley 2010 §6.1):

* Cell proportions p̂_k = Σ w_i y_ik / Σ w_i (y_ik = 1 if unit i is in cell k). Linearised
  values z_ik = w_i (y_ik − p̂_k) / Σ w. With strata h and PSUs j (sampled with replacement, or
  with a finite population correction f_h = n_h / N_h):
  V̂ = Σ_h (1 − f_h) n_h / (n_h − 1) Σ_j (z_hj − z̄_h)(z_hj − z̄_h)ᵀ, z_hj the PSU totals.
  Degrees of freedom ν = #PSUs − #strata.
* X² and G² are computed on the weighted table scaled to the sample size n.
* Design effects: C spans the interaction contrasts (the columns of the full row × column model
  matrix orthogonalised against the main effects), D = diag(p̂);
  Δ = (Cᵀ D⁻¹ C / n)⁻¹ (Cᵀ D⁻¹ V̂ D⁻¹ C).
* **Second-order** (the default of ``svychisq``, and Stata's "design-based F"):
  F = X² / tr(Δ) on (d, ν d) degrees of freedom with d = tr(Δ)² / tr(Δ²) (Satterthwaite).
* **First-order**: X²/δ̄ with δ̄ = tr(Δ) / df, referred to χ²(df) (``statistic = "Chisq"``).
* The same corrections applied to G² give the likelihood-ratio versions.

Strata with a single PSU contribute no variance (noted in the output).
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from analysis import stats
from analysis.results import Message, TestResult

__all__ = ["svy_crosstab", "design_crosstab", "DesignTable", "taylor_covariance", "rao_scott"]


@dataclass(frozen=True, eq=False)
class DesignTable:
    """Design-based cross-tab.

    ``table``: ``row``, ``column``, ``count`` (weighted), ``proportion`` (of the total),
    ``se`` (Taylor linearisation), ``ci_low``/``ci_high`` (95%, t with ν df, on the proportion),
    ``col_proportion`` (within column). ``tests`` lists uncorrected X² and G² and their
    Rao-Scott versions, each named by statistic and p (``shown_test`` is the headline one:
    Pearson, second-order F)."""

    row: str
    column: str
    table: pd.DataFrame
    tests: tuple[TestResult, ...]
    n: int
    strata: int
    psus: int
    df: int
    design_effects: np.ndarray
    notes: tuple[Message, ...] = ()

    @property
    def shown_test(self) -> TestResult:
        return self.tests[2]

    def test(self, name_start: str) -> TestResult | None:
        return next((t for t in self.tests if t.name.startswith(name_start)), None)


def taylor_covariance(z: np.ndarray, strata: np.ndarray, psu: np.ndarray,
                      fpc: np.ndarray | None = None,
                      frequency: np.ndarray | None = None) -> tuple[np.ndarray, int, int, int]:
    """Covariance of Σ z (z: n × K linearised values) under a stratified with-replacement PSU
    design. ``frequency``: rows standing for that many identical units, each its own PSU
    (``psu`` is then ignored). Returns (V, #strata, #PSUs, #single-PSU strata)."""
    n, k = z.shape
    f = np.ones(n) if frequency is None else np.asarray(frequency, dtype=float)
    cov = np.zeros((k, k))
    strata_codes, strata_index = np.unique(strata, return_inverse=True)
    total_psus, lonely = 0, 0
    for h in range(len(strata_codes)):
        rows = strata_index == h
        if frequency is None:
            psu_codes, psu_index = np.unique(psu[rows], return_inverse=True)
            totals = np.zeros((len(psu_codes), k))
            np.add.at(totals, psu_index, z[rows])
            weights = np.ones(len(psu_codes))
            n_h = float(len(psu_codes))
        else:
            totals, weights = z[rows], f[rows]
            n_h = float(weights.sum())
        total_psus += int(n_h)
        if n_h < 2:
            lonely += 1
            continue
        mean = (totals * weights[:, None]).sum(axis=0) / n_h
        dev = totals - mean
        block = (dev * weights[:, None]).T @ dev * n_h / (n_h - 1)
        if fpc is not None:
            value = float(np.asarray(fpc)[rows][0])
            fraction = value if value < 1 else n_h / value
            block *= 1 - fraction
        cov += block
    return cov, len(strata_codes), total_psus, lonely


def _contrasts(r: int, c: int) -> np.ndarray:
    """Interaction contrasts for cells ordered rows-fastest (k = i + r j), orthogonalised
    against the intercept and main effects (R: ``qr.resid(qr(X1), X12[, -(1:(nr+nc-1))])``)."""
    rows = np.tile(np.arange(r), c)
    cols = np.repeat(np.arange(c), r)
    main = [np.ones(r * c)] + [(rows == i).astype(float) for i in range(1, r)] + \
           [(cols == j).astype(float) for j in range(1, c)]
    x1 = np.column_stack(main)
    inter = np.column_stack([((rows == i) & (cols == j)).astype(float)
                             for j in range(1, c) for i in range(1, r)])
    q, _ = np.linalg.qr(x1)
    return inter - q @ (q.T @ inter)


def rao_scott(table: np.ndarray, proportions: np.ndarray, cov: np.ndarray, n: float,
              df_design: int) -> tuple[TestResult, ...]:
    """Uncorrected and Rao-Scott corrected Pearson and likelihood-ratio tests.

    ``table``: r × c weighted counts; ``proportions``/``cov``: cell proportions and their
    design covariance, cells ordered rows-fastest; ``n``: sample size; ``df_design``: ν."""
    r, c = table.shape
    scaled = table * n / table.sum()
    pearson, lr = stats.pearson(scaled), stats.likelihood_ratio(scaled)
    df = (r - 1) * (c - 1)
    contrasts = _contrasts(r, c)
    inv_d = np.diag(np.where(proportions > 0, 1 / np.where(proportions > 0, proportions, 1), 0))
    denom = contrasts.T @ (inv_d / n) @ contrasts
    numer = contrasts.T @ inv_d @ cov @ inv_d @ contrasts
    delta = np.linalg.solve(denom, numer)
    trace, trace2 = float(np.trace(delta)), float(np.trace(delta @ delta))
    d0 = trace ** 2 / trace2
    results = [TestResult("Pearson chi-square (uncorrected)", pearson.statistic, df,
                          pearson.p_value, "weighted table scaled to n; ignores the design"),
               TestResult("Likelihood ratio (uncorrected)", lr.statistic, df, lr.p_value,
                          "weighted table scaled to n; ignores the design")]
    for base, name in ((pearson, "Pearson"), (lr, "Likelihood ratio")):
        f_value = base.statistic / trace
        results.append(TestResult(
            f"{name}: Rao-Scott F (second-order, Satterthwaite df)", f_value,
            (d0, d0 * df_design), float(sps.f.sf(f_value, d0, d0 * df_design)),
            "F = X²/tr(Δ) on (d, νd) df, d = tr(Δ)²/tr(Δ²): R svychisq default, Stata "
            "design-based F"))
    for base, name in ((pearson, "Pearson"), (lr, "Likelihood ratio")):
        first = base.statistic * df / trace
        results.append(TestResult(
            f"{name}: Rao-Scott chi-square (first-order)", first, df,
            float(sps.chi2.sf(first, df)), "X²/δ̄ with δ̄ = tr(Δ)/df, chi-square p "
                                           "(svychisq statistic = \"Chisq\")"))
    return tuple(results)


def svy_crosstab(frame: pd.DataFrame, row: str, column: str, weight: str | None = None,
                 strata: str | None = None, psu: str | None = None, fpc: str | None = None,
                 frequency: str | None = None,
                 labels: Mapping[str, Mapping[Any, str]] | None = None) -> DesignTable:
    """Design-based ``row`` × ``column`` table from unit records (or frequency-weighted rows
    with each unit its own PSU). Rows with a missing row or column value are dropped.

    ``fpc``: a column holding, per stratum, either the number of PSUs in the population (≥ 1)
    or the sampling fraction (< 1)."""
    data = frame.dropna(subset=[row, column])
    n_rows = len(data)
    w = data[weight].to_numpy(float) if weight else np.ones(n_rows)
    f = data[frequency].to_numpy(float) if frequency else np.ones(n_rows)
    row_codes = np.sort(data[row].unique())
    col_codes = np.sort(data[column].unique())
    r, c = len(row_codes), len(col_codes)
    ri = np.searchsorted(row_codes, data[row].to_numpy())
    ci = np.searchsorted(col_codes, data[column].to_numpy())
    cell = ri + r * ci
    indicator = np.zeros((n_rows, r * c))
    indicator[np.arange(n_rows), cell] = 1.0
    total_w = float((w * f).sum())
    p = (indicator * (w * f)[:, None]).sum(axis=0) / total_w
    z = w[:, None] * (indicator - p[None, :]) / total_w
    strata_values = data[strata].to_numpy() if strata else np.zeros(n_rows)
    psu_values = data[psu].to_numpy() if psu else np.arange(n_rows)
    if strata and psu:  # PSU ids may repeat across strata
        psu_values = np.array([f"{s}|{q}" for s, q in zip(strata_values, psu_values)])
    fpc_values = data[fpc].to_numpy(float) if fpc else None
    cov, n_strata, n_psus, lonely = taylor_covariance(z, strata_values, psu_values, fpc_values,
                                                      f if frequency else None)
    df_design = n_psus - n_strata
    n = float(f.sum())
    counts = np.zeros((r, c))
    np.add.at(counts, (ri, ci), w * f)
    tests = rao_scott(counts, p, cov, n, df_design)
    se = np.sqrt(np.diag(cov))
    t = sps.t.ppf(0.975, df_design) if df_design > 0 else math.nan
    col_totals = counts.sum(axis=0)
    records = []
    row_labels = (labels or {}).get(row, {})
    col_labels = (labels or {}).get(column, {})
    for j in range(c):
        for i in range(r):
            k = i + r * j
            records.append({"row": row_codes[i], "row_label": row_labels.get(row_codes[i], ""),
                            "column": col_codes[j],
                            "column_label": col_labels.get(col_codes[j], ""),
                            "count": counts[i, j], "proportion": p[k], "se": se[k],
                            "ci_low": p[k] - t * se[k], "ci_high": p[k] + t * se[k],
                            "col_proportion": counts[i, j] / col_totals[j]})
    table = pd.DataFrame(records).sort_values(["row", "column"]).reset_index(drop=True)
    contrasts = _contrasts(r, c)
    inv_d = np.diag(np.where(p > 0, 1 / np.where(p > 0, p, 1), 0))
    delta = np.linalg.solve(contrasts.T @ (inv_d / n) @ contrasts,
                            contrasts.T @ inv_d @ cov @ inv_d @ contrasts)
    notes = [Message(
        vi="Sai số chuẩn theo tuyến tính hóa Taylor (PSU chọn có hoàn lại trong từng tầng). "
           "Kiểm định hiển thị: Pearson hiệu chỉnh Rao-Scott bậc hai, thống kê F với bậc tự "
           "do Satterthwaite (mặc định của R svychisq); kèm bản bậc một (chi-bình phương).",
        en="Standard errors by Taylor linearisation (PSUs with replacement within strata). "
           "Test shown: Pearson with the second-order Rao-Scott correction, an F statistic with "
           "Satterthwaite df (R svychisq default); the first-order (chi-square) version is also "
           "given.", code="design")]
    if lonely:
        notes.append(Message(vi=f"{lonely} tầng chỉ có một PSU: không đóng góp phương sai.",
                             en=f"{lonely} strata have a single PSU: no variance contribution.",
                             code="lonely-psu"))
    return DesignTable(row, column, table, tests, int(n), n_strata, n_psus, df_design,
                       np.linalg.eigvals(delta).real, tuple(notes))


def design_crosstab(source, item: str, by: str, strata: str | None = None,
                    population: Mapping[int, float] | None = None, flt=None,
                    weights=None, k: int | None = 5) -> DesignTable:
    """Design-based ``item`` × ``by`` for a source whose respondents are the sampling units
    (stratified by the banner ``strata``, e.g. level, with ``population`` sizes per stratum
    code for the finite population correction), counted in the database: one GROUP BY over
    stratum × item × banner (× raking cells), then :func:`svy_crosstab` on frequency rows.

    Raises :class:`~analysis.disclosure.DisclosureRefused` when the base is under k."""
    from analysis import disclosure
    from analysis.filters import Filter
    from analysis.tables.weighted import aggregate

    layout = source.layout
    item_col, by_col = layout.column(item), layout.column(by)
    group = [item_col, by_col] + ([layout.column(strata)] if strata else [])
    agg = aggregate(source, list(dict.fromkeys(group)), [], flt or Filter(), None, weights)
    missing_item, missing_by = layout.missing(item), layout.missing(by)
    agg = agg.dropna(subset=group)
    agg = agg[~agg[item_col].isin(missing_item) & ~agg[by_col].isin(missing_by)]
    agg = agg[agg["n"] > 0].reset_index(drop=True)
    disclosure.check_base(float(agg["n"].sum()), k, f"{item} × {by}")
    agg["unit_weight"] = agg["w_n"] / agg["n"]
    fpc = None
    if strata and population:
        agg["fpc"] = agg[layout.column(strata)].map(population).astype(float)
        fpc = "fpc"
    labels = {item_col: layout.option_labels(item), by_col: layout.option_labels(by)}
    return svy_crosstab(agg, item_col, by_col, weight="unit_weight",
                        strata=layout.column(strata) if strata else None, fpc=fpc,
                        frequency="n", labels=labels)
