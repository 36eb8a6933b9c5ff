"""Covering indexes (:mod:`analysis.covering`) on SQLite and PostgreSQL: tables read through them
equal pandas on the same responses (filtered, nested, weighted); the indexes follow the wide table
through refresh, eviction and rebuild; Alembic autogenerate ignores them."""
from __future__ import annotations

import copy
import re

import flask_migrate
import pandas as pd
import pytest
import sqlalchemy as sa

from analysis import (DatabaseSource, Filter, FrameSource, banner_book, covering, crosstab,
                      frequencies, likert, wide)
from analysis.layout import layout_for
from analysis.synthetic import store, synthetic_wide
from analysis.weighting import cell_weights
from survey.app import create_app
from survey.config import TestConfig
from survey.extensions import db
from survey.questionnaire import load_file
from tests.analysis.conftest import FLAGSHIP
from tests.helpers import make_campaign


@pytest.fixture
def indexed(loaded, monkeypatch):
    """The flagship data with covering indexes built at any size (600 rows here)."""
    monkeypatch.setattr(covering, "MIN_ROWS", 0)
    return loaded


def _database_indexes(engine, version_id: int) -> set[str]:
    prefix = f"ix_analysis_wide_{version_id}_k"
    return {ix["name"] for ix in sa.inspect(engine).get_indexes(wide.table_name(version_id))
            if ix["name"].startswith(prefix)}


def _listed(engine, version_id: int) -> list[tuple[str, tuple[str, ...]]]:
    with engine.connect() as conn:
        return covering.listing(conn, version_id)


def _every_response(wide_frame: pd.DataFrame, partial: pd.DataFrame) -> pd.DataFrame:
    return pd.concat([wide_frame, partial.assign(complete=0)], ignore_index=True)


TABLES = {
    "crosstab": lambda s, w: crosstab(s, "B1", "A2", k=5),
    "filtered": lambda s, w: crosstab(s, "B1", "A2", flt=Filter(values={"A8": (1,)}), k=5),
    "filtered-dates": lambda s, w: crosstab(
        s, "B6", "A3", flt=Filter(campaign_ids=(w,), date_from=pd.Timestamp("2026-10-03").date(),
                                  date_to=pd.Timestamp("2026-10-12").date()), k=None),
    "nested": lambda s, w: crosstab(s, "B5", "A2", by2="A4", k=5),
    "all-responses": lambda s, w: frequencies(s, "B1", flt=Filter(complete_only=False), k=None),
    "likert": lambda s, w: likert(s, "C1", by="A3", k=5),
    "missing-codes": lambda s, w: crosstab(s, "E4", "A5", include_missing=True, k=None),
}


@pytest.mark.parametrize("name", list(TABLES))
def test_tables_through_covering_indexes_equal_pandas(indexed, name):
    engine, version_id, definition, _, wide_frame, partial = indexed
    campaign_id = int(wide_frame["campaign_id"][0])
    statements: list[tuple[str, object]] = []
    sa.event.listen(engine, "before_cursor_execute",
                    lambda conn, cursor, statement, parameters, *rest:
                    statements.append((statement, parameters)))
    database = TABLES[name](DatabaseSource(engine, version_id, definition), campaign_id)
    frame = TABLES[name](FrameSource(definition, _every_response(wide_frame, partial)),
                         campaign_id)
    pd.testing.assert_frame_equal(database.table, frame.table, check_dtype=False)
    built = _database_indexes(engine, version_id)
    assert built and built == {n for n, _ in _listed(engine, version_id)}
    reads = [(s, p) for s, p in statements
             if "GROUP BY" in s and wide.table_name(version_id) in s]
    assert reads
    indexes = [set(columns) for _, columns in _listed(engine, version_id)]
    for statement, _ in reads:  # some index holds every column the query reads
        read = set(re.findall(r'"([a-z0-9_]+)"', statement))
        assert any(read <= columns for columns in indexes), (read, indexes)
    if engine.dialect.name == "sqlite":
        # each query names its covering index: no sort, no lookup in the table
        with engine.connect() as conn:
            for statement, parameters in reads:
                assert "INDEXED BY ix_analysis_wide_" in statement
                plan = " | ".join(row[3] for row in conn.exec_driver_sql(
                    "EXPLAIN QUERY PLAN " + statement, parameters).all())
                assert "COVERING INDEX" in plan and "TEMP B-TREE" not in plan, plan


def test_weighted_crosstab_through_covering_index(indexed):
    engine, version_id, definition, _, wide_frame, _ = indexed
    margins = {"A1": pd.Series({1: 400.0, 2: 300.0, 3: 200.0, 4: 100.0}),
               "A6": pd.Series({1: 300.0, 2: 600.0, 99: 100.0})}
    database, frame = DatabaseSource(engine, version_id, definition), \
        FrameSource(definition, wide_frame)
    weights_db, weights_frame = cell_weights(database, margins), cell_weights(frame, margins)
    pd.testing.assert_frame_equal(weights_db.factors, weights_frame.factors, check_dtype=False)
    got = crosstab(database, "B1", "A2", weights=weights_db, k=5)
    expected = crosstab(frame, "B1", "A2", weights=weights_frame, k=5)
    pd.testing.assert_frame_equal(got.table, expected.table, check_dtype=False)
    assert got.weighted and got.total == pytest.approx(expected.total)
    # the cross-tab grouped by B1, A2 and the raking cells: its own index
    keys = [columns for _, columns in _listed(engine, version_id)]
    assert any({"v_b1", "v_a2", "v_a1", "v_a6"} == set(k[:4]) for k in keys), keys


def test_one_index_serves_narrower_queries(indexed):
    engine, version_id, definition, _, wide_frame, _ = indexed
    source = DatabaseSource(engine, version_id, definition)
    crosstab(source, "B1", "A2", flt=Filter(values={"A8": (1, 2)}), k=None)
    assert len(_listed(engine, version_id)) == 1
    plain = crosstab(DatabaseSource(engine, version_id, definition), "B1", "A2", k=None)
    assert len(_listed(engine, version_id)) == 1  # (v_a2, v_b1, complete, v_a8) serves it
    pd.testing.assert_frame_equal(
        plain.table, crosstab(FrameSource(definition, wide_frame), "B1", "A2", k=None).table,
        check_dtype=False)


def test_indexes_follow_refresh_rebuild_and_purge(indexed):
    engine, version_id, definition, layout, wide_frame, _ = indexed
    campaign_id = int(wide_frame["campaign_id"][0])
    crosstab(DatabaseSource(engine, version_id, definition), "B1", "A2", k=None)
    assert len(_database_indexes(engine, version_id)) == 1

    more = synthetic_wide(definition, 40, seed=99, campaign_id=campaign_id)
    store(engine, layout, more, version_id, campaign_id)
    refreshed = crosstab(DatabaseSource(engine, version_id, definition), "B1", "A2", k=None)
    expected = crosstab(FrameSource(definition, pd.concat([wide_frame, more])), "B1", "A2",
                        k=None)
    pd.testing.assert_frame_equal(refreshed.table, expected.table, check_dtype=False)
    assert len(_database_indexes(engine, version_id)) == 1

    changed = copy.deepcopy(definition)  # a new multiple-choice option is a new column
    b3 = next(i for p in changed["pages"] for i in p["items"] if i["id"] == "B3")
    b3["options"].append({"code": 77, "label": {"vi": "Khác", "en": "Other"}})
    assert layout_for(changed).hash != layout_for(definition).hash
    rebuilt = DatabaseSource(engine, version_id, changed)
    assert _database_indexes(engine, version_id) == set() and _listed(engine, version_id) == []
    again = crosstab(rebuilt, "B1", "A2", k=None)
    assert again.n == expected.n and len(_listed(engine, version_id)) == 1

    wide.drop(engine, version_id)
    assert _listed(engine, version_id) == []
    assert not sa.inspect(engine).has_table(wide.table_name(version_id))


def test_oldest_index_is_dropped_beyond_the_cap(indexed, monkeypatch):
    engine, version_id, definition, _, wide_frame, _ = indexed
    monkeypatch.setattr(covering, "MAX_INDEXES", 2)
    first = DatabaseSource(engine, version_id, definition)
    crosstab(first, "B1", "A2", k=None)
    (oldest, _), = _listed(engine, version_id)
    other = DatabaseSource(engine, version_id, definition)
    crosstab(other, "B5", "A2", k=None)
    crosstab(other, "B6", "A2", k=None)
    names = [n for n, _ in _listed(engine, version_id)]
    assert len(names) == 2 and oldest not in names
    assert _database_indexes(engine, version_id) == set(names)
    # ``first`` still believes in the dropped index: its next query falls back to the table
    again = crosstab(first, "B1", "A2", k=None)
    expected = crosstab(FrameSource(definition, wide_frame), "B1", "A2", k=None)
    pd.testing.assert_frame_equal(again.table, expected.table, check_dtype=False)


def test_small_tables_build_no_index(loaded):
    engine, version_id, definition, _, wide_frame, _ = loaded
    source = DatabaseSource(engine, version_id, definition)
    assert source.rows < covering.MIN_ROWS
    table = crosstab(source, "B1", "A2", k=None)
    assert table.n > 0 and _listed(engine, version_id) == []


@pytest.fixture
def migrated_app(both_databases, tmp_path):
    config = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    config["SQLALCHEMY_DATABASE_URI"] = both_databases
    app = create_app(config)
    app.instance_path = str(tmp_path)
    with app.app_context():
        flask_migrate.upgrade()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_alembic_ignores_wide_tables_and_their_indexes(migrated_app, monkeypatch):
    monkeypatch.setattr(covering, "MIN_ROWS", 0)
    definition = load_file(FLAGSHIP)
    with migrated_app.app_context():
        campaign = make_campaign("phan-tich", definition=definition)
        frame = synthetic_wide(definition, 50, seed=5, campaign_id=campaign.id)
        store(db.engine, layout_for(definition), frame, campaign.version_id, campaign.id)
        crosstab(DatabaseSource(db.engine, campaign.version_id, definition), "B1", "A2", k=None)
        assert _database_indexes(db.engine, campaign.version_id)
        flask_migrate.check()  # exits (SystemExit) when autogenerate finds a difference


def test_banner_book_builds_no_index(indexed):
    engine, version_id, definition, _, wide_frame, _ = indexed
    items = ["A1", "A2", "B1", "B2.1", "B3", "D3"]
    book = banner_book(DatabaseSource(engine, version_id, definition), ["A2", "A3"], items=items,
                       k=5, strategy="group")
    assert _listed(engine, version_id) == [] and _database_indexes(engine, version_id) == set()
    expected = banner_book(FrameSource(definition, wide_frame), ["A2", "A3"], items=items, k=5,
                           strategy="group")
    pd.testing.assert_frame_equal(book.to_frame(), expected.to_frame(), check_dtype=False)


def test_deleted_responses_leave_the_table_and_its_indexes(indexed):
    engine, version_id, definition, _, wide_frame, _ = indexed
    crosstab(DatabaseSource(engine, version_id, definition), "B1", "A2",
             flt=Filter(values={"A8": (1, 2)}), k=None)
    gone = wide_frame["response_id"].iloc[:50].tolist()
    with engine.begin() as conn:  # as a purge would: answers, then their responses
        conn.execute(sa.text("DELETE FROM answer WHERE response_id IN :ids")
                     .bindparams(sa.bindparam("ids", expanding=True)), {"ids": gone})
        conn.execute(sa.text("DELETE FROM response WHERE id IN :ids")
                     .bindparams(sa.bindparam("ids", expanding=True)), {"ids": gone})
    kept = wide_frame.iloc[50:].reset_index(drop=True)
    source = DatabaseSource(engine, version_id, definition)
    for flt in (Filter(), Filter(values={"A8": (1,)})):
        got = crosstab(source, "B1", "A2", flt=flt, k=None)
        expected = crosstab(FrameSource(definition, kept), "B1", "A2", flt=flt, k=None)
        pd.testing.assert_frame_equal(got.table, expected.table, check_dtype=False)
    assert len(_listed(engine, version_id)) == 1  # the filtered index served both
