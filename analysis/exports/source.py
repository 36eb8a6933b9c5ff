"""Stream stored responses as wide rows (one row per response), a chunk at a time.

Answers are stored one row per value; a data file wants one row per response. The database
returns answers ordered by response id through a server-side cursor (``stream_results``), and
each batch is pivoted with numpy, so memory holds one chunk, never the whole campaign.

Rows come out in response-id order. Response ids are random, so this order says nothing about
when anyone answered; the case number ``stt`` is assigned in that order.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Iterator, Mapping, Sequence

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from analysis.exports.layout import CASE_ID, WEIGHT, Layout

__all__ = ["Selection", "response_table", "answer_table", "count_responses", "iter_frames",
           "DEFAULT_CHUNK"]

DEFAULT_CHUNK = 20_000
FETCH_ROWS = 200_000

# SQLAlchemy Core views of the two storage tables (analysis never imports the app's models).
response_table = sa.table(
    "response", sa.column("id", sa.String), sa.column("campaign_id", sa.Integer),
    sa.column("version_id", sa.Integer), sa.column("status", sa.String),
    sa.column("submitted_on", sa.Date), sa.column("mode", sa.String),
)
answer_table = sa.table(
    "answer", sa.column("response_id", sa.String), sa.column("variable", sa.String),
    sa.column("position", sa.Integer), sa.column("code", sa.Integer),
    sa.column("number", sa.Float), sa.column("text", sa.Text),
)


@dataclass(frozen=True)
class Selection:
    """Which responses: complete ones of a campaign (and/or version), optionally narrowed to a
    submission date range and to banner values (``{"level": [1, 2]}``: level is 1 or 2).
    Synthetic responses count only in a campaign without real ones
    (:func:`analysis.synthetic.counted`)."""

    campaign_id: int | None = None
    version_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    filters: Mapping[str, Sequence[int]] = field(default_factory=dict)
    status: str = "complete"

    def where(self) -> list[sa.ColumnElement[bool]]:
        r, a = response_table.c, answer_table
        from analysis.synthetic import counted

        clauses: list[sa.ColumnElement[bool]] = [r.status == self.status,
                                                 counted(response_table)]
        if self.campaign_id is not None:
            clauses.append(r.campaign_id == self.campaign_id)
        if self.version_id is not None:
            clauses.append(r.version_id == self.version_id)
        if self.date_from is not None:
            clauses.append(r.submitted_on >= self.date_from)
        if self.date_to is not None:
            clauses.append(r.submitted_on <= self.date_to)
        for variable, codes in sorted(self.filters.items()):
            codes = [int(c) for c in codes]
            if not codes:
                continue
            f = a.alias(f"filter_{len(clauses)}")
            clauses.append(sa.exists().where(
                f.c.response_id == r.id, f.c.variable == variable, f.c.code.in_(codes))
                .correlate(response_table))
        return clauses


def count_responses(connectable: Engine | Connection, selection: Selection) -> int:
    statement = sa.select(sa.func.count()).select_from(response_table).where(*selection.where())
    if isinstance(connectable, Engine):
        with connectable.connect() as conn:
            return int(conn.scalar(statement) or 0)
    return int(connectable.scalar(statement) or 0)


class _Pivot:
    """Turns batches of answer rows (sorted by response) into wide numeric/text blocks.

    Every lookup is an array operation: stored variable → source index (a hash index), then
    either the column of that variable or, for per-option columns, a code → column table.
    """

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.numeric = [v for v in layout if not v.is_text and v.name not in (CASE_ID, WEIGHT)]
        self.text = [v for v in layout if v.is_text]
        sources = sorted({v.source for v in layout if v.source})
        self.sources = pd.Index(sources)
        position = {name: i for i, name in enumerate(sources)}
        self.direct = np.full(len(sources) + 1, -1, dtype=np.intp)  # last: unknown variable
        self.by_code: dict[int, np.ndarray] = {}
        codes = [v.code for v in layout if v.code is not None]
        size = max(codes, default=0) + 1
        self.flag_groups: dict[int, list[int]] = {}
        for i, v in enumerate(self.numeric):
            s = position[v.source]
            if v.code is None:
                self.direct[s] = i
            else:
                self.by_code.setdefault(s, np.full(size, -1, dtype=np.intp))[v.code] = i
                if v.kind == "flag":
                    self.flag_groups.setdefault(s, []).append(i)
        self.value_from = np.array([{"code": 0, "flag": 1}.get(v.kind, 2)
                                    for v in self.numeric] or [0])
        self.text_item = {position[v.source]: j for j, v in enumerate(self.text)
                          if v.code is None}
        self.text_other = {(position[v.source], v.code): j for j, v in enumerate(self.text)
                           if v.code is not None}

    def block(self, rid: np.ndarray, var: np.ndarray, code: np.ndarray, number: np.ndarray,
              text: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
        """Wide values for the responses in the batch: (response ids, numeric matrix, text
        columns). A response with no answer rows (a LEFT JOIN null) gives an empty row."""
        rows_of, responses = pd.factorize(rid, sort=False)
        n = len(responses)
        matrix = np.full((n, len(self.numeric)), np.nan)
        texts = [np.full(n, None, dtype=object) for _ in self.text]
        source = self.sources.get_indexer(var)  # -1: not exported (or a LEFT JOIN null)
        column = self.direct[source]
        usable_code = np.where(np.isnan(code), -1, code).astype(np.intp)
        for s, table in self.by_code.items():
            at = source == s
            if not at.any():
                continue
            c = usable_code[at]
            column[at] = np.where((c >= 0) & (c < len(table)), table[np.clip(c, 0, None)
                                                                     .clip(max=len(table) - 1)],
                                  -1)
            if s in self.flag_groups:
                # A multiple choice the respondent answered: every option 0 unless selected.
                answered = np.unique(rows_of[at])
                matrix[np.ix_(answered, self.flag_groups[s])] = 0.0
        hit = column >= 0
        cols = column[hit]
        kind = self.value_from[cols]
        values = np.select([kind == 0, kind == 1], [code[hit], 1.0], number[hit])
        matrix[rows_of[hit], cols] = values
        if self.text and text is not None:
            for i in np.flatnonzero(pd.notna(text)):
                s = source[i]
                j = self.text_item.get(s)
                if j is None and not np.isnan(code[i]):
                    j = self.text_other.get((s, int(code[i])))
                if j is not None:
                    texts[j][rows_of[i]] = text[i]
        return np.asarray(responses, dtype=object), matrix, texts


def _frame(layout: Layout, pivot: _Pivot, start: int, rows: np.ndarray, matrix: np.ndarray,
           texts: list[np.ndarray], weights: Any) -> pd.DataFrame:
    data: dict[str, object] = {}
    numeric_at = {v.name: i for i, v in enumerate(pivot.numeric)}
    text_at = {v.name: j for j, v in enumerate(pivot.text)}
    for v in layout:
        if v.name == CASE_ID:
            data[v.name] = np.arange(start + 1, start + 1 + len(rows), dtype=float)
        elif v.name == WEIGHT:
            data[v.name] = np.full(len(rows), np.nan)
        elif v.is_text:
            data[v.name] = texts[text_at[v.name]]
        else:
            data[v.name] = matrix[:, numeric_at[v.name]]
    frame = pd.DataFrame(data, columns=layout.names)
    if weights is not None and WEIGHT in frame:
        if isinstance(weights, pd.Series):
            frame[WEIGHT] = weights.reindex(rows).to_numpy(dtype=float)
        else:  # a function of the chunk (e.g. cell weights looked up by banner codes)
            frame[WEIGHT] = np.asarray(weights(frame), dtype=float)
    return frame


def iter_frames(connectable: Engine | Connection, layout: Layout, selection: Selection,
                chunk_size: int = DEFAULT_CHUNK, weights: Any = None,
                fetch_rows: int = FETCH_ROWS) -> Iterator[pd.DataFrame]:
    """Yield DataFrames of at most about ``chunk_size`` responses, columns ``layout.names``.

    Numeric columns are float64 (NaN = no answer: skipped, not shown or left blank); text columns
    hold ``str`` or ``None``. ``weights`` is a Series indexed by response id, or a function
    of the chunk's DataFrame returning one weight per row.
    """
    if isinstance(connectable, Engine):
        with connectable.connect() as conn:
            yield from iter_frames(conn, layout, selection, chunk_size, weights, fetch_rows)
        return
    r, a = response_table.c, answer_table.c
    # Join on the response only: a variable list in the join would make SQLite seek the
    # primary key once per variable; unexported variables are dropped by the pivot instead.
    join = response_table.outerjoin(answer_table, a.response_id == r.id)
    columns = [r.id.label("response_id"), a.variable, a.code, a.number]
    columns.append(a.text if layout.has_text else sa.null().label("text"))
    statement = (sa.select(*columns).select_from(join).where(*selection.where())
                 .order_by(r.id))
    pivot = _Pivot(layout)
    pending: list[tuple[np.ndarray, np.ndarray, list[np.ndarray]]] = []
    pending_rows = 0
    written = 0

    def flush() -> pd.DataFrame:
        nonlocal pending, pending_rows, written
        rows = np.concatenate([p[0] for p in pending])
        matrix = np.concatenate([p[1] for p in pending])
        texts = [np.concatenate([p[2][j] for p in pending]) for j in range(len(pivot.text))]
        frame = _frame(layout, pivot, written, rows, matrix, texts, weights)
        written += len(rows)
        pending, pending_rows = [], 0
        return frame

    cursor = _raw_cursor(connectable, statement, fetch_rows)
    try:
        carry: list = []
        while True:
            fetched = cursor.fetchmany(fetch_rows)
            batch = carry + list(fetched)
            carry = []
            if fetched:
                # The last response may continue in the next fetch: hold its rows back.
                last, cut = batch[-1][0], len(batch)
                while cut and batch[cut - 1][0] == last:
                    cut -= 1
                batch, carry = batch[:cut], batch[cut:]
            if batch:
                rid, var, code, number, text = zip(*batch)
                block = pivot.block(np.array(rid, dtype=object), np.array(var, dtype=object),
                                    np.array(code, dtype=float), np.array(number, dtype=float),
                                    np.array(text, dtype=object) if layout.has_text else None)
                pending.append(block)
                pending_rows += len(block[0])
            if pending_rows >= chunk_size or (not fetched and pending_rows):
                yield flush()
            if not fetched:
                break
    finally:
        cursor.close()


def _raw_cursor(conn: Connection, statement: sa.Select, fetch_rows: int):
    """A DB-API cursor on ``statement`` yielding plain tuples: building SQLAlchemy Row objects
    for tens of millions of answers costs more than the database does. On PostgreSQL the
    cursor is server-side (named), so rows arrive as fetched instead of all at once."""
    compiled = statement.compile(dialect=conn.dialect,
                                 compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    dbapi = conn.connection.dbapi_connection
    if conn.dialect.name == "postgresql":
        cursor = dbapi.cursor(name="analysis_export")
        cursor.itersize = fetch_rows
    else:
        cursor = dbapi.cursor()
    if compiled.positiontup is not None:
        cursor.execute(str(compiled), [params[name] for name in compiled.positiontup])
    else:
        cursor.execute(str(compiled), params)
    return cursor
