"""Covering indexes on a wide table (:mod:`analysis.wide`), created on first use by narrow
aggregates such as a cross-tab.

Why: a cross-tab is ``GROUP BY item, banner`` over every response. SQLite has no hash aggregate,
so it sorts all the rows (about 1.2 s of CPU at 1,000,000 responses); PostgreSQL scans a table
of a hundred columns (300 MB at 1M) to read two. An index on *(group columns, complete, filter
columns)* holds every column such a query reads, in group order: SQLite walks it without a sort
or a table lookup, PostgreSQL does an index-only scan of a ~20 MB index (the visibility map is
kept current: :func:`analysis.wide.ensure` vacuums after each refresh). Measured at 200,000
responses on SQLite: 0.25 s of CPU → 0.03 s; building the index costs 0.4 s, once.

So the first query of a shape pays for the index (slower than a plain query), every later one
is several times faster. Bounded: only for tables of at least :data:`MIN_ROWS` rows (below, a
plain scan takes milliseconds), at most :data:`MAX_COLUMNS` columns per index and
:data:`MAX_INDEXES` indexes per table, the oldest dropped first. An index with the group
columns as its leading columns and a superset of the columns needed serves a query (so the index
of a filtered cross-tab also serves the unfiltered one).

Bookkeeping in ``analysis_wide_index`` (index name, version, columns, creation time). The
indexes disappear with their table (rebuild, purge); :func:`forget` clears the bookkeeping in the
same transaction. Like the wide tables, neither is part of the application schema or its
migration (``migrations/env.py`` ignores ``analysis_wide*`` tables and ``ix_analysis_wide*``
indexes).
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable

import sqlalchemy as sa

from survey import clock, schema

__all__ = ["INDEXES", "MIN_ROWS", "MAX_COLUMNS", "MAX_INDEXES", "key_columns", "index_name",
           "listing", "usable", "ensure_index", "forget"]

#: Which covering indexes exist, per version (on :data:`survey.schema.cache`).
INDEXES = schema.wide_index

#: Below this many rows a plain GROUP BY takes milliseconds: no index is built.
MIN_ROWS = 100_000
#: Wider aggregates (the banner book, multiple choice by banner) read the table instead.
MAX_COLUMNS = 6
#: Per table; each costs about 15–25 MB at 1M rows on SQLite and slows refresh inserts a little.
MAX_INDEXES = 16


def key_columns(group: Iterable[str], needed: Iterable[str]) -> tuple[str, ...]:
    """The index key: group columns (sorted: GROUP BY order does not matter to either engine),
    ``complete`` (so one index serves complete-only and all responses), the other columns."""
    first = sorted(set(group))
    rest = sorted(set(needed) - set(first) - {"complete"})
    return (*first, *(["complete"] if "complete" not in first else []), *rest)


def index_name(version_id: int, key: tuple[str, ...]) -> str:
    digest = hashlib.sha1(",".join(key).encode()).hexdigest()[:10]
    return f"ix_analysis_wide_{int(version_id)}_k{digest}"


def listing(conn: sa.Connection, version_id: int) -> list[tuple[str, tuple[str, ...]]]:
    """The covering indexes of a version, oldest first."""
    if not sa.inspect(conn).has_table(INDEXES.name):
        return []
    rows = conn.execute(sa.select(INDEXES.c.name, INDEXES.c.columns)
                        .where(INDEXES.c.version_id == version_id)
                        .order_by(INDEXES.c.created_at, INDEXES.c.name)).all()
    return [(name, tuple(columns.split(","))) for name, columns in rows]


def usable(indexes: list[tuple[str, tuple[str, ...]]], group: Iterable[str],
           needed: Iterable[str]) -> str | None:
    """An index whose leading columns are the group columns (in any order) and which holds
    every needed column."""
    group_set, needed_set = set(group), set(needed) | set(group)
    for name, columns in indexes:
        if set(columns[:len(group_set)]) == group_set and needed_set <= set(columns):
            return name
    return None


def ensure_index(engine: sa.Engine, table: sa.Table, version_id: int, group: Iterable[str],
                 needed: Iterable[str]) -> str | None:
    """Create the covering index of this shape (evicting the oldest beyond
    :data:`MAX_INDEXES`); return its name, or None when it is too wide or could not be built
    (e.g. another process builds the same index right now: the caller runs the plain query)."""
    key = key_columns(group, needed)
    if len(key) > MAX_COLUMNS:
        return None
    name = index_name(version_id, key)
    quoted = ", ".join(f'"{c}"' for c in key)
    try:
        with engine.begin() as conn:
            INDEXES.create(conn, checkfirst=True)
            conn.execute(sa.text(f"CREATE INDEX IF NOT EXISTS {name} ON {table.name} ({quoted})"))
            known = {n for n, _ in listing(conn, version_id)}
            if name not in known:
                conn.execute(INDEXES.insert().values(
                    name=name, version_id=version_id, columns=",".join(key),
                    created_at=clock.now().replace(tzinfo=None)))
            current = listing(conn, version_id)
            for old, _ in current[:max(0, len(current) - MAX_INDEXES)]:
                if old != name:
                    conn.execute(sa.text(f"DROP INDEX IF EXISTS {old}"))
                    conn.execute(INDEXES.delete().where(INDEXES.c.name == old))
    except sa.exc.DBAPIError:
        return None
    return name


def forget(conn: sa.Connection, version_id: int) -> None:
    """Clear the bookkeeping of a version whose table is being dropped (the indexes go with it)."""
    if sa.inspect(conn).has_table(INDEXES.name):
        conn.execute(INDEXES.delete().where(INDEXES.c.version_id == version_id))
