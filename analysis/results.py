"""Result objects: what every table function returns and every renderer reads.

Each result is a frozen dataclass holding one *tidy* DataFrame (one row per cell, every number in
a named column) plus the metadata a publication needs: labels, bases, test results, notes and the
disclosure-control record. Rendering (HTML, XLSX, SPSS, charts) lives elsewhere and never has to
recompute anything: suppressed cells are already blanked (``NaN``) and flagged here.

Dataclasses are ``eq=False`` because they hold DataFrames (which have no truth value).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

__all__ = ["Message", "TestResult", "Suppression", "Frequency", "CrossTab", "MultipleTable",
           "RankingTable", "NumericSummary", "LikertTable", "Book", "SUPPRESSED_MARK"]

#: What a renderer prints in place of a suppressed value.
SUPPRESSED_MARK = "x"


@dataclass(frozen=True)
class Message:
    """A note or warning in Vietnamese (``vi``, the source language) and English (``en``)."""

    vi: str
    en: str
    code: str = ""  # stable identifier, e.g. "small-expected", "suppressed", "weighted"

    def text(self, language: str = "vi") -> str:
        return self.en if language == "en" else self.vi

    def __str__(self) -> str:
        return self.vi


@dataclass(frozen=True)
class TestResult:
    """One test statistic. ``df`` is a number for chi-square tests and ``(ndf, ddf)`` for F.

    ``name`` says exactly which statistic and which p-value are shown (e.g. "Rao-Scott F
    (second-order, Satterthwaite df)"), because design-based outputs show several.
    """

    name: str
    statistic: float
    df: float | tuple[float, float] | None
    p_value: float | None
    note: str = ""

    def describe(self) -> str:
        if isinstance(self.df, tuple):
            df = f"({self.df[0]:.2f}, {self.df[1]:.2f})"
        elif self.df is None:
            df = ""
        else:
            df = f"({self.df:g})"
        p = "" if self.p_value is None else f", p = {self.p_value:.4g}"
        return f"{self.name}{df} = {self.statistic:.4f}{p}"


@dataclass(frozen=True)
class Suppression:
    """Disclosure-control record: threshold ``k`` and which cells were blanked and why.

    ``cells`` has one row per suppressed cell (``row``, ``column``, ``reason``: ``primary``
    for a cell under k, ``complementary`` for a cell blanked so the primary one cannot be
    recovered from margins, ``base`` for a whole column whose base is under k).
    """

    k: int
    cells: pd.DataFrame

    @property
    def count(self) -> int:
        return len(self.cells)

    def __bool__(self) -> bool:
        return len(self.cells) > 0


@dataclass(frozen=True, eq=False)
class Frequency:
    """Frequency table of one variable.

    ``table`` columns: ``code``, ``label``, ``n`` (unweighted count), ``count`` (weighted count,
    equal to ``n`` when unweighted), ``percent`` (of all answering), ``valid_percent`` (missing
    codes excluded; NaN on missing rows), ``missing`` (bool), ``suppressed`` (bool).
    """

    variable: str
    label: str
    table: pd.DataFrame
    base: float          # weighted (or plain) number answering
    valid_base: float    # same, missing codes excluded
    n: int               # unweighted number answering
    weighted: bool = False
    notes: tuple[Message, ...] = ()
    suppression: Suppression | None = None


@dataclass(frozen=True, eq=False)
class CrossTab:
    """An item (rows) by one banner or two nested banners (columns).

    ``table`` is tidy, one row per cell: ``row`` (code), ``row_label``, ``column`` (banner code,
    or a ``(code, code2)`` tuple for nested banners), ``column_label``, ``n`` (unweighted count),
    ``count`` (weighted count, = n when unweighted), ``row_pct``, ``col_pct``, ``total_pct``,
    ``expected``, ``adj_residual`` (adjusted standardised residual), ``letters`` (columns whose
    proportion is significantly smaller, SPSS CTABLES style; "" when none), ``suppressed``.
    Suppressed cells have NaN in every number and ``suppressed=True``.

    ``bases``: one row per column: ``column``, ``column_label``, ``n``, ``count``,
    ``letter`` (A, B, … used by the column-proportion tests), ``suppressed``.
    ``tests``: Pearson chi-square, likelihood-ratio G², Cramér's V (and design-based tests
    when a design is declared); each says which statistic and p it shows.
    """

    item: str
    item_label: str
    by: tuple[str, ...]
    by_labels: tuple[str, ...]
    table: pd.DataFrame
    bases: pd.DataFrame
    total: float
    n: int
    tests: tuple[TestResult, ...] = ()
    notes: tuple[Message, ...] = ()
    suppression: Suppression | None = None
    weighted: bool = False
    alpha: float = 0.05
    #: row totals: ``row``, ``n``, ``count``, ``suppressed``
    row_totals: pd.DataFrame | None = None

    def pivot(self, value: str = "count") -> pd.DataFrame:
        """Rows × columns DataFrame of one value column (``count``, ``col_pct``, …)."""
        wide = self.table.pivot(index=["row", "row_label"], columns="column", values=value)
        order = list(dict.fromkeys(self.table["column"]))
        rows = list(dict.fromkeys(zip(self.table["row"], self.table["row_label"])))
        return wide.reindex(index=pd.MultiIndex.from_tuples(rows, names=["row", "row_label"]),
                            columns=order)

    def test(self, name_start: str) -> TestResult | None:
        return next((t for t in self.tests if t.name.startswith(name_start)), None)


@dataclass(frozen=True, eq=False)
class MultipleTable:
    """Multiple-choice item, optionally by a banner.

    ``table``: ``option``, ``option_label``, ``column`` (banner code, or ``"total"``),
    ``n``, ``count``, ``pct_cases`` (of respondents who answered the item),
    ``pct_responses`` (of all selections), ``suppressed``.
    ``bases``: ``column``, ``cases`` (respondents answering), ``responses`` (selections).
    """

    item: str
    item_label: str
    by: tuple[str, ...]
    table: pd.DataFrame
    bases: pd.DataFrame
    weighted: bool = False
    notes: tuple[Message, ...] = ()
    suppression: Suppression | None = None


@dataclass(frozen=True, eq=False)
class RankingTable:
    """Ranking item, optionally by a banner.

    ``table``: ``option``, ``option_label``, ``column``, ``first`` (count ranked first),
    ``pct_first`` (share of respondents ranking it first), ``ranked`` (count ranked at any place),
    ``score`` (weighted score: a rank r of top T earns T + 1 − r points, summed and divided by
    the respondents answering the item; so the maximum is T), ``suppressed``.
    """

    item: str
    item_label: str
    by: tuple[str, ...]
    top: int
    table: pd.DataFrame
    bases: pd.DataFrame
    weighted: bool = False
    notes: tuple[Message, ...] = ()
    suppression: Suppression | None = None


@dataclass(frozen=True, eq=False)
class NumericSummary:
    """Numeric item (or a scale's codes) summarised, optionally by a banner.

    ``table``: ``column``, ``n``, ``mean``, ``sd``, ``median``, ``ci_low``, ``ci_high``
    (95% t interval of the mean), ``suppressed``.
    """

    item: str
    item_label: str
    by: tuple[str, ...]
    table: pd.DataFrame
    weighted: bool = False
    notes: tuple[Message, ...] = ()
    suppression: Suppression | None = None


@dataclass(frozen=True, eq=False)
class LikertTable:
    """A rating scale (single item or grid rows): mean of the codes (missing codes excluded) and
    top-2-box (share choosing one of the two highest non-missing codes), per row and column.

    ``table``: ``variable``, ``variable_label``, ``column``, ``n``, ``mean``, ``top2``,
    ``suppressed``.
    """

    item: str
    item_label: str
    by: tuple[str, ...]
    table: pd.DataFrame
    top_codes: tuple[int, ...]
    weighted: bool = False
    notes: tuple[Message, ...] = ()
    suppression: Suppression | None = None


@dataclass(frozen=True, eq=False)
class Book:
    """A banner book: every item by every banner. ``tables`` in questionnaire order; ``errors``
    lists (item, banner, message) for tables refused by disclosure control."""

    banners: tuple[str, ...]
    tables: tuple[Any, ...]
    errors: tuple[tuple[str, str, Message], ...] = ()
    notes: tuple[Message, ...] = ()
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """Every table's tidy cells in one long DataFrame, with ``kind``, ``item`` and
        ``banner`` columns in front (what ``flask analysis book -o book.csv`` writes)."""
        parts = []
        for table in self.tables:
            part = table.table.copy()
            part.insert(0, "banner", "×".join(table.by))
            part.insert(0, "item", table.item)
            part.insert(0, "kind", type(table).__name__)
            parts.append(part)
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
