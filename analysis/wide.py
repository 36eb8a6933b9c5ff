"""The materialised wide table of one questionnaire version, built and kept up to date by analysis.

Why: a cross-tab over answers stored one row per value is a self-join (measured 0.78 s on SQLite
for 1M responses); the same GROUP BY over one row per response is several times faster, and a
banner book is one scan grouped by the banners. So analysis keeps, per published version, a table
``analysis_wide_<version id>`` in the layout of :mod:`analysis.layout` (one small-int column per
single/grid variable, 0/1 per multiple-choice option, rank per ranking option, the value of a
numeric item), indexed on campaign and on every banner column, plus the covering indexes of
:mod:`analysis.covering` built on first use by cross-tabs.

It is a cache, never a source of truth: it holds nothing that is not in ``response``/``answer``
and can be dropped at any time. A bookkeeping table ``analysis_wide_meta`` records, per version,
the layout hash (:func:`layout_hash`: of the layout and of this table's own columns) and how many
responses the table holds; it keeps no time (a refresh follows a release of the holding pool, so
its moment would date a batch). The table's rows carry no serial number: its key is the
response's random id, and rows are appended a release at a time, in the random order of those
ids, so neither its order nor its key follows arrival. :func:`ensure` compares that with a
``count(*)`` of the version's responses (responses are immutable once stored, so the count is a
sufficient change signal) and then only pivots the responses not yet in the table (an anti-join on
the response id); responses that disappeared (purged) are deleted. A changed layout rebuilds
(dropping the covering indexes with the table). After a refresh PostgreSQL gets
``VACUUM (ANALYZE)``: statistics, and the visibility map index-only scans need.

Each row carries ``mode``, the collection mode's code (:mod:`analysis.mode`: 1 web, 2 paper,
3 import), the variable analysts cross tables by. Synthetic responses (``response.mode`` =
``synthetic``, :mod:`analysis.synthetic`) are held with ``synthetic`` = 1 and no mode;
:class:`analysis.source.DatabaseSource` counts them only for a campaign that has no real
response (:func:`analysis.synthetic.synthetic_only`).

The tables are created with SQLAlchemy Core on their own ``MetaData`` (the bookkeeping table on
:data:`survey.schema.cache`); they are not part of the application schema or its migration. The
stored tables are read through their Core definitions, :mod:`survey.schema`.
"""
from __future__ import annotations

import hashlib
import io
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from analysis import covering, mode
from analysis.layout import Layout, layout_for
from analysis.pivot import Pivot
from analysis.synthetic import MODE as SYNTHETIC
from survey import schema
from survey.questionnaire import banners

__all__ = ["ensure", "table_for", "table_name", "drop", "held", "layout_hash", "STATE"]

#: Per version: the layout hash of its table and how many responses it holds.
STATE = schema.wide_meta
#: The bookkeeping table of earlier releases (with a refresh time, and tables keyed by a serial
#: number): dropped with the tables it describes, which are rebuilt on next use.
_OLD_STATE = "analysis_wide_state"

#: Responses pivoted per round trip: bounds memory (~60 answer rows each) while keeping
#: per-chunk overhead small.
CHUNK_RESPONSES = 20_000

#: Version of the table's own columns (not the questionnaire's): part of the stored hash, so a
#: table built before a column was added is rebuilt. 2: the ``synthetic`` flag; 3: ``mode``.
_TABLE_SCHEMA = "3"


def layout_hash(layout: Layout) -> str:
    """What :data:`STATE` records of a table's columns: a stored hash that differs from this
    one means the table must be rebuilt."""
    return hashlib.md5(f"{layout.hash}:{_TABLE_SCHEMA}".encode()).hexdigest()


def table_name(version_id: int) -> str:
    return f"analysis_wide_{int(version_id)}"


def table_for(version_id: int, layout: Layout, banner_columns: list[str] | None = None,
              with_indexes: bool = True) -> sa.Table:
    """The Table object for a version's wide table (not created). ``with_indexes=False``: without
    the campaign and banner indexes (a full build creates them after the rows are in)."""
    metadata = sa.MetaData()
    columns: list[sa.Column[Any]] = [
        sa.Column("response_id", sa.String(32), primary_key=True),
        sa.Column("campaign_id", sa.Integer, nullable=False),
        sa.Column("submitted_on", sa.Date),
        sa.Column("complete", sa.SmallInteger, nullable=False),
        sa.Column("synthetic", sa.SmallInteger, nullable=False, server_default="0"),
        sa.Column(mode.COLUMN, sa.SmallInteger),
    ]
    for column in layout.columns:
        kind = sa.Float if column.kind == "number" else sa.SmallInteger
        columns.append(sa.Column(column.name, kind))
    name = table_name(version_id)
    indexes = [sa.Index(f"ix_{name}_campaign", "campaign_id", "complete")]
    for banner in banner_columns or []:
        indexes.append(sa.Index(f"ix_{name}_{banner}", banner))
    return sa.Table(name, metadata, *columns, *(indexes if with_indexes else []))


def _banner_columns(layout: Layout) -> list[str]:
    return [layout.column(item["id"]) for item in banners(layout.definition)]


def drop(engine: sa.Engine, version_id: int) -> None:
    """Forget the cached table of a version and its covering indexes (rebuilt on next use)."""
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP TABLE IF EXISTS {table_name(version_id)}"))
        covering.forget(conn, version_id)
        if sa.inspect(conn).has_table(STATE.name):
            conn.execute(STATE.delete().where(STATE.c.version_id == version_id))


def held(engine: sa.Engine, version_id: int) -> int:
    """How many responses the version's table held at its last refresh (0 if never built)."""
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table(STATE.name):
            return 0
        return conn.execute(sa.select(STATE.c.responses)
                            .where(STATE.c.version_id == version_id)).scalar() or 0


def _source_count(conn: sa.Connection, version_id: int) -> int:
    response = schema.response
    return conn.execute(sa.select(sa.func.count()).select_from(response)
                        .where(response.c.version_id == version_id)).scalar_one()


def ensure(engine: sa.Engine, version_id: int, definition: Mapping[str, Any]) -> sa.Table:
    """Create or bring up to date the wide table of ``version_id``; return it.

    Cheap when nothing changed (one ``count(*)`` and one primary-key lookup)."""
    layout = layout_for(definition)
    table = table_for(version_id, layout, _banner_columns(layout))
    with engine.begin() as conn:
        _forget_old_state(conn)
        STATE.create(conn, checkfirst=True)
        state = conn.execute(sa.select(STATE).where(STATE.c.version_id == version_id)).first()
        count = _source_count(conn, version_id)
        current = layout_hash(layout)
        if state is not None and state.layout_hash == current and state.responses == count \
                and sa.inspect(conn).has_table(table.name):
            return table
        if state is None or state.layout_hash != current:
            conn.execute(sa.text(f"DROP TABLE IF EXISTS {table.name}"))
            covering.forget(conn, version_id)
        fresh = not sa.inspect(conn).has_table(table.name)
        if fresh:  # a full build: secondary indexes are built once the rows are in (faster)
            table_for(version_id, layout, with_indexes=False).create(conn)
    _delete_missing(engine, table, version_id)
    _insert_new(engine, table, layout, version_id)
    with engine.begin() as conn:
        if fresh:
            for index in table.indexes:
                index.create(conn)
        held = conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
        values = {"layout_hash": layout_hash(layout), "responses": held}
        if conn.execute(STATE.update().where(STATE.c.version_id == version_id)
                        .values(**values)).rowcount == 0:
            conn.execute(STATE.insert().values(version_id=version_id, **values))
    if engine.dialect.name == "postgresql":
        # Statistics for the planner, and a current visibility map so that covering indexes
        # give index-only scans (VACUUM skips pages already all-visible: cheap after an append).
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text(f"VACUUM (ANALYZE) {table.name}"))
    return table


def _forget_old_state(conn: sa.Connection) -> None:
    inspector = sa.inspect(conn)
    if not inspector.has_table(_OLD_STATE):
        return
    for (version_id,) in conn.execute(sa.text(f"SELECT version_id FROM {_OLD_STATE}")).all():
        conn.execute(sa.text(f"DROP TABLE IF EXISTS {table_name(version_id)}"))
        covering.forget(conn, version_id)
    conn.execute(sa.text(f"DROP TABLE {_OLD_STATE}"))


def _delete_missing(engine: sa.Engine, table: sa.Table, version_id: int) -> None:
    response = schema.response
    gone = ~sa.exists().where(response.c.id == table.c.response_id)
    with engine.begin() as conn:
        conn.execute(table.delete().where(gone))


def _insert_new(engine: sa.Engine, table: sa.Table, layout: Layout, version_id: int) -> None:
    response = schema.response
    missing = ~sa.exists().where(table.c.response_id == response.c.id)
    new_responses = (sa.select(response.c.id, response.c.campaign_id, response.c.submitted_on,
                               response.c.status, response.c.mode)
                     .where(response.c.version_id == version_id, missing)
                     .order_by(response.c.id))
    names = [c.name for c in layout.columns]
    with engine.connect() as reader:
        meta_rows = reader.execute(new_responses).all()
    variables = sorted({c.variable for c in layout.columns})
    pivot = Pivot(layout)
    for start in range(0, len(meta_rows), CHUNK_RESPONSES):
        chunk = meta_rows[start:start + CHUNK_RESPONSES]
        ids = [row[0] for row in chunk]
        rows = _answer_rows(engine, ids, variables)
        wide = pivot.frame(rows)
        wide.index = pd.Index(ids, dtype=object)[wide.index.to_numpy(dtype=np.int64)]
        meta = pd.DataFrame(chunk, columns=["response_id", "campaign_id", "submitted_on",
                                            "status", "mode"]).set_index("response_id")
        meta["complete"] = (meta.pop("status").astype(str).str.lower()
                            .str.endswith("complete")).astype(int)
        stored_mode = meta.pop("mode")
        meta["synthetic"] = (stored_mode == SYNTHETIC).astype(int)
        meta[mode.COLUMN] = mode.codes_of(stored_mode)
        frame = meta.join(wide, how="left").reset_index()
        frame = frame[["response_id", "campaign_id", "submitted_on", "complete", "synthetic",
                       mode.COLUMN, *names]]
        _write(engine, table, frame)


def _answer_rows(engine: sa.Engine, ids: list[str], variables: list[str]) -> pd.DataFrame:
    """The answer rows of the responses ``ids`` (sorted) for the layout's ``variables``, with
    ``response_id`` as the position in ``ids``. Read through the driver directly — these rows
    are the bulk of a build (about 63 per flagship response):

    * PostgreSQL: the primary-key range as one ``string_agg`` text, parsed by pandas' C reader;
      rows of other versions in the id range are dropped here.
    * SQLite: the ids and variables go to two TEMP tables and the query joins them to the answer
      primary key, so each row comes back as four numbers instead of two strings (the Python
      objects per row are most of the cost: 2.3 → 1.7 s per 20,000 responses)."""
    columns = ["response_id", "variable", "code", "number"]
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        if engine.dialect.name == "postgresql":
            # One text value per chunk: a COPY … TO STDOUT is a message per row, whose
            # handling in the driver cost more than the rows (measured 3.4 → 2.3 s of CPU,
            # client and server, per 20,000 responses). Ids and variable names never hold a
            # comma (hex; item ids are [A-Za-z0-9_.]).
            text = conn.execute(sa.text(
                "SELECT string_agg(response_id || ',' || variable || ',' || "
                "coalesce(code::text, '') || ',' || coalesce(number::text, ''), chr(10)) "
                "FROM answer WHERE response_id >= :a AND response_id <= :b"),
                {"a": ids[0], "b": ids[-1]}).scalar()
            if not text:
                return pd.DataFrame({"response_id": np.zeros(0, np.int64), "variable": [],
                                     "code": [], "number": []})
            rows = pd.read_csv(io.StringIO(text), names=columns,
                               dtype={"response_id": object, "variable": object,
                                      "code": float, "number": float})
            rows["response_id"] = pd.Index(ids, dtype=object).get_indexer(rows["response_id"])
            return rows[(rows["response_id"] >= 0) & rows["variable"].isin(variables)]
        cursor = raw.cursor()
        try:
            cursor.execute("CREATE TEMP TABLE IF NOT EXISTS analysis_chunk "
                           "(ord INTEGER PRIMARY KEY, id TEXT NOT NULL)")
            cursor.execute("CREATE TEMP TABLE IF NOT EXISTS analysis_variable "
                           "(variable TEXT PRIMARY KEY, idx INTEGER NOT NULL) WITHOUT ROWID")
            cursor.execute("DELETE FROM temp.analysis_chunk")
            cursor.execute("DELETE FROM temp.analysis_variable")
            cursor.executemany("INSERT INTO temp.analysis_chunk VALUES (?, ?)", enumerate(ids))
            cursor.executemany("INSERT INTO temp.analysis_variable VALUES (?, ?)",
                               ((v, i) for i, v in enumerate(variables)))
            # CROSS JOIN fixes the join order: chunk ids outside, answer primary key inside.
            cursor.execute("SELECT c.ord, v.idx, a.code, a.number FROM temp.analysis_chunk c "
                           "CROSS JOIN answer a ON a.response_id = c.id "
                           "CROSS JOIN temp.analysis_variable v ON v.variable = a.variable")
            fetched = np.array(cursor.fetchall(), dtype=float).reshape(-1, 4)
        finally:
            raw.rollback()  # the TEMP rows only; nothing else was written
    return pd.DataFrame({
        "response_id": fetched[:, 0].astype(np.int64),
        "variable": pd.Categorical.from_codes(fetched[:, 1].astype(np.int64),
                                              categories=variables),
        "code": fetched[:, 2], "number": fetched[:, 3]})


def _write(engine: sa.Engine, table: sa.Table, frame: pd.DataFrame) -> None:
    """Bulk insert: COPY on PostgreSQL, one executemany in one transaction elsewhere."""
    columns = list(frame.columns)
    if engine.dialect.name == "postgresql":
        # Codes as nullable integers: pandas writes them in C; a float format is per value in
        # Python (measured 2.5 s → 0.9 s per 20,000 flagship responses).
        numbers = {c.name for c in table.columns if isinstance(c.type, sa.Float)}
        frame = frame.astype({c: "Int64" for c in columns
                              if c not in numbers and frame[c].dtype.kind == "f"})
        buffer = io.StringIO()
        frame.to_csv(buffer, index=False, header=False, float_format="%.15g", na_rep="")
        quoted = ", ".join(f'"{c}"' for c in columns)
        with engine.begin() as conn:
            cursor = conn.connection.driver_connection.cursor()
            with cursor.copy(f"COPY {table.name} ({quoted}) FROM STDIN WITH (FORMAT csv)") as copy:
                copy.write(buffer.getvalue())
        return
    values = frame.to_numpy(dtype=object)
    values[frame.isna().to_numpy()] = None
    records = list(map(tuple, values))
    placeholders = ", ".join("?" for _ in columns)
    quoted = ", ".join(f'"{c}"' for c in columns)
    with engine.begin() as conn:
        conn.connection.driver_connection.cursor().executemany(
            f"INSERT INTO {table.name} ({quoted}) VALUES ({placeholders})", records)
