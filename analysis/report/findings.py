"""Indicators and the tests behind every sentence of the report.

An *indicator* is a share: the respondents giving some answers (``report.highlight``, or the two
highest codes of a scale) among those answering a single-choice item or grid row, or the
respondents choosing an option of a multiple choice (ranking it among the top places of a
ranking) among those answering it. Missing codes ("khó trả lời", 99…) are left out of the base.

Each indicator is split by groups — the leader/staff comparison, or the categories of a banner —
from one aggregated query (counts pushed down to the source, weighted when weights are given):

* **two groups** (leaders vs staff): two-proportion z-test,
  z = (p₁ − p₂) / √(p̄(1 − p̄)(1/n₁ + 1/n₂)), p̄ = (p₁n₁ + p₂n₂)/(n₁ + n₂), two-sided;
* **a banner** (g groups): Pearson chi-square on the 2 × g table (answer given / not given),
  df = g − 1; the groups with the highest and the lowest share are named only when their own
  two-proportion z-test is significant with a Bonferroni factor g(g − 1)/2.

Proportions are weighted; n are the real numbers of respondents; with weights, z is divided by
√deff and X² by deff (the Kish design effect of the weights: a first-order design correction).
Unweighted, the statistics are the textbook ones (tests recompute them by hand).

Disclosure control: a group is left out of the split (its share printed as ``x``, not tested)
when :func:`analysis.disclosure.suppression_mask` blanks any of its cells (answer given / not
given, unweighted) or its base — the same rule, with complementary suppression, as every table.
The p-values of one section are adjusted together (Holm) before any sentence is written.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import special
from scipy import stats as sps

from analysis import disclosure
from analysis.filters import Filter
from analysis.source import Agg
from analysis.tables.weighted import aggregate
from survey.questionnaire import label_text

__all__ = ["Indicator", "Split", "Counts", "indicators_for", "split", "overall", "holm", "adjust",
           "two_proportion_z", "chi_square_2xg", "ALPHA"]

ALPHA = 0.05


@dataclass(frozen=True)
class Indicator:
    """A share to report. ``kind`` ``codes``: ``variable`` (``B1``, ``B2.3``) in ``codes``;
    ``option``: option ``option`` of the multiple-choice or ranking item ``item``."""

    key: str
    item: str
    variable: str
    kind: str
    codes: tuple[int, ...]
    option: int | None
    subject: str          # the row, option or question the share is about
    answers: tuple[str, ...]   # labels of the answers counted ("codes" kind)
    item_type: str
    top: int = 0          # ranking: number of ranked places


@dataclass
class Split:
    """One indicator by groups. Arrays are per group, in ``labels`` order; ``hidden`` groups
    (disclosure control) have NaN shares and are not tested."""

    indicator: Indicator
    by: str                    # "" overall, the comparison item, or a banner id
    by_label: str
    labels: list[str]
    n: np.ndarray              # unweighted base (respondents answering)
    yes: np.ndarray            # unweighted respondents giving the answers
    share: np.ndarray          # weighted %, NaN where hidden
    hidden: np.ndarray
    statistic: float = math.nan
    df: int = 0
    p: float | None = None
    p_adjusted: float | None = None
    test: str = ""             # "z" or "chi2"
    pair: tuple[int, int] | None = None   # (highest, lowest) named when significant
    pair_p: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def significant(self) -> bool:
        return self.p_adjusted is not None and self.p_adjusted < ALPHA

    @property
    def shown(self) -> list[int]:
        return [i for i in range(len(self.labels)) if not self.hidden[i]]


# ------------------------------------------------------------------ indicators

def _default_codes(valid: list[int]) -> tuple[int, ...]:
    """The two highest codes of a scale (4 or more valid codes), else the first code."""
    return tuple(valid[-2:]) if len(valid) >= 4 else tuple(valid[:1])


def indicators_for(item: Mapping[str, Any], variables: Sequence[str],
                   highlight: Mapping[str, Sequence[int]], language: str = "vi"
                   ) -> list[Indicator]:
    """The indicators of one item (for a grid, of the rows in ``variables``)."""
    kind = item["type"]
    options = item.get("options") or []
    labels = {o["code"]: label_text(o.get("label"), language) for o in options}
    valid = [o["code"] for o in options if not o.get("missing")]
    result: list[Indicator] = []
    if kind in ("single", "grid"):
        codes = tuple(highlight.get(item["id"]) or _default_codes(valid))
        answers = tuple(labels[c] for c in codes)
        rows = {f"{item['id']}.{r['id']}": label_text(r.get("label"), language)
                for r in item.get("rows") or []}
        for variable in variables:
            subject = rows.get(variable, label_text(item.get("label"), language))
            result.append(Indicator(variable, item["id"], variable, "codes", codes, None,
                                    subject, answers, kind))
    elif kind in ("multiple", "ranking"):
        for option in options:
            if option.get("missing"):
                continue
            result.append(Indicator(f"{item['id']}#{option['code']}", item["id"], item["id"],
                                    "option", (), option["code"], labels[option["code"]], (),
                                    kind, int(item.get("top") or 0)))
    return result


# ------------------------------------------------------------------ counting

class Counts:
    """Aggregated counts for indicators, one query per (variable or item, grouping) whatever
    the number of codes or options asked of it (cached): the report asks hundreds of shares of
    a few dozen variables. The overall share is the sum of any grouping's rows (a GROUP BY
    keeps respondents without a value of the grouping variable as a NULL group)."""

    def __init__(self, source, flt: Filter = Filter(), weights=None):
        self.source, self.flt, self.weights = source, flt, weights
        self.layout = source.layout
        self._cache: dict[tuple[str, str | None], pd.DataFrame] = {}

    def _raw(self, indicator: Indicator, by_column: str | None) -> pd.DataFrame:
        name = indicator.variable if indicator.kind == "codes" else indicator.item
        key = (name, by_column)
        if key not in self._cache:
            group = [by_column] if by_column else []
            if indicator.kind == "codes":
                column = self.layout.column(indicator.variable)
                frame = aggregate(self.source, [column, *group], [], self.flt, None,
                                   self.weights, build_index=False)
            else:
                how = "sum" if indicator.item_type == "multiple" else "count"
                options = self.layout.option_columns(indicator.item)
                aggs = [Agg(f"o{code}".replace("-", "m"), how, column)
                        for code, column in options.items()]
                frame = aggregate(self.source, group, aggs, self.flt,
                                   self.layout.answered_column(indicator.item), self.weights,
                                   build_index=False)
            self._cache[key] = frame
        return self._cache[key]

    def frame(self, indicator: Indicator, by_column: str | None) -> pd.DataFrame:
        """Per value of ``by_column`` (one row when None): n, yes (unweighted), w_n, w_yes."""
        raw = self._raw(indicator, by_column)
        group = [by_column] if by_column else []
        if indicator.kind == "codes":
            column = self.layout.column(indicator.variable)
            missing = self.layout.missing(indicator.variable)
            valid = [c for c in self.layout.option_labels(indicator.variable)
                     if c not in missing]
            agg = raw[raw[column].isin(valid)]
            positive = agg[column].isin(indicator.codes)
            frame = pd.DataFrame({"n": agg["n"], "w_n": agg["w_n"],
                                  "yes": agg["n"].where(positive, 0.0),
                                  "w_yes": agg["w_n"].where(positive, 0.0)})
        else:
            name = f"o{indicator.option}".replace("-", "m")
            frame = pd.DataFrame({"n": raw["n"], "w_n": raw["w_n"], "yes": raw[name],
                                  "w_yes": raw["w_" + name]})
        for g in group:
            frame[g] = raw.loc[frame.index, g]
        if not group:
            return frame[["n", "yes", "w_n", "w_yes"]].sum().to_frame().T
        return frame.groupby(group, dropna=False)[["n", "yes", "w_n", "w_yes"]].sum() \
            .reset_index()


def _build(indicator: Indicator, by: str, by_label: str, labels: list[str],
           members: list[tuple[int, ...] | None], counts: pd.DataFrame, by_column: str | None,
           k: int | None) -> Split:
    """``members[i]``: the codes of group i (None: every row, the overall share)."""
    n = np.zeros(len(labels))
    yes = np.zeros(len(labels))
    w_n = np.zeros(len(labels))
    w_yes = np.zeros(len(labels))
    for i, codes in enumerate(members):
        rows = counts if codes is None else counts[counts[by_column].isin(codes)]
        n[i], yes[i] = rows["n"].sum(), rows["yes"].sum()
        w_n[i], w_yes[i] = rows["w_n"].sum(), rows["w_yes"].sum()
    hidden = np.zeros(len(labels), dtype=bool)
    if k:
        mask, _ = disclosure.suppression_mask(np.vstack([yes, n - yes]), k)
        hidden = mask[:, :-1].any(axis=0) if len(labels) > 1 else \
            np.array([bool(mask[:2, 0].any()) or 0 < n[0] < k])
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where((w_n > 0) & ~hidden, 100.0 * w_yes / np.where(w_n > 0, w_n, 1), np.nan)
    return Split(indicator, by, by_label, labels, n, yes, share, hidden)


def overall(counts: Counts, indicator: Indicator, k: int | None,
            by_column: str | None = None, label: str = "Chung") -> Split:
    """The share among everyone answering (from the rows of any grouping already fetched)."""
    frame = counts.frame(indicator, by_column)
    return _build(indicator, "", "", [label], [None], frame, by_column, k)


def split(counts: Counts, indicator: Indicator, by: str, by_label: str,
          groups: Sequence[tuple[str, tuple[int, ...]]], k: int | None,
          deff: float = 1.0) -> Split:
    """``indicator`` by groups of the single-choice item ``by`` (each group: label, codes),
    tested: a z-test for two groups, a chi-square for more."""
    column = counts.layout.column(by)
    frame = counts.frame(indicator, column)
    result = _build(indicator, by, by_label, [g[0] for g in groups], [g[1] for g in groups],
                    frame, column, k)
    return _test(result, deff)


# ------------------------------------------------------------------ tests

def two_proportion_z(p1: float, n1: float, p2: float, n2: float, deff: float = 1.0
                     ) -> tuple[float, float]:
    """(z, two-sided p) for proportions p1, p2 (0–1) on bases n1, n2."""
    pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2)) if 0 < pooled < 1 else 0.0
    if se == 0:
        return 0.0, 1.0
    z = (p1 - p2) / se / math.sqrt(deff)
    return z, float(special.erfc(abs(z) / math.sqrt(2)))


def chi_square_2xg(p: Sequence[float], n: Sequence[float], deff: float = 1.0
                   ) -> tuple[float, int, float]:
    """(X², df, p) of the 2 × g table [p·n; (1 − p)·n] (Pearson, no continuity correction)."""
    from analysis.stats import pearson

    p, n = np.asarray(p, dtype=float), np.asarray(n, dtype=float)
    table = np.vstack([p * n, (1 - p) * n])
    result = pearson(table)
    if result.p_value is None or math.isnan(result.statistic):
        return math.nan, 0, math.nan
    statistic = result.statistic / deff
    return statistic, int(result.df), float(sps.chi2.sf(statistic, result.df))


def _test(result: Split, deff: float) -> Split:
    shown = [i for i in result.shown if result.n[i] > 0]
    if len(shown) < 2:
        return result
    p = np.array([result.share[i] / 100 for i in shown])
    n = np.array([result.n[i] for i in shown])
    if len(result.labels) == 2:
        z, pv = two_proportion_z(p[0], n[0], p[1], n[1], deff)
        return replace(result, statistic=z, df=0, p=pv, test="z")
    statistic, df, pv = chi_square_2xg(p, n, deff)
    if math.isnan(statistic):
        return result
    high, low = shown[int(np.argmax(p))], shown[int(np.argmin(p))]
    pairs = len(shown) * (len(shown) - 1) / 2
    _, pair_p = two_proportion_z(result.share[high] / 100, result.n[high],
                                 result.share[low] / 100, result.n[low], deff)
    return replace(result, statistic=statistic, df=df, p=pv, test="chi2", pair=(high, low),
                   pair_p=min(1.0, pair_p * pairs))


def holm(p_values: Sequence[float | None]) -> list[float | None]:
    """Holm's step-down adjustment: sort the m p-values, multiply the i-th smallest by
    m − i + 1, carry the running maximum, cap at 1 (None stays None)."""
    indexed = [(p, i) for i, p in enumerate(p_values) if p is not None]
    m = len(indexed)
    adjusted: list[float | None] = [None] * len(p_values)
    running = 0.0
    for rank, (p, i) in enumerate(sorted(indexed)):
        running = max(running, min(1.0, (m - rank) * p))
        adjusted[i] = running
    return adjusted


def adjust(splits: Sequence[Split]) -> None:
    """Holm-adjust the p-values of ``splits`` together (one section's family), in place."""
    for result, p in zip(splits, holm([s.p for s in splits])):
        result.p_adjusted = p
