"""The banner book: every analysable variable by every banner, from as few scans as possible."""
from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

from analysis import disclosure
from analysis.disclosure import DEFAULT_K
from analysis.filters import Filter
from analysis.results import Book, Message
from analysis.source import Agg
from analysis.tables.crosstab import build_crosstab
from analysis.tables.multiple import build_multiple
from analysis.tables.numeric import build_numeric
from analysis.tables.ranking import build_ranking
from analysis.tables.weighted import Weights, aggregate

__all__ = ["banner_book", "SCAN_BATCH", "DEFAULT_STRATEGY"]


#: Conditional counts per query in the "scan" strategy: one query for the flagship's ~330;
#: PostgreSQL allows 1,664 output columns, SQLite 2,000.
SCAN_BATCH = 800


def _book_aggs(layout, variables: Sequence[str], banner_cols: list[str]
               ) -> tuple[list[Agg], dict[str, dict[str, str]]]:
    """The conditional counts of the "scan" strategy and, per variable, which of them feed which
    column of the frame its table builder reads (builder column → agg name)."""
    aggs: list[Agg] = []
    feeds: dict[str, dict[str, str]] = {}

    def add(kind: str, column: str, arg: float | None = None) -> str:
        aggs.append(Agg(f"s{len(aggs)}", kind, column, arg))
        return aggs[-1].name

    for variable in variables:
        item = layout.item(variable)
        kind = item["type"]
        if kind in ("single", "grid"):
            col = layout.column(variable)
            if col not in banner_cols:
                feeds[variable] = {str(code): add("eq", col, code)
                                   for code in layout.option_labels(variable)}
        elif kind in ("multiple", "ranking"):
            # Option columns are NULL where the item was not answered (analysis.layout), so
            # counts over all rows equal counts over the rows answering it.
            feed = {"n": add("count", layout.answered_column(variable))}
            top = int(item.get("top") or len(layout.option_columns(variable)))
            for i, column in enumerate(layout.option_columns(variable).values()):
                if kind == "multiple":
                    feed[f"o{i}"] = add("sum", column)
                else:
                    feed[f"f{i}"] = add("eq", column, 1)
                    feed[f"r{i}"] = add("count", column)
                    feed[f"s{i}"] = add("score", column, top)
            feeds[variable] = feed
    return aggs, feeds


def _scan(source, variables: Sequence[str], banner_cols: list[str], flt: Filter,
          weights: Weights | None) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """Every single, grid, multiple-choice and ranking count of the book from one scan grouped
    by the banners (a few scans beyond :data:`SCAN_BATCH` counts). Returns the banner frame
    (``n`` per banner combination: the tables of the banner variables themselves) and, per
    other variable, the frame its builder reads — the same numbers as a GROUP BY per variable
    (the "group" strategy), a margin at a time."""
    layout = source.layout
    aggs, feeds = _book_aggs(layout, variables, banner_cols)
    merged: pd.DataFrame | None = None
    for start in range(0, max(len(aggs), 1), SCAN_BATCH):
        part = aggregate(source, banner_cols, aggs[start:start + SCAN_BATCH], flt, None,
                          weights, build_index=False)
        part = part.drop(columns=["n", "w_n"]) if merged is not None else part
        merged = part if merged is None else merged.merge(part, on=banner_cols, how="outer")
    assert merged is not None
    keys = merged[banner_cols]
    frames: dict[str, pd.DataFrame] = {}
    for variable, feed in feeds.items():
        if layout.item(variable)["type"] in ("single", "grid"):
            col = layout.column(variable)
            frames[variable] = pd.concat([
                pd.concat([keys, pd.DataFrame({col: float(code), "n": merged[name],
                                               "w_n": merged["w_" + name]})], axis=1)
                for code, name in feed.items()], ignore_index=True)
        else:
            columns = {**{target: merged[name] for target, name in feed.items()},
                       **{"w_" + target: merged["w_" + name] for target, name in feed.items()}}
            frame = pd.concat([keys, pd.DataFrame(columns)], axis=1)
            frames[variable] = frame[frame["n"] > 0].reset_index(drop=True)
    return merged[[*banner_cols, "n", "w_n"]], frames


#: The default on both engines, by measurement (flagship book by A2, A3, A5, 200,000 responses,
#: CPU seconds incl. the PostgreSQL server's): "scan" SQLite 5.7, PostgreSQL 4.3; "group"
#: SQLite 21.8, PostgreSQL 16.3. At 1,000,000 on SQLite: "scan" 19 s of CPU.
DEFAULT_STRATEGY = "scan"


def banner_book(source, banners: Sequence[str], items: Iterable[str] | None = None,
                flt: Filter = Filter(), weights: Weights | None = None,
                k: int | None = DEFAULT_K, alpha: float = 0.05,
                language: str = "vi", strategy: str | None = None) -> Book:
    """Every analysable variable by every banner in ``banners``.

    ``strategy="scan"`` (the default): every single-choice, grid, multiple-choice and ranking
    count in one scan grouped by the banners (:func:`_scan`); each table is a margin of that
    frame. ``strategy="group"``: one GROUP BY per variable over the variable and *all* banners
    at once. Both give the same tables; "scan" reads the table once instead of once per
    variable (:data:`DEFAULT_STRATEGY` has the figures). Numeric items always take a GROUP BY
    of their own (medians need the distribution). The book builds no covering index
    (:mod:`analysis.covering`): each of its queries runs once. Single choice
    and grid rows give :class:`CrossTab`, multiple choice :class:`MultipleTable`, ranking
    :class:`RankingTable`, numeric :class:`NumericSummary`. Tables refused by disclosure control
    are listed in ``errors``."""
    started = time.perf_counter()
    strategy = strategy or DEFAULT_STRATEGY
    if strategy not in ("scan", "group"):
        raise ValueError(f"unknown banner book strategy {strategy!r}")
    layout = source.layout
    banner_cols = [layout.column(b) for b in banners]
    variables = list(items) if items is not None else layout.analysable_variables()
    tables: list[Any] = []
    errors: list[tuple[str, str, Message]] = []
    scanned: dict[str, pd.DataFrame] = {}
    banner_frame: pd.DataFrame | None = None
    if strategy == "scan":
        banner_frame, scanned = _scan(source, variables, banner_cols, flt, weights)
    for variable in variables:
        item = layout.item(variable)
        kind = item["type"]
        try:
            if kind in ("single", "grid"):
                col = layout.column(variable)
                if variable in scanned:
                    agg = scanned[variable]
                elif banner_frame is not None and col in banner_cols:
                    agg = banner_frame
                else:
                    agg = aggregate(source, list(dict.fromkeys([col, *banner_cols])), [], flt,
                                     None, weights, build_index=False)
                built = [(b, lambda b=b, agg=agg, variable=variable: build_crosstab(
                    layout, agg, variable, (b,), weights, k, alpha, False, language))
                    for b in banners if b != variable]
            elif kind == "multiple":
                options = layout.option_columns(variable)
                if variable in scanned:
                    agg = scanned[variable]
                else:
                    aggs = [Agg(f"o{i}", "sum", c) for i, c in enumerate(options.values())]
                    agg = aggregate(source, banner_cols, aggs, flt,
                                     layout.answered_column(variable), weights,
                                     build_index=False)
                built = [(b, lambda b=b, agg=agg, variable=variable, options=options: build_multiple(
                    layout, agg, variable, b, options, weights, k, language)) for b in banners]
            elif kind == "ranking":
                options = layout.option_columns(variable)
                top = int(item.get("top") or len(options))
                if variable in scanned:
                    agg = scanned[variable]
                else:
                    aggs = []
                    for i, c in enumerate(options.values()):
                        aggs += [Agg(f"f{i}", "eq", c, 1), Agg(f"r{i}", "count", c),
                                 Agg(f"s{i}", "score", c, top)]
                    agg = aggregate(source, banner_cols, aggs, flt,
                                     layout.answered_column(variable), weights,
                                     build_index=False)
                built = [(b, lambda b=b, agg=agg, variable=variable, options=options, top=top: build_ranking(
                    layout, agg, variable, b, options, top, weights, k, language))
                    for b in banners]
            elif kind == "numeric":
                col = layout.column(variable)
                agg = aggregate(source, [*banner_cols, col], [], flt, None, weights,
                                 build_index=False)
                agg = agg[agg[col].notna()]
                built = [(b, lambda b=b, agg=agg, variable=variable: build_numeric(
                    layout, agg, variable, b, weights, k, language, set())) for b in banners]
            else:
                continue
        except disclosure.DisclosureRefused as refused:
            errors.append((variable, "", refused.message))
            continue
        for banner, build in built:
            try:
                tables.append(build())
            except disclosure.DisclosureRefused as refused:
                errors.append((variable, banner, refused.message))
    return Book(tuple(banners), tuple(tables), tuple(errors), (),
                time.perf_counter() - started)
