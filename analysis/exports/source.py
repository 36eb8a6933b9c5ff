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
from typing import Iterator, Mapping, Sequence

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
    sa.column("submitted_on", sa.Date),
)
answer_table = sa.table(
    "answer", sa.column("response_id", sa.String), sa.column("variable", sa.String),
    sa.column("position", sa.Integer), sa.column("code", sa.Integer),
    sa.column("number", sa.Float), sa.column("text", sa.Text),
)


@dataclass(frozen=True)
class Selection:
    """Which responses: complete ones of a campaign (and/or version), optionally narrowed to a
    submission date range and to banner values (``{"level": [1, 2]}``: level is 1 or 2)."""

    campaign_id: int | None = None
    version_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    filters: Mapping[str, Sequence[int]] = field(default_factory=dict)
    status: str = "complete"

    def where(self) -> list[sa.ColumnElement[bool]]:
        r, a = response_table.c, answer_table
        clauses: list[sa.ColumnElement[bool]] = [r.status == self.status]
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
    """Turns batches of answer rows (sorted by response) into wide numeric/text blocks."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.numeric = [v for v in layout if not v.is_text and v.name not in (CASE_ID, WEIGHT)]
        self.text = [v for v in layout if v.is_text]
        self.by_code_items = {v.source for v in self.numeric if v.kind in ("flag", "rank")}
        self.by_var = {v.source: i for i, v in enumerate(self.numeric) if v.code is None}
        self.by_code = {f"{v.source}#{v.code}": i for i, v in enumerate(self.numeric)
                        if v.code is not None}
        self.value_from = np.array([{"code": 0, "flag": 1, "rank": 2}.get(v.kind, 2)
                                    for v in self.numeric] or [0])
        self.flag_groups: dict[str, np.ndarray] = {}
        for i, v in enumerate(self.numeric):
            if v.kind == "flag":
                self.flag_groups.setdefault(v.source, [])  # type: ignore[arg-type]
                self.flag_groups[v.source].append(i)  # type: ignore[union-attr]
        self.flag_groups = {k: np.array(cols) for k, cols in self.flag_groups.items()}
        self.text_item = {v.source: j for j, v in enumerate(self.text) if v.code is None}
        self.text_other = {f"{v.source}#{v.code}": j for j, v in enumerate(self.text)
                           if v.code is not None}

    def block(self, batch: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
        """Wide values for the responses in ``batch``: (response ids, numeric matrix, text
        columns). A response with no answer rows (a LEFT JOIN null) gives an empty row."""
        rids, rows = pd.factorize(batch["response_id"], sort=False)
        rids = np.asarray(rids)
        n = len(rows)
        matrix = np.full((n, len(self.numeric)), np.nan)
        texts = [np.full(n, None, dtype=object) for _ in self.text]
        variable = batch["variable"]
        present = variable.notna().to_numpy()
        if not present.any():
            return np.asarray(rows, dtype=object), matrix, texts
        var = variable.to_numpy(dtype=object)
        code = batch["code"].to_numpy(dtype=float)
        number = batch["number"].to_numpy(dtype=float)
        is_by_code = variable.isin(self.by_code_items).to_numpy()
        keys = variable.where(~is_by_code, variable + "#" + batch["code"].astype("Int64")
                              .astype(str))
        column = np.where(is_by_code, keys.map(self.by_code), variable.map(self.by_var))
        column = pd.to_numeric(pd.Series(column), errors="coerce").to_numpy()
        # A multiple choice the respondent answered: every option 0 unless selected.
        for item, cols in self.flag_groups.items():
            answered = np.unique(rids[var == item])
            if answered.size:
                matrix[np.ix_(answered, cols)] = 0.0
        hit = ~np.isnan(column)
        cols = column[hit].astype(np.intp)
        source = self.value_from[cols]
        values = np.select([source == 0, source == 1], [code[hit], 1.0], number[hit])
        matrix[rids[hit], cols] = values
        if self.text:
            text = batch["text"]
            has_text = text.notna().to_numpy()
            if has_text.any():
                other_key = (variable + "#" + batch["code"].astype("Int64").astype(str))
                item_col = variable.map(self.text_item).to_numpy(dtype=float)
                other_col = other_key.map(self.text_other).to_numpy(dtype=float)
                target = np.where(np.isnan(item_col), other_col, item_col)
                ok = has_text & ~np.isnan(target)
                for r, j, value in zip(rids[ok], target[ok].astype(int),
                                       text.to_numpy(dtype=object)[ok]):
                    texts[j][r] = value
        return np.asarray(rows, dtype=object), matrix, texts


def _frame(layout: Layout, pivot: _Pivot, start: int, rows: np.ndarray, matrix: np.ndarray,
           texts: list[np.ndarray], weights: pd.Series | None) -> pd.DataFrame:
    data: dict[str, object] = {}
    numeric_at = {v.name: i for i, v in enumerate(pivot.numeric)}
    text_at = {v.name: j for j, v in enumerate(pivot.text)}
    for v in layout:
        if v.name == CASE_ID:
            data[v.name] = np.arange(start + 1, start + 1 + len(rows), dtype=float)
        elif v.name == WEIGHT:
            data[v.name] = (weights.reindex(rows).to_numpy(dtype=float) if weights is not None
                            else np.full(len(rows), np.nan))
        elif v.is_text:
            data[v.name] = texts[text_at[v.name]]
        else:
            data[v.name] = matrix[:, numeric_at[v.name]]
    return pd.DataFrame(data, columns=layout.names)


def iter_frames(connectable: Engine | Connection, layout: Layout, selection: Selection,
                chunk_size: int = DEFAULT_CHUNK, weights: pd.Series | None = None,
                fetch_rows: int = FETCH_ROWS) -> Iterator[pd.DataFrame]:
    """Yield DataFrames of at most about ``chunk_size`` responses, columns ``layout.names``.

    Numeric columns are float64 (NaN = no answer: skipped, not shown or left blank); text columns
    hold ``str`` or ``None``. ``weights`` is a Series indexed by response id.
    """
    if isinstance(connectable, Engine):
        with connectable.connect() as conn:
            yield from iter_frames(conn, layout, selection, chunk_size, weights, fetch_rows)
        return
    r, a = response_table.c, answer_table.c
    wanted = sorted({v.source for v in layout if v.source})
    join = response_table.outerjoin(
        answer_table, sa.and_(a.response_id == r.id, a.variable.in_(wanted)))
    columns = [r.id.label("response_id"), a.variable, a.code, a.number]
    columns.append(a.text if layout.has_text else sa.null().label("text"))
    statement = (sa.select(*columns).select_from(join).where(*selection.where())
                 .order_by(r.id))
    result = connectable.execution_options(stream_results=True, yield_per=fetch_rows) \
        .execute(statement)
    pivot = _Pivot(layout)
    names = ["response_id", "variable", "code", "number", "text"]
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

    try:
        carry: list = []
        while True:
            fetched = result.fetchmany(fetch_rows)
            batch = carry + list(fetched)
            carry = []
            if fetched:
                # The last response may continue in the next fetch: hold its rows back.
                last, cut = batch[-1][0], len(batch)
                while cut and batch[cut - 1][0] == last:
                    cut -= 1
                batch, carry = batch[:cut], batch[cut:]
            if batch:
                block = pivot.block(pd.DataFrame(batch, columns=names))
                pending.append(block)
                pending_rows += len(block[0])
            if pending_rows >= chunk_size or (not fetched and pending_rows):
                yield flush()
            if not fetched:
                break
    finally:
        result.close()
