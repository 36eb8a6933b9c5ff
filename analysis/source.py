"""Where counts come from: a database (pushed down as GROUP BY) or a pandas DataFrame.

Both sources answer one question, :meth:`aggregate`: *group the selected responses by these
columns and return, per group, the number of responses and some sums*. Every table in
:mod:`analysis.tables` is computed from such small aggregated frames, so a cross-tab over a
million responses moves a few dozen rows out of the database, never the responses.

Filters (:class:`Filter`) are applied inside the source: campaigns, banner values, a date range,
complete responses only (the default).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from analysis.layout import Layout, layout_for

__all__ = ["Filter", "Agg", "FrameSource", "DatabaseSource"]


@dataclass(frozen=True)
class Filter:
    """Which responses a table counts.

    ``values`` maps a variable (``A2``) to the codes kept (``{"A2": (1, 2)}``); ``date_from`` and
    ``date_to`` bound the submission date (inclusive); ``campaign_ids`` empty = every campaign of
    the version; ``complete_only`` drops partial responses.
    """

    campaign_ids: tuple[int, ...] = ()
    values: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    date_from: date | None = None
    date_to: date | None = None
    complete_only: bool = True

    def describe(self, layout: Layout | None = None) -> str:
        parts = []
        if self.campaign_ids:
            parts.append("campaign " + ", ".join(map(str, self.campaign_ids)))
        for variable, codes in self.values.items():
            parts.append(f"{variable} ∈ {{{', '.join(map(str, codes))}}}")
        if self.date_from or self.date_to:
            parts.append(f"{self.date_from or '…'} – {self.date_to or '…'}")
        if self.complete_only:
            parts.append("complete")
        return "; ".join(parts)


@dataclass(frozen=True)
class Agg:
    """A sum computed per group. ``kind``: ``sum`` (the column), ``eq`` (1 where column = arg),
    ``count`` (1 where the column is not null), ``score`` (arg + 1 − column where not null:
    the points of a rank)."""

    name: str
    kind: str
    column: str
    arg: float | None = None


class _Base:
    layout: Layout

    def _filter_columns(self, flt: Filter) -> dict[str, tuple[int, ...]]:
        return {self.layout.column(variable): tuple(codes)
                for variable, codes in flt.values.items()}


class FrameSource(_Base):
    """Responses in the wide layout as a DataFrame (see :mod:`analysis.layout`).

    The fallback path: used for data that is already in memory (tests, imports) and checked
    against the database path. ``weight_column`` names an optional per-row weight column.
    """

    def __init__(self, definition: Mapping[str, Any], frame: pd.DataFrame,
                 weight_column: str | None = None):
        self.definition = definition
        self.layout = layout_for(definition)
        self.frame = frame
        self.weight_column = weight_column

    def _selected(self, flt: Filter) -> pd.DataFrame:
        frame = self.frame
        mask = np.ones(len(frame), dtype=bool)
        if flt.complete_only and "complete" in frame:
            mask &= frame["complete"].to_numpy() == 1
        if flt.campaign_ids:
            mask &= frame["campaign_id"].isin(flt.campaign_ids).to_numpy()
        for column, codes in self._filter_columns(flt).items():
            mask &= frame[column].isin(codes).to_numpy()
        if flt.date_from is not None:
            mask &= (pd.to_datetime(frame["submitted_on"]) >= pd.Timestamp(flt.date_from)).to_numpy()
        if flt.date_to is not None:
            mask &= (pd.to_datetime(frame["submitted_on"]) <= pd.Timestamp(flt.date_to)).to_numpy()
        return frame.loc[mask]

    def aggregate(self, group: Sequence[str], aggs: Sequence[Agg] = (), flt: Filter = Filter(),
                  require: str | None = None, weighted: bool = False) -> pd.DataFrame:
        """Per group of ``group`` columns: ``n`` (rows), each agg, and when ``weighted`` (a
        weight column is set) ``w_n`` and ``w_<agg>`` weighted by it. Groups with a NULL
        (NaN) value are kept (as NaN). ``require``: only rows where this column is not null."""
        data = self._selected(flt)
        if require is not None:
            data = data[data[require].notna()]
        values = pd.DataFrame(index=data.index)
        values["n"] = 1.0
        for agg in aggs:
            col = data[agg.column]
            if agg.kind == "sum":
                values[agg.name] = col.fillna(0)
            elif agg.kind == "eq":
                values[agg.name] = (col == agg.arg).astype(float)
            elif agg.kind == "count":
                values[agg.name] = col.notna().astype(float)
            elif agg.kind == "score":
                values[agg.name] = np.where(col.notna(), agg.arg + 1 - col, 0.0)
            else:
                raise ValueError(f"unknown aggregate kind {agg.kind!r}")
        if weighted and self.weight_column:
            weight = data[self.weight_column].to_numpy(dtype=float)
            for name in list(values.columns):
                values["w_" + name] = values[name].to_numpy() * weight
        if not group:
            return values.sum().to_frame().T
        for position, name in enumerate(group):
            values.insert(position, name, data[name].to_numpy())
        return values.groupby(list(group), dropna=False, sort=True).sum().reset_index()

    def to_frame(self) -> pd.DataFrame:
        return self.frame


class DatabaseSource(_Base):
    """Responses of one questionnaire version in a database, read through the materialised wide
    table of :mod:`analysis.wide` (built or brought up to date on first use).

    Every :meth:`aggregate` call is one ``SELECT … GROUP BY`` on that table.
    """

    def __init__(self, engine: sa.Engine, version_id: int, definition: Mapping[str, Any],
                 refresh: bool = True):
        from analysis import wide

        self.engine = engine
        self.version_id = version_id
        self.definition = definition
        self.layout = layout_for(definition)
        self.weight_column: str | None = None
        self.table = wide.ensure(engine, version_id, definition) if refresh else \
            wide.table_for(version_id, self.layout)

    def _where(self, flt: Filter) -> list[Any]:
        t = self.table.c
        clauses: list[Any] = []
        if flt.complete_only:
            clauses.append(t.complete == 1)
        if flt.campaign_ids:
            clauses.append(t.campaign_id.in_(flt.campaign_ids))
        for column, codes in self._filter_columns(flt).items():
            clauses.append(t[column].in_(codes))
        if flt.date_from is not None:
            clauses.append(t.submitted_on >= flt.date_from)
        if flt.date_to is not None:
            clauses.append(t.submitted_on <= flt.date_to)
        return clauses

    def _agg_expression(self, agg: Agg, weight: Any | None) -> Any:
        column = self.table.c[agg.column]
        if agg.kind == "sum":
            value = sa.func.coalesce(column, 0)
        elif agg.kind == "eq":
            value = sa.case((column == agg.arg, 1), else_=0)
        elif agg.kind == "count":
            value = sa.case((column.is_not(None), 1), else_=0)
        elif agg.kind == "score":
            value = sa.case((column.is_not(None), agg.arg + 1 - column), else_=0)
        else:
            raise ValueError(f"unknown aggregate kind {agg.kind!r}")
        return sa.func.sum(value if weight is None else value * weight)

    def aggregate(self, group: Sequence[str], aggs: Sequence[Agg] = (), flt: Filter = Filter(),
                  require: str | None = None, weighted: bool = False) -> pd.DataFrame:
        """Same contract as :meth:`FrameSource.aggregate`, as one GROUP BY in the database."""
        t = self.table.c
        keys = [t[g] for g in group]
        weight = t[self.weight_column] if weighted and self.weight_column else None
        selected: list[Any] = [*keys, sa.func.count().label("n")]
        selected += [self._agg_expression(a, None).label(a.name) for a in aggs]
        if weight is not None:
            selected.append(sa.func.sum(weight).label("w_n"))
            selected += [self._agg_expression(a, weight).label("w_" + a.name) for a in aggs]
        query = sa.select(*selected).select_from(self.table).where(*self._where(flt))
        if require is not None:
            query = query.where(t[require].is_not(None))
        if keys:
            query = query.group_by(*keys)
        with self.engine.connect() as conn:
            # the driver's own rows: no per-row processing, these are plain numbers
            rows = conn.execute(query).cursor.fetchall()
        columns = [*group, "n", *(a.name for a in aggs)]
        if weight is not None:
            columns += ["w_n", *("w_" + a.name for a in aggs)]
        frame = pd.DataFrame(rows, columns=columns)
        for name in columns[len(group):]:
            frame[name] = pd.to_numeric(frame[name], errors="coerce").astype(float)
        for name in group:
            frame[name] = pd.to_numeric(frame[name], errors="coerce")
        if not group and len(frame) == 0:
            frame = pd.DataFrame([[0.0] * len(columns)], columns=columns)
        return frame.sort_values(list(group)).reset_index(drop=True) if group else frame

    def to_frame(self, flt: Filter = Filter(complete_only=False)) -> pd.DataFrame:
        """The fallback: load the wide table into pandas (filtered)."""
        query = sa.select(self.table).where(*self._where(flt))
        with self.engine.connect() as conn:
            return pd.read_sql(query, conn)
