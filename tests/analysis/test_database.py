"""Counting pushed down into the database (SQLite and PostgreSQL) equals pandas on the same data."""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import sqlalchemy as sa

from analysis import (DatabaseSource, Filter, FrameSource, banner_book, crosstab, frequencies,
                      multiple, ranking)
from analysis.synthetic import answer_rows_frame, store, synthetic_wide
from analysis.wide import STATE, table_name


def _pandas_crosstab(layout, wide, item, banner):
    """Independent of the wide table: from the answer rows as stored."""
    rows = answer_rows_frame(layout, wide)
    left = rows[rows["variable"] == item][["response_id", "code"]]
    right = rows[rows["variable"] == banner][["response_id", "code"]]
    merged = left.merge(right, on="response_id", suffixes=("_item", "_banner"))
    missing_item, missing_banner = layout.missing(item), layout.missing(banner)
    merged = merged[~merged["code_item"].isin(missing_item)
                    & ~merged["code_banner"].isin(missing_banner)]
    return pd.crosstab(merged["code_item"], merged["code_banner"])


def test_crosstab_in_database_equals_pandas(loaded):
    engine, version_id, definition, layout, wide, _ = loaded
    source = DatabaseSource(engine, version_id, definition)
    for item, banner in [("B1", "A2"), ("B2.3", "A3"), ("D1.2", "A5")]:
        table = crosstab(source, item, banner, k=None)
        expected = _pandas_crosstab(layout, wide, item, banner)
        got = table.table.pivot(index="row", columns="column", values="n")
        got = got.loc[expected.index, expected.columns]
        assert np.array_equal(got.to_numpy(), expected.to_numpy()), (item, banner)
        assert table.n == expected.to_numpy().sum()


def test_database_and_frame_sources_agree(loaded):
    engine, version_id, definition, _, wide, _ = loaded
    db_source = DatabaseSource(engine, version_id, definition)
    frame_source = FrameSource(definition, wide)
    for build in (lambda s: crosstab(s, "B5", "A2", by2="A4", k=5).table,
                  lambda s: frequencies(s, "B1", k=5).table,
                  lambda s: multiple(s, "B3", by="A2", k=5).table,
                  lambda s: ranking(s, "D3", by="A1", k=5).table):
        pd.testing.assert_frame_equal(build(db_source), build(frame_source), check_dtype=False)
    book_db = banner_book(db_source, ["A2", "A3", "A5"], k=5).to_frame()
    book_frame = banner_book(frame_source, ["A2", "A3", "A5"], k=5).to_frame()
    pd.testing.assert_frame_equal(book_db, book_frame, check_dtype=False)
    assert set(book_db["kind"]) == {"CrossTab", "MultipleTable", "RankingTable"}


def test_filters_are_pushed_down(loaded):
    engine, version_id, definition, _, wide, partial = loaded
    source = DatabaseSource(engine, version_id, definition)
    everything = frequencies(source, "B1", flt=Filter(complete_only=False), k=None)
    assert everything.n == (wide["v_b1"].notna().sum() + partial["v_b1"].notna().sum())
    complete = frequencies(source, "B1", k=None)
    assert complete.n == wide["v_b1"].notna().sum()
    level = frequencies(source, "B1", flt=Filter(values={"A2": (1, 2)}), k=None)
    assert level.n == (wide["v_b1"].notna() & wide["v_a2"].isin([1, 2])).sum()
    dated = frequencies(source, "B1", flt=Filter(date_from=date(2026, 10, 5),
                                                 date_to=date(2026, 10, 9)), k=None)
    days = pd.Series([d.day for d in wide["submitted_on"]])
    assert dated.n == (wide["v_b1"].notna() & days.between(5, 9)).sum()
    other = frequencies(source, "B1", flt=Filter(campaign_ids=(10_000,)), k=None)
    assert other.n == 0


def test_wide_table_refreshes_incrementally(loaded):
    engine, version_id, definition, layout, wide, _ = loaded
    DatabaseSource(engine, version_id, definition)
    with engine.connect() as conn:
        first = conn.execute(sa.text(f"SELECT count(*) FROM {table_name(version_id)}")).scalar()
    assert first == len(wide) + 30
    more = synthetic_wide(definition, 40, seed=99, campaign_id=int(wide["campaign_id"][0]))
    store(engine, layout, more, version_id, int(wide["campaign_id"][0]))
    source = DatabaseSource(engine, version_id, definition)
    assert frequencies(source, "B1", k=None).n == (pd.concat([wide, more])["v_b1"].notna().sum())
    with engine.connect() as conn:
        state = conn.execute(sa.select(STATE.c.responses)
                             .where(STATE.c.version_id == version_id)).scalar()
    assert state == len(wide) + 30 + 40


def test_book_strategies_agree(loaded):
    engine, version_id, definition, _, wide, _ = loaded
    source = DatabaseSource(engine, version_id, definition)
    items = ["A1", "B1", "B2.1", "B2.2", "C1.3", "B3"]
    group = banner_book(source, ["A2", "A3"], items=items, k=5).to_frame()
    scan = banner_book(source, ["A2", "A3"], items=items, k=5, strategy="scan").to_frame()
    pd.testing.assert_frame_equal(group, scan, check_dtype=False)


def test_wide_tables_of_two_versions_keep_their_own_responses(any_app):
    """Response ids are random, so one version's id range holds the other's responses: each
    wide table is built from its own only."""
    from analysis.layout import layout_for
    from survey.extensions import db
    from survey.questionnaire import load_file
    from tests.analysis.conftest import FLAGSHIP
    from tests.helpers import make_campaign

    definition = load_file(FLAGSHIP)
    other = {**definition, "id": definition["id"] + "-2"}  # a second questionnaire, same layout
    layout = layout_for(definition)
    with any_app.app_context():
        frames = {}
        for slug, seed, version in (("mot", 21, definition), ("hai", 22, other)):
            campaign = make_campaign(slug, definition=version)
            frame = synthetic_wide(definition, 150 + seed, seed=seed, campaign_id=campaign.id)
            store(db.engine, layout, frame, campaign.version_id, campaign.id)
            frames[campaign.version_id] = frame
        assert len(frames) == 2
        for version_id, frame in frames.items():
            source = DatabaseSource(db.engine, version_id, definition)
            assert source.rows == len(frame)
            got = banner_book(source, ["A2", "A5"], items=["B1", "B3", "D3", "C1.2"], k=None)
            expected = banner_book(FrameSource(definition, frame), ["A2", "A5"],
                                   items=["B1", "B3", "D3", "C1.2"], k=None)
            pd.testing.assert_frame_equal(got.to_frame(), expected.to_frame(), check_dtype=False)
