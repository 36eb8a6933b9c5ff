"""Stream stored responses as wide rows (one row per response), a chunk at a time.

Answers are stored one row per value; a data file wants one row per response. The database
returns answers ordered by response id through a server-side cursor (``stream_results``), and
each batch is pivoted (:class:`analysis.pivot.Pivot`, the wide table's pivot), so memory holds
one chunk, never the whole campaign.

Each answer row also carries its response's collection mode code (:func:`analysis.mode.sql_code`):
one small integer per row costs less than a second query per chunk, and the pivot keeps one per
response.

Rows come out in response-id order. Response ids are random, so this order says nothing about
when anyone answered; the case number ``stt`` is assigned in that order.
"""
from __future__ import annotations

from typing import Any, Iterator

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from analysis import mode
from analysis.exports.datafile import CASE_ID, WEIGHT, DataFile
from analysis.filters import Filter
from analysis.pivot import Pivot, Wide
from survey import schema

__all__ = ["count_responses", "iter_frames", "DEFAULT_CHUNK"]

DEFAULT_CHUNK = 20_000
FETCH_ROWS = 200_000


def count_responses(connectable: Engine | Connection, flt: Filter) -> int:
    statement = sa.select(sa.func.count()).select_from(schema.response).where(*flt.clauses())
    if isinstance(connectable, Engine):
        with connectable.connect() as conn:
            return int(conn.scalar(statement) or 0)
    return int(connectable.scalar(statement) or 0)


_SHIFT = 100  # mode codes are small: a partial response's mode code + 100


def _split(shared: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mode codes, status codes) of the number a file with the status fetched per response:
    mode 0 means none (synthetic data), status 1 complete, 2 partial."""
    status = np.where(shared >= _SHIFT, 2.0, 1.0)
    modes = shared - (status - 1) * _SHIFT
    return np.where(modes == 0, np.nan, modes), status


def _frame(datafile: DataFile, start: int, wide: Wide, weights: Any) -> pd.DataFrame:
    value_at = {name: i for i, name in enumerate(c.name for c in datafile.layout.columns)}
    text_at = {c.name: j for j, c in enumerate(datafile.layout.texts)}
    rows = wide.responses
    data: dict[str, object] = {}
    for v in datafile:
        if v.name == CASE_ID:
            data[v.name] = np.arange(start + 1, start + 1 + len(rows), dtype=float)
        elif v.name == WEIGHT:
            data[v.name] = np.full(len(rows), np.nan)
        elif v.column == mode.COLUMN:
            data[v.name] = wide.modes if datafile.status is None else _split(wide.modes)[0]
        elif v.column == "status":
            data[v.name] = _split(wide.modes)[1]
        elif v.is_text:
            data[v.name] = wide.texts[text_at[v.column]]
        else:
            data[v.name] = wide.values[:, value_at[v.column]]
    frame = pd.DataFrame(data, columns=datafile.names)
    if weights is not None and WEIGHT in frame:
        if isinstance(weights, pd.Series):
            frame[WEIGHT] = weights.reindex(rows).to_numpy(dtype=float)
        else:  # a function of the chunk (e.g. cell weights looked up by banner codes)
            frame[WEIGHT] = np.asarray(weights(frame), dtype=float)
    return frame


def iter_frames(connectable: Engine | Connection, datafile: DataFile, flt: Filter,
                chunk_size: int = DEFAULT_CHUNK, weights: Any = None,
                fetch_rows: int = FETCH_ROWS) -> Iterator[pd.DataFrame]:
    """Yield DataFrames of at most about ``chunk_size`` responses, columns ``datafile.names``.

    Numeric columns are float64 (NaN = no answer: skipped, not shown or left blank); text columns
    hold ``str`` or ``None``. ``weights`` is a Series indexed by response id, or a function
    of the chunk's DataFrame returning one weight per row.
    """
    if isinstance(connectable, Engine):
        with connectable.connect() as conn:
            yield from iter_frames(conn, datafile, flt, chunk_size, weights, fetch_rows)
        return
    r, a = schema.response.c, schema.answer.c
    # Join on the response only: a variable list in the join would make SQLite seek the
    # primary key once per variable; unexported variables are dropped by the pivot instead.
    join = schema.response.outerjoin(schema.answer, a.response_id == r.id)
    columns = [r.id.label("response_id"), a.variable, a.code, a.number]
    columns.append(a.text if datafile.has_text else sa.null().label("text"))
    if datafile.status is None:
        columns.append(mode.sql_code(r.mode).label("mode"))
    else:  # the pivot keeps one number per response: the mode and the status share it
        columns.append((sa.func.coalesce(mode.sql_code(r.mode), 0)
                        + sa.case((r.status == schema.ResponseStatus.PARTIAL, _SHIFT),
                                  else_=0)).label("mode"))
    statement = (sa.select(*columns).select_from(join).where(*flt.clauses())
                 .order_by(r.id))
    pivot = Pivot(datafile.layout)
    pending: list[Wide] = []
    pending_rows = 0
    written = 0

    def flush() -> pd.DataFrame:
        nonlocal pending, pending_rows, written
        wide = Wide(np.concatenate([p.responses for p in pending]),
                    np.concatenate([p.values for p in pending]),
                    [np.concatenate([p.texts[j] for p in pending])
                     for j in range(len(pending[0].texts))],
                    np.concatenate([p.modes for p in pending]))
        frame = _frame(datafile, written, wide, weights)
        written += len(wide.responses)
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
                rid, var, code, number, text, modes = zip(*batch)
                block = pivot.block(np.array(rid, dtype=object), np.array(var, dtype=object),
                                    np.array(code, dtype=float), np.array(number, dtype=float),
                                    np.array(text, dtype=object) if datafile.has_text else None,
                                    np.array(modes, dtype=float))
                pending.append(block)
                pending_rows += len(block.responses)
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
