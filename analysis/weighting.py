"""Raking (iterative proportional fitting) to population margins, trimming and diagnostics.

Why our own IPF: weightipy 0.4.2 (pinned) rakes from uniform weights only — its
``weight_dataframe`` creates the weight column itself and has no starting-weight argument — so it
cannot start from design weights. IPF is short: repeat, for each margin, "multiply every weight
by target / current weighted total of its category" until every weighted margin is within
``tolerance`` of its target; optional trimming caps weights at ``[low, high] × mean weight``
between raking passes (trim-and-rake until both hold or ``max_iterations``).

Margins come from a CSV with columns ``variable,code,target`` (population counts, e.g. numbers of
cán bộ, công chức, viên chức by level). Targets of each variable are rescaled to the total of the
first variable when they differ (reported in the notes).

Rows may carry a frequency (``frequency=``): raking a database source rakes its *cells* (one row
per combination of raking variables with its count), so weights come back as cell weights
(:class:`analysis.tables.Weights`) that tables apply to pushed-down counts.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from analysis.results import Message
from analysis.filters import Filter
from analysis.tables import Weights

__all__ = ["read_margins", "rake", "RakingResult", "diagnostics", "cell_weights"]


def read_margins(path_or_file: str | Path | IO[str]) -> dict[str, pd.Series]:
    """``variable,code,target`` CSV → ``{variable: Series(target, index=code)}``.

    Raises ``ValueError`` naming the problem (missing column, negative or non-numeric target)."""
    frame = pd.read_csv(path_or_file)
    missing = {"variable", "code", "target"} - set(frame.columns)
    if missing:
        raise ValueError(f"margins CSV needs columns variable, code, target; missing "
                         f"{', '.join(sorted(missing))}")
    frame["target"] = pd.to_numeric(frame["target"], errors="coerce")
    if frame["target"].isna().any() or (frame["target"] < 0).any():
        raise ValueError("margins CSV: every target must be a number ≥ 0")
    return {str(variable): group.set_index("code")["target"].astype(float)
            for variable, group in frame.groupby("variable", sort=False)}


def diagnostics(weights: np.ndarray, frequency: np.ndarray | None = None) -> dict[str, float]:
    """Kish effective sample size n_eff = (Σw)² / Σw², design effect of weighting
    deff_w = n / n_eff = 1 + CV² (Kish 1965), min / max / mean weight and max/min ratio."""
    w = np.asarray(weights, dtype=float)
    f = np.ones_like(w) if frequency is None else np.asarray(frequency, dtype=float)
    keep = f > 0
    w, f = w[keep], f[keep]
    n = f.sum()
    total = (f * w).sum()
    n_eff = total ** 2 / (f * w ** 2).sum() if total > 0 else 0.0
    positive = w[w > 0]
    return {"n": float(n), "sum_weights": float(total), "n_effective": float(n_eff),
            "deff_weighting": float(n / n_eff) if n_eff else math.nan,
            "min": float(w.min()) if len(w) else math.nan,
            "max": float(w.max()) if len(w) else math.nan,
            "mean": float(total / n) if n else math.nan,
            "max_min_ratio": float(positive.max() / positive.min()) if len(positive) else math.nan}


@dataclass(frozen=True, eq=False)
class RakingResult:
    """Weights (aligned with the input rows; 0 for rows missing a raking variable), the
    convergence report and the diagnostics of :func:`diagnostics`."""

    weights: pd.Series
    converged: bool
    iterations: int
    max_error: float                    # largest |weighted margin − target| / target at the end
    history: tuple[float, ...]          # max relative error after each full pass
    trimmed: int                        # weights capped in the last pass (0 when converged)
    diagnostics: dict[str, float]
    margins: pd.DataFrame               # variable, code, target, achieved, sample_n
    notes: tuple[Message, ...] = ()
    excluded: int = 0
    extra: dict[str, object] = field(default_factory=dict)

    def describe(self) -> str:
        d = self.diagnostics
        state = "converged" if self.converged else "NOT converged"
        return (f"raking {state} after {self.iterations} iterations (max error "
                f"{self.max_error:.2e}); n = {d['n']:.0f}, effective n = {d['n_effective']:.1f}, "
                f"deff = {d['deff_weighting']:.3f}, weights {d['min']:.4g} – {d['max']:.4g}, "
                f"trimmed {self.trimmed}")


def rake(frame: pd.DataFrame, margins: Mapping[str, pd.Series],
         start_weights: Sequence[float] | pd.Series | None = None,
         frequency: Sequence[float] | pd.Series | None = None, tolerance: float = 1e-6,
         max_iterations: int = 200, trim: tuple[float, float] | None = None,
         columns: Mapping[str, str] | None = None) -> RakingResult:
    """Rake ``frame`` so weighted counts of each margin variable match its targets.

    ``margins``: ``{variable: Series(target, index=code)}`` (see :func:`read_margins`);
    ``columns`` maps a margin variable to its column in ``frame`` (default: the same name).
    ``start_weights``: design weights to start from (default 1). ``frequency``: rows stand for
    that many identical units (cells). ``trim=(low, high)``: cap weights to that multiple of the
    mean weight between passes. Rows with a missing or untargeted code in a raking variable are
    excluded (weight 0) and counted in ``excluded``.

    Raises ``ValueError`` when a targeted category has no respondents (it cannot be reached).
    """
    columns = dict(columns or {})
    n_rows = len(frame)
    w = np.ones(n_rows) if start_weights is None else np.asarray(start_weights, dtype=float).copy()
    f = np.ones(n_rows) if frequency is None else np.asarray(frequency, dtype=float)
    notes: list[Message] = []
    names = list(margins)
    first_total = float(margins[names[0]].sum())
    targets, codes = {}, {}
    valid = np.ones(n_rows, dtype=bool)
    for name in names:
        target = margins[name].astype(float)
        if not math.isclose(target.sum(), first_total, rel_tol=1e-9):
            notes.append(Message(
                vi=f"Tổng mục tiêu của {name} ({target.sum():g}) khác {first_total:g}; đã quy "
                   "về cùng tổng.",
                en=f"Targets of {name} sum to {target.sum():g}, not {first_total:g}; rescaled.",
                code="rescaled"))
            target = target * first_total / target.sum()
        values = frame[columns.get(name, name)].to_numpy(dtype=float)
        index = pd.Index(target.index.astype(float))
        position = index.get_indexer(values)
        valid &= position >= 0
        targets[name], codes[name] = target.to_numpy(), position
    excluded = int((~valid & (f > 0)).sum())
    w[~valid] = 0.0
    for name in names:
        present = np.bincount(codes[name][valid], weights=f[valid],
                              minlength=len(targets[name]))
        empty = (present == 0) & (targets[name] > 0)
        if empty.any():
            lost = margins[name].index[empty].tolist()
            raise ValueError(f"cannot rake {name}: no respondents in categories {lost}")

    history: list[float] = []
    trimmed = 0
    converged = False
    iteration = 0
    for iteration in range(1, max_iterations + 1):  # noqa: B007 - reported after the loop
        for name in names:
            current = np.bincount(codes[name][valid], weights=(f * w)[valid],
                                  minlength=len(targets[name]))
            with np.errstate(divide="ignore", invalid="ignore"):
                factor = np.where(current > 0, targets[name] / current, 0.0)
            w[valid] *= factor[codes[name][valid]]
        trimmed = 0
        if trim is not None:
            # capping moves the mean, so cap again until the weights sit inside the bounds
            # relative to their own mean
            for _ in range(50):
                mean = (f * w)[valid].sum() / f[valid].sum()
                low, high = trim[0] * mean, trim[1] * mean
                capped = valid & ((w < low * (1 - 1e-9)) | (w > high * (1 + 1e-9)))
                if not capped.any():
                    break
                trimmed += int(capped.sum())
                w[valid] = np.clip(w[valid], low, high)
        error = _max_error(targets, codes, valid, f * w)
        history.append(error)
        if error < tolerance and trimmed == 0:
            converged = True
            break
    if trim is not None and not converged:
        notes.append(Message(
            vi="Cắt tỉa quyền số và khớp biên không đồng thời đạt được; biên lệch tối đa "
               f"{history[-1]:.2%}.",
            en=f"Trimming and the margins could not both be met; largest margin error "
               f"{history[-1]:.2%}.", code="trim-conflict"))
    if excluded:
        notes.append(Message(
            vi=f"{excluded} người trả lời thiếu biến dùng để gia quyền: quyền số 0.",
            en=f"{excluded} respondents lack a raking variable: weight 0.", code="excluded"))
    rows = []
    for name in names:
        achieved = np.bincount(codes[name][valid], weights=(f * w)[valid],
                               minlength=len(targets[name]))
        sample = np.bincount(codes[name][valid], weights=f[valid], minlength=len(targets[name]))
        for code, target, got, count in zip(margins[name].index, targets[name], achieved, sample):
            rows.append({"variable": name, "code": code, "target": target, "achieved": got,
                         "sample_n": count})
    index = frame.index
    return RakingResult(pd.Series(w, index=index, name="weight"), converged, iteration,
                        history[-1] if history else 0.0, tuple(history), trimmed,
                        diagnostics(w, f), pd.DataFrame(rows), tuple(notes), excluded)


def _max_error(targets, codes, valid, weighted) -> float:
    worst = 0.0
    for name, target in targets.items():
        achieved = np.bincount(codes[name][valid], weights=weighted[valid],
                               minlength=len(target))
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = np.where(target > 0, np.abs(achieved - target) / target, np.abs(achieved))
        worst = max(worst, float(rel.max()) if len(rel) else 0.0)
    return worst


def cell_weights(source, margins: Mapping[str, pd.Series], flt: Filter = Filter(),
                 tolerance: float = 1e-6, max_iterations: int = 200,
                 trim: tuple[float, float] | None = None) -> Weights:
    """Rake the respondents of ``source`` (selected by ``flt``) to ``margins``, counting in the
    source (one GROUP BY over the raking variables), and return cell :class:`Weights` for tables.

    Every respondent starts at weight 1, so all respondents of a cell share one weight and the
    weighted tables can be computed from pushed-down counts."""
    layout = source.layout
    variables = list(margins)
    cols = [layout.column(v) for v in variables]
    cells = source.aggregate(cols, (), flt)
    cells = cells.dropna(subset=cols).reset_index(drop=True)
    result = rake(cells, margins, frequency=cells["n"].to_numpy(), tolerance=tolerance,
                  max_iterations=max_iterations, trim=trim, columns=dict(zip(variables, cols)))
    factors = cells[cols].rename(columns=dict(zip(cols, variables)))
    factors["weight"] = result.weights.to_numpy()
    return Weights(tuple(variables), factors, None, "raking", result)
