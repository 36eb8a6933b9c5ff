"""The collection mode (web, paper, import) is a variable analysts cross, filter and tabulate like
any single choice, under the same disclosure rule; synthetic data keeps its old treatment. On
SQLite and PostgreSQL, with responses that came in through the app's own services
(:mod:`tests.analysis.modes` has the hand counts)."""
from __future__ import annotations

import hashlib
from datetime import date, datetime, timezone

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from analysis import DatabaseSource, Filter, FrameSource, crosstab, frequencies, wide_frame
from analysis.layout import layout_for
from analysis.mode import item_for, variable_for
from analysis.synthetic import store, synthetic_wide
from analysis.wide import STATE, table_name
from survey import clock
from survey.extensions import db
from survey.models import Response
from tests.analysis.modes import BASES, COUNTS, every_mode_campaign
from tests.helpers import make_campaign, small_definition

NOW = datetime(2026, 11, 15, 3, 0, tzinfo=timezone.utc)
WEB, PAPER, IMPORT = 1, 2, 3
LABELS = {WEB: "Trực tuyến", PAPER: "Phiếu giấy", IMPORT: "Nhập từ dữ liệu khác (Kobo/ODK)"}


@pytest.fixture(autouse=True)
def _clock():
    with clock.frozen(NOW):
        yield


def _cells(table) -> dict[tuple[int, int], float]:
    return {(int(r.row), int(r.column)): r.n for r in table.table.itertuples()}


def test_b1_by_mode_has_the_hand_counts_and_a_small_mode_is_suppressed(any_app):
    with any_app.test_request_context():
        campaign = every_mode_campaign()
        assert dict(db.session.execute(select(Response.mode, func.count())
                                       .group_by(Response.mode)).all()) == \
            {"web": 10, "paper": 5, "import": 2}
        source = DatabaseSource(db.engine, campaign.version_id, campaign.version.definition)
        flt = Filter(campaign_ids=(campaign.id,))

        table = crosstab(source, "B1", "MODE", flt=flt, k=None)
        assert table.by_labels == ("Hình thức thu thập",)
        assert dict(zip(table.bases["column"], table.bases["column_label"])) == LABELS
        expected = {(row, column): float(COUNTS.get((row, column), 0))
                    for row in (1, 2, 3, 4, 5) for column in (WEB, PAPER, IMPORT)}
        assert _cells(table) == expected  # 98/99 (missing) are not rows
        assert dict(zip(table.bases["column"], table.bases["n"])) == BASES
        # column % by hand: web 5/10 in rows 3 and 4, paper 5/5 in row 3, import 1/2 in 4 and 5
        pct = {(int(r.row), int(r.column)): r.col_pct for r in table.table.itertuples()}
        assert (pct[(3, WEB)], pct[(4, WEB)], pct[(3, PAPER)], pct[(4, IMPORT)],
                pct[(5, IMPORT)]) == (50.0, 50.0, 100.0, 50.0, 50.0)
        assert table.n == 17

        # k = 5, by hand (analysis.disclosure): the import column's base is 2, so the column
        # goes whole ("base"); row 5's total, 1, is primary. Then every line holding one
        # hidden cell gets a second, the smallest non-zero (a zero when nothing else is left),
        # body cells before margins, lines taken rows first: rows 1 and 2 hide web's 0, row 3
        # web's 5, row 4 web's 5; the bases line hides paper's base (5); paper's column then
        # hides its 5 in row 3; the totals column hides row 4's total (6). Nothing changes in a
        # second pass. Web keeps its base (10); what stays shown of the body are zeros.
        shown = crosstab(source, "B1", "MODE", flt=flt, k=campaign.disclosure_threshold)
        assert campaign.disclosure_threshold == 5
        bases = shown.bases.set_index("column")
        assert list(bases["suppressed"]) == [False, True, True]
        assert bases.loc[WEB, "n"] == 10 and bases[["n"]].iloc[1:].isna().all().all()
        visible = {cell: n for cell, n in _cells(shown).items() if not np.isnan(n)}
        assert visible == {(5, WEB): 0, (1, PAPER): 0, (2, PAPER): 0, (4, PAPER): 0,
                           (5, PAPER): 0}
        reasons = {(r.row, r.column): r.reason for r in shown.suppression.cells.itertuples()}
        assert reasons == {
            **{(row, IMPORT): "base" for row in (1, 2, 3, 4, 5, "total")},
            **{(row, WEB): "complementary" for row in (1, 2, 3, 4)},
            (3, PAPER): "complementary", ("total", PAPER): "complementary",
            (4, "total"): "complementary", (5, "total"): "primary"}
        assert shown.tests == ()  # hidden cells in the published column: no test

        # The mode as the row variable: 2 < k is suppressed (primary); paper, the smallest
        # other count of its column, is suppressed too (complementary); web is published.
        freq = frequencies(source, "MODE", flt=flt, k=5).table.set_index("code")
        assert list(freq["label"]) == list(LABELS.values())
        assert freq.loc[WEB, "n"] == 10 and not freq.loc[WEB, "suppressed"]
        assert freq.loc[[PAPER, IMPORT], "suppressed"].all()
        assert freq.loc[[PAPER, IMPORT], "n"].isna().all()

        # A filter on the mode keeps the paper sheets only: five B1 = 3.
        paper = frequencies(source, "B1", flt=Filter(campaign_ids=(campaign.id,),
                                                     modes=(PAPER,)), k=None)
        assert dict(zip(paper.table["code"], paper.table["n"]))[3] == 5 and paper.n == 5
        with pytest.raises(ValueError, match="modes"):
            frequencies(source, "B1", flt=Filter(values={"MODE": (PAPER,)}), k=None)


def test_synthetic_responses_have_no_mode_and_count_as_before(any_app):
    """A pilot campaign filled with synthetic data still tabulates (nothing else is there) but
    has no mode; once real responses arrive, the synthetic ones drop out of every table, the
    mode's included."""
    definition = small_definition()
    layout = layout_for(definition)
    with any_app.app_context():
        campaign = make_campaign("thu")
        fake = synthetic_wide(definition, 20, seed=3, campaign_id=campaign.id)
        store(db.engine, layout, fake, campaign.version_id, campaign.id, mode="synthetic")
        source = DatabaseSource(db.engine, campaign.version_id, definition)
        flt = Filter(campaign_ids=(campaign.id,))
        assert source.synthetic_campaigns == {campaign.id}
        assert frequencies(source, "level", flt=flt, k=5).n == 20
        assert frequencies(source, "MODE", flt=flt, k=None).n == 0
        with db.engine.connect() as conn:
            held = conn.execute(sa.text(f"SELECT synthetic, mode FROM "
                                        f"{table_name(campaign.version_id)}")).all()
        assert set(held) == {(1, None)}

        real = synthetic_wide(definition, 12, seed=4, campaign_id=campaign.id)
        store(db.engine, layout, real.iloc[:7], campaign.version_id, campaign.id, mode="web")
        store(db.engine, layout, real.iloc[7:], campaign.version_id, campaign.id, mode="paper")
        source = DatabaseSource(db.engine, campaign.version_id, definition)
        assert source.synthetic_campaigns == set()
        assert frequencies(source, "level", flt=flt, k=5).n == 12
        modes = frequencies(source, "MODE", flt=flt, k=None).table
        assert dict(zip(modes["code"], modes["n"])) == {WEB: 7, PAPER: 5, IMPORT: 0}


def test_a_wide_table_built_before_the_mode_column_is_rebuilt(any_app):
    definition = small_definition()
    with any_app.app_context():
        campaign = make_campaign("thu")
        frame = synthetic_wide(definition, 6, seed=5, campaign_id=campaign.id)
        store(db.engine, layout_for(definition), frame, campaign.version_id, campaign.id,
              mode="paper")
        DatabaseSource(db.engine, campaign.version_id, definition)
        # What an earlier release left: the same table without ``mode``, under its hash.
        before = hashlib.md5(f"{layout_for(definition).hash}:2".encode()).hexdigest()
        with db.engine.begin() as conn:
            conn.execute(sa.text(f"ALTER TABLE {table_name(campaign.version_id)} "
                                 f"DROP COLUMN mode"))
            conn.execute(STATE.update().values(layout_hash=before))
        source = DatabaseSource(db.engine, campaign.version_id, definition)
        table = frequencies(source, "MODE", flt=Filter(campaign_ids=(campaign.id,)), k=None)
        assert dict(zip(table.table["code"], table.table["n"])) == {WEB: 0, PAPER: 6, IMPORT: 0}


def test_frames_carry_the_mode_and_an_item_called_mode_keeps_its_name():
    definition = small_definition()
    frame = wide_frame(definition, [{"level": 1, "q1": 1, "_mode": "web"},
                                    {"level": 2, "q1": 2, "_mode": "paper"},
                                    {"level": 2, "q1": 2, "_mode": "import"},
                                    {"level": 2, "q1": 1}])  # no mode: web, as stored
    assert frame["mode"].tolist() == [WEB, PAPER, IMPORT, WEB]
    table = crosstab(FrameSource(definition, frame), "q1", "MODE", k=None)
    assert _cells(table)[(1, WEB)] == 2 and _cells(table)[(2, PAPER)] == 1

    taken = small_definition()
    taken["pages"][0]["items"].append({"id": "MODE", "type": "single", "label": {"vi": "Xe"},
                                       "options": [{"code": 1, "label": {"vi": "Xe máy"}}]})
    assert variable_for(taken) == "MODE_2"
    layout = layout_for(taken)
    assert layout.column("MODE") == "v_mode" and layout.column("MODE_2") == "mode"
    assert layout.item("MODE")["label"] == {"vi": "Xe"}
    assert item_for(taken)["id"] == "MODE_2"
    assert layout.variable_label("MODE_2", "en") == "Collection mode"


def test_in_memory_and_database_sources_agree_on_the_mode(any_app):
    definition = small_definition()
    answers = [{"level": 1 + i % 3, "q1": 1 + i % 2, "_mode": ("web", "paper", "import")[i % 3],
                "_submitted_on": date(2026, 10, 1)} for i in range(30)]
    frame = wide_frame(definition, answers)
    with any_app.app_context():
        campaign = make_campaign("thu")
        layout = layout_for(definition)
        wide = frame.assign(campaign_id=campaign.id)
        for name, code in (("web", WEB), ("paper", PAPER), ("import", IMPORT)):
            store(db.engine, layout, wide[wide["mode"] == code], campaign.version_id,
                  campaign.id, mode=name)
        database = DatabaseSource(db.engine, campaign.version_id, definition)
        memory = FrameSource(definition, wide)
        for source in (database, memory):
            flt = Filter(campaign_ids=(campaign.id,), modes=(WEB, IMPORT))
            table = crosstab(source, "q1", "MODE", flt=flt, k=None)
            counts = table.table.pivot(index="row", columns="column", values="n")
            assert counts.loc[[1, 2], [WEB, PAPER, IMPORT]].to_numpy().tolist() == \
                [[5, 0, 5], [5, 0, 5]]
        pd.testing.assert_frame_equal(crosstab(database, "level", "MODE", k=5).table,
                                      crosstab(memory, "level", "MODE", k=5).table,
                                      check_dtype=False)
