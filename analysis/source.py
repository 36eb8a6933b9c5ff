"""Where counts come from: a database (pushed down as GROUP BY) or a pandas DataFrame.

Both sources answer one question, :meth:`aggregate`: *group the selected responses by these
columns and return, per group, the number of responses and some sums*. Every table in
:mod:`analysis.tables` is computed from such small aggregated frames, so a cross-tab over a
million responses moves a few dozen rows out of the database, never the responses.

Filters (:class:`analysis.filters.Filter`) are applied inside the source: campaigns, banner
values, collection modes (the ``mode`` column, :mod:`analysis.mode`), a date range, complete
responses only (the default).

Synthetic responses (:mod:`analysis.synthetic`) are dropped here, in both sources, for every
campaign that has a real response; a campaign with synthetic responses only keeps them, and
``synthetic_campaigns`` names those campaigns so that every page, export and report built on the
source says that its data are synthetic.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from analysis import mode
from analysis.filters import Filter
from analysis.layout import Layout, layout_for

__all__ = ["Agg", "FrameSource", "DatabaseSource"]


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
        """Column → codes kept, the collection mode's included.

        Raises ``ValueError`` when ``flt.values`` names the mode variable: the mode is filtered
        with ``Filter.modes``, the one form that data files, which read ``response`` and not
        this table, understand too."""
        if self.layout.mode_variable in flt.values:
            raise ValueError(f"filter the collection mode with Filter(modes=…), not "
                             f"values[{self.layout.mode_variable!r}]")
        columns = {self.layout.column(variable): tuple(codes)
                   for variable, codes in flt.values.items()}
        if flt.modes:
            columns[mode.COLUMN] = tuple(flt.modes)
        return columns


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
        self.synthetic_campaigns: set[int] = set()
        if "synthetic" in frame and "campaign_id" in frame and len(frame):
            flags = frame["synthetic"].fillna(0).to_numpy() == 1
            real = set(frame.loc[~flags, "campaign_id"])
            self.synthetic_campaigns = {int(c) for c in frame.loc[flags, "campaign_id"]} - real

    def _selected(self, flt: Filter) -> pd.DataFrame:
        frame = self.frame
        mask = np.ones(len(frame), dtype=bool)
        if "synthetic" in frame:
            mask &= (frame["synthetic"].fillna(0).to_numpy() != 1) | \
                frame["campaign_id"].isin(self.synthetic_campaigns).to_numpy()
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
                  require: str | None = None, weighted: bool = False, *,
                  build_index: bool = True) -> pd.DataFrame:
        """Per group of ``group`` columns: ``n`` (rows), each agg, and when ``weighted`` (a
        weight column is set) ``w_n`` and ``w_<agg>`` weighted by it. Groups with a NULL
        (NaN) value are kept (as NaN). ``require``: only rows where this column is not null.
        ``build_index`` only matters to :class:`DatabaseSource`."""
        data = self._selected(flt)
        if require is not None:
            data = data[data[require].notna()]
        columns: dict[str, Any] = {"n": np.ones(len(data))}
        for agg in aggs:
            col = data[agg.column].to_numpy(dtype=float)
            if agg.kind == "sum":
                columns[agg.name] = np.nan_to_num(col, nan=0.0)
            elif agg.kind == "eq":
                columns[agg.name] = (col == agg.arg).astype(float)
            elif agg.kind == "count":
                columns[agg.name] = (~np.isnan(col)).astype(float)
            elif agg.kind == "score":
                columns[agg.name] = np.where(np.isnan(col), 0.0, agg.arg + 1 - col)
            else:
                raise ValueError(f"unknown aggregate kind {agg.kind!r}")
        if weighted and self.weight_column:
            weight = data[self.weight_column].to_numpy(dtype=float)
            columns.update({"w_" + name: value * weight for name, value in list(columns.items())})
        values = pd.DataFrame(columns, index=data.index)
        if not group:
            return values.sum().to_frame().T
        keys = pd.DataFrame({name: data[name].to_numpy() for name in group}, index=data.index)
        values = pd.concat([keys, values], axis=1)
        return values.groupby(list(group), dropna=False, sort=True).sum().reset_index()

    def to_frame(self) -> pd.DataFrame:
        return self.frame


class DatabaseSource(_Base):
    """Responses of one questionnaire version in a database, read through the materialised wide
    table of :mod:`analysis.wide` (built or brought up to date on first use).

    Every :meth:`aggregate` call is one ``SELECT … GROUP BY`` on that table. Narrow ones (a
    cross-tab, a frequency, with their filter columns) read a covering index built on first use
    (:mod:`analysis.covering`); on SQLite the query names the index it reads (``INDEXED BY``) or
    reads the table (``NOT INDEXED``), because without fresh statistics SQLite's planner prefers
    a single-column banner index and a lookup per row, several times slower than either.
    Conditional counts are ``count(*) FILTER (WHERE …)`` (both engines; measured about twice as
    fast as ``SUM(CASE …)`` on a wide scan).
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
        self.rows = wide.held(engine, version_id)
        from analysis.synthetic import synthetic_only

        self.synthetic_campaigns = synthetic_only(engine, version_id=version_id)
        self._indexes: list[tuple[str, tuple[str, ...]]] | None = None

    def _column(self, name: str) -> Any:
        """A column by bare name (the FROM clause is written out, see :meth:`_from`)."""
        return sa.literal_column(f'"{name}"', type_=self.table.c[name].type)

    def _where(self, flt: Filter) -> list[Any]:
        """Raises ``ValueError`` for a filter naming another version than the source's."""
        if flt.version_id is not None and flt.version_id != self.version_id:
            raise ValueError(f"the filter selects version {flt.version_id}; this source holds "
                             f"version {self.version_id}")
        c = self._column
        clauses: list[Any] = []
        if flt.complete_only:
            clauses.append(c("complete") == 1)
        if self.synthetic_campaigns:
            clauses.append(sa.or_(c("synthetic") == 0,
                                  c("campaign_id").in_(sorted(self.synthetic_campaigns))))
        else:
            clauses.append(c("synthetic") == 0)
        if flt.campaign_ids:
            clauses.append(c("campaign_id").in_(flt.campaign_ids))
        for column, codes in self._filter_columns(flt).items():
            clauses.append(c(column).in_(codes))
        if flt.date_from is not None:
            clauses.append(c("submitted_on") >= flt.date_from)
        if flt.date_to is not None:
            clauses.append(c("submitted_on") <= flt.date_to)
        return clauses

    def _read_columns(self, flt: Filter) -> set[str]:
        names = {"complete", "synthetic"} | set(self._filter_columns(flt))
        if flt.campaign_ids or self.synthetic_campaigns:
            names.add("campaign_id")
        if flt.date_from is not None or flt.date_to is not None:
            names.add("submitted_on")
        return names

    def _agg_expression(self, agg: Agg, weight: Any | None) -> Any:
        column = self._column(agg.column)
        if agg.kind == "eq":
            condition, value = column == agg.arg, None
        elif agg.kind == "count":
            condition, value = column.is_not(None), None
        elif agg.kind == "sum":
            condition, value = column.is_not(None), column
        elif agg.kind == "score":
            condition, value = column.is_not(None), agg.arg + 1 - column
        else:
            raise ValueError(f"unknown aggregate kind {agg.kind!r}")
        if value is None and weight is None:
            return sa.func.count().filter(condition)
        if value is None:
            value = weight
        elif weight is not None:
            value = value * weight
        return sa.func.coalesce(sa.func.sum(value).filter(condition), 0)

    def _covering_index(self, group: Sequence[str], needed: set[str], build: bool) -> str | None:
        """The covering index serving this query, built if need be (None: read the table)."""
        from analysis import covering

        if self.rows < covering.MIN_ROWS or not group or \
                len(covering.key_columns(group, needed)) > covering.MAX_COLUMNS:
            return None
        if self._indexes is None:
            with self.engine.connect() as conn:
                self._indexes = covering.listing(conn, self.version_id)
        name = covering.usable(self._indexes, group, needed)
        if name is None and build:
            name = covering.ensure_index(self.engine, self.table, self.version_id, group, needed)
            if name is not None:
                self._indexes.append((name, covering.key_columns(group, needed)))
        return name

    def _from(self, index: str | None) -> Any:
        if self.engine.dialect.name != "sqlite":
            return sa.text(self.table.name)
        return sa.text(f"{self.table.name} " + (f"INDEXED BY {index}" if index else "NOT INDEXED"))

    def aggregate(self, group: Sequence[str], aggs: Sequence[Agg] = (), flt: Filter = Filter(),
                  require: str | None = None, weighted: bool = False, *,
                  build_index: bool = True) -> pd.DataFrame:
        """Same contract as :meth:`FrameSource.aggregate`, as one GROUP BY in the database.

        ``build_index=False``: use a covering index if one exists but build none (one-off
        queries such as a banner book's, where building would cost more than it saves)."""
        keys = [self._column(g) for g in group]
        weight = self._column(self.weight_column) if weighted and self.weight_column else None
        selected: list[Any] = [*keys, sa.func.count().label("n")]
        selected += [self._agg_expression(a, None).label(a.name) for a in aggs]
        if weight is not None:
            selected.append(sa.func.sum(weight).label("w_n"))
            selected += [self._agg_expression(a, weight).label("w_" + a.name) for a in aggs]
        where = self._where(flt)
        if require is not None:
            where.append(self._column(require).is_not(None))
        needed = set(group) | self._read_columns(flt) | {a.column for a in aggs}
        needed |= {require} if require else set()
        needed |= {self.weight_column} if weight is not None else set()
        index = self._covering_index(group, needed, build_index)

        def query(index: str | None) -> Any:
            statement = sa.select(*selected).select_from(self._from(index)).where(*where)
            return statement.group_by(*keys) if keys else statement

        with self.engine.connect() as conn:
            try:
                # the driver's own rows: no per-row processing, these are plain numbers
                rows = conn.execute(query(index)).cursor.fetchall()
            except sa.exc.OperationalError:
                if index is None or self.engine.dialect.name != "sqlite":
                    raise
                conn.rollback()  # the index was dropped meanwhile (evicted by another process)
                self._indexes = None
                rows = conn.execute(query(None)).cursor.fetchall()
        columns = [*group, "n", *(a.name for a in aggs)]
        if weight is not None:
            columns += ["w_n", *("w_" + a.name for a in aggs)]
        frame = pd.DataFrame(rows, columns=columns)
        frame = pd.DataFrame({name: pd.to_numeric(frame[name], errors="coerce").astype(float)
                              if i >= len(group) else pd.to_numeric(frame[name], errors="coerce")
                              for i, name in enumerate(columns)}, columns=columns)
        if not group and len(frame) == 0:
            frame = pd.DataFrame([[0.0] * len(columns)], columns=columns)
        return frame.sort_values(list(group)).reset_index(drop=True) if group else frame

    def to_frame(self, flt: Filter = Filter(complete_only=False)) -> pd.DataFrame:
        """The fallback: load the wide table into pandas (filtered)."""
        query = sa.select(self.table).where(*self._where(flt))
        with self.engine.connect() as conn:
            return pd.read_sql(query, conn)
