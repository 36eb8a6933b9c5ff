"""Synthetic responses for benchmarks, demos and tests — vectorised, for any questionnaire.

Not survey data: a generator with *realistic skew* so tables look like real ones (unequal banner
categories, answers that depend on level and category so tests find associations, some item
non-response, rare small cells). Generated straight into the wide layout of
:mod:`analysis.layout`; :func:`answer_rows_frame` turns a slice into rows of the ``answer``
table exactly as :func:`survey.questionnaire.storage.answer_rows` would store them.
"""
from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from analysis.layout import Layout, layout_for
from survey import schema
from survey.questionnaire import iter_items

__all__ = ["synthetic_wide", "answer_rows_frame", "store", "MODE", "NOTICE", "counted",
           "synthetic_only"]

#: ``response.mode`` of a synthetic response (written by :func:`store` for demos and pilots).
MODE = "synthetic"
#: The marking every table, export, chart and report of synthetic data carries (both languages).
NOTICE = ("SỐ LIỆU MÔ PHỎNG — không phải kết quả khảo sát / "
          "SYNTHETIC DATA — not survey results")


def counted(response: Any) -> Any:
    """The one rule for which stored responses analysis reads, as a SQL condition on a
    ``response`` table (``response``: the Table or an alias with ``mode`` and ``campaign_id``):
    every real response, and a campaign's synthetic responses only while that campaign has no
    real response at all. So synthetic data never mixes with real results, and a campaign
    filled for a pilot still shows every table (marked, see :func:`synthetic_only`)."""
    other = schema.response.alias("real")
    has_real = sa.exists().where(other.c.campaign_id == response.c.campaign_id,
                                 sa.func.coalesce(other.c.mode, "web") != MODE)
    return sa.or_(sa.func.coalesce(response.c.mode, "web") != MODE, ~has_real)


def synthetic_only(connectable: Any, campaign_ids: Any = None,
                   version_id: int | None = None) -> set[int]:
    """The campaigns (among ``campaign_ids``, or of ``version_id``) whose stored responses are
    all synthetic: analysis of these reads synthetic data and must say so (:data:`NOTICE`).
    ``connectable``: an Engine, a Connection or an ORM Session."""
    r = schema.response
    statement = (sa.select(r.c.campaign_id).group_by(r.c.campaign_id)
                 .having(sa.func.sum(sa.case((sa.func.coalesce(r.c.mode, "web") != MODE, 1),
                                             else_=0)) == 0))
    if campaign_ids is not None:
        ids = [int(i) for i in campaign_ids]
        if not ids:
            return set()
        statement = statement.where(r.c.campaign_id.in_(ids))
    if version_id is not None:
        statement = statement.where(r.c.version_id == version_id)
    if isinstance(connectable, sa.Engine):
        with connectable.connect() as conn:
            return {int(i) for i in conn.execute(statement).scalars()}
    return {int(i) for i in connectable.execute(statement).scalars()}


def _skewed(rng: np.random.Generator, size: int) -> np.ndarray:
    """Zipf-like category shares: a few big categories, a long tail."""
    shares = 1.0 / np.arange(1, size + 1) ** 1.1
    rng.shuffle(shares)
    return shares / shares.sum()


def _sample(rng: np.random.Generator, probs: np.ndarray, groups: np.ndarray,
            codes: list[int]) -> np.ndarray:
    """One code per respondent from ``probs[group]`` (a G × m matrix of distributions)."""
    cdf = np.cumsum(probs, axis=1)
    cdf[:, -1] = 1.0
    u = rng.random(len(groups))
    index = (u[:, None] > cdf[groups]).sum(axis=1)
    return np.asarray(codes, dtype=float)[np.minimum(index, len(codes) - 1)]


def synthetic_wide(definition: Mapping[str, Any], n: int, seed: int = 7,
                   campaign_id: int = 1) -> pd.DataFrame:
    """``n`` synthetic complete responses in the wide layout (float columns, NaN = unanswered).

    Banners get Zipf-like shares; every other single/grid answer depends on the first banner
    (level-like) through a tilt of its distribution; 2% item non-response on optional items;
    multiple choice selects each option independently (at least one); rankings are drawn with
    Gumbel noise around option popularity."""
    rng = np.random.default_rng(seed)
    layout = layout_for(definition)
    data: dict[str, np.ndarray] = {}
    driver = np.zeros(n, dtype=int)
    driver_levels = 1
    for item in iter_items(definition):
        kind, item_id = item.get("type"), item.get("id")
        options = item.get("options") or []
        codes = [o["code"] for o in options]
        if kind == "single" and item.get("role") == "banner":
            probs = _skewed(rng, len(codes))[None, :]
            values = _sample(rng, probs, np.zeros(n, dtype=int), codes)
            data[layout.column(item_id)] = values
            if driver_levels == 1 or item.get("dimension") == "level":
                driver = (values - min(codes)).astype(int) % 5
                driver_levels = 5
        elif kind in ("single", "grid"):
            variables = [item_id] if kind == "single" else \
                [f"{item_id}.{row['id']}" for row in item.get("rows") or []]
            for variable in variables:
                base = rng.dirichlet(np.full(len(codes), 2.0))
                tilt = np.linspace(-1, 1, len(codes))
                probs = np.array([base * np.exp(beta * tilt) for beta in
                                  np.linspace(-0.4, 0.4, driver_levels)])
                probs /= probs.sum(axis=1, keepdims=True)
                values = _sample(rng, probs, driver, codes)
                if not item.get("required"):
                    values[rng.random(n) < 0.02] = np.nan
                data[layout.column(variable)] = values
        elif kind == "multiple":
            shares = rng.uniform(0.03, 0.45, len(codes))
            chosen = rng.random((n, len(codes))) < shares
            none = ~chosen.any(axis=1)
            chosen[none, rng.integers(0, len(codes), none.sum())] = True
            answered = rng.random(n) >= 0.02
            data[layout.answered_column(item_id)] = np.where(answered, 1.0, np.nan)
            for j, column in enumerate(layout.option_columns(item_id).values()):
                data[column] = np.where(answered, chosen[:, j].astype(float), np.nan)
        elif kind == "ranking":
            top = int(item.get("top") or len(codes))
            popularity = np.log(_skewed(rng, len(codes)))
            noisy = popularity[None, :] + rng.gumbel(size=(n, len(codes)))
            order = np.argsort(-noisy, axis=1)[:, :top]
            ranks = np.full((n, len(codes)), np.nan)
            rows = np.repeat(np.arange(n), top)
            ranks[rows, order.ravel()] = np.tile(np.arange(1, top + 1), n)
            data[layout.answered_column(item_id)] = np.ones(n)
            for j, column in enumerate(layout.option_columns(item_id).values()):
                data[column] = ranks[:, j]
        elif kind == "numeric":
            low = item.get("min") if item.get("min") is not None else 0
            high = item.get("max") if item.get("max") is not None else 100
            values = np.clip(rng.normal((low + high) / 2, (high - low) / 6, n), low, high)
            data[layout.column(item_id)] = np.round(values, int(item.get("decimals") or 0))
    frame = pd.DataFrame(data)
    raw = rng.bytes(16 * n).hex()
    ids = [raw[i * 32:(i + 1) * 32] for i in range(n)]
    frame.insert(0, "complete", 1)
    frame.insert(0, "submitted_on", pd.Timestamp("2026-10-01").date())
    frame.insert(0, "campaign_id", campaign_id)
    frame.insert(0, "response_id", ids)
    for column in (c.name for c in layout.columns):
        if column not in frame:
            frame[column] = np.nan
    return frame


def answer_rows_frame(layout: Layout, wide: pd.DataFrame) -> pd.DataFrame:
    """The ``answer`` rows (response_id, variable, position, code, number, text) of a wide
    frame, as :func:`survey.questionnaire.storage.answer_rows` stores them."""
    ids = wide["response_id"].to_numpy(dtype=object)
    parts = []
    order_in_item: dict[str, int] = {}
    for column in layout.columns:
        values = wide[column.name].to_numpy(dtype=float)
        present = ~np.isnan(values)
        if column.kind in ("code", "number"):
            parts.append(pd.DataFrame({
                "response_id": ids[present], "variable": column.variable, "position": 0,
                "code": values[present] if column.kind == "code" else np.nan,
                "number": values[present] if column.kind == "number" else np.nan}))
        elif column.kind == "flag":
            selected = present & (values == 1)
            parts.append(pd.DataFrame({"response_id": ids[selected], "variable": column.variable,
                                       "position": -1, "code": float(column.option),
                                       "number": np.nan,
                                       "_order": order_in_item.setdefault(column.name,
                                                                          len(order_in_item))}))
        elif column.kind == "rank":
            parts.append(pd.DataFrame({"response_id": ids[present], "variable": column.variable,
                                       "position": values[present].astype(int),
                                       "code": float(column.option), "number": values[present]}))
    rows = pd.concat(parts, ignore_index=True)
    multiple = rows["position"] == -1
    if multiple.any():
        # position 1, 2, … in option order among the selected options of each response
        sub = rows.loc[multiple].sort_values(["response_id", "variable", "_order"],
                                             kind="stable")
        rows.loc[sub.index, "position"] = sub.groupby(["response_id", "variable"]).cumcount() + 1
    rows = rows.drop(columns="_order", errors="ignore")
    rows["position"] = rows["position"].astype(int)
    rows["code"] = rows["code"].astype("Int64")
    rows["text"] = None
    return rows


def store(engine: sa.Engine, layout: Layout, wide: pd.DataFrame, version_id: int,
          campaign_id: int, status: str = "complete", chunk: int = 50_000,
          mode: str = "web") -> int:
    """Insert the responses of a wide frame into ``response`` and ``answer`` (``mode``: the
    response's collection mode); return the number of answer rows. Bulk paths: COPY on PostgreSQL,
    executemany in one transaction per chunk on
    SQLite (rows sorted by primary key so the B-trees are appended to)."""
    written = 0
    wide = wide.sort_values("response_id")
    for start in range(0, len(wide), chunk):
        part = wide.iloc[start:start + chunk]
        responses = pd.DataFrame({"id": part["response_id"].to_numpy(),
                                  "campaign_id": campaign_id, "version_id": version_id,
                                  "status": status,
                                  "submitted_on": part["submitted_on"].to_numpy(),
                                  "mode": mode})
        rows = answer_rows_frame(layout, part).sort_values(["response_id", "variable",
                                                            "position"])
        rows = rows[["response_id", "variable", "position", "code", "number", "text"]]
        _bulk(engine, schema.response.name, responses)
        _bulk(engine, schema.answer.name, rows)
        written += len(rows)
    return written


def _bulk(engine: sa.Engine, table: str, frame: pd.DataFrame) -> None:
    columns = ", ".join(f'"{c}"' for c in frame.columns)
    with engine.begin() as conn:
        raw = conn.connection.driver_connection
        if engine.dialect.name == "postgresql":
            buffer = io.StringIO()
            frame.to_csv(buffer, index=False, header=False, na_rep="", float_format="%.15g")
            with raw.cursor().copy(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv)") \
                    as copy:
                copy.write(buffer.getvalue())
        else:
            values = frame.astype(object).where(frame.notna(), None)
            placeholders = ", ".join("?" for _ in frame.columns)
            raw.cursor().executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})",
                                     values.itertuples(index=False, name=None))
