"""Partial responses in analysis (issue 25, point 4): tables, data files and the report count
completes only unless the analyst ticks "Gồm cả phiếu chưa hoàn thành"; the choice is stated
beside the table, in the exports' notes and in the report's methods."""
from __future__ import annotations

from datetime import date

import pytest
from werkzeug.datastructures import MultiDict

from analysis.exports.source import count_responses
from analysis.report.methods import methods_blocks
from survey.extensions import db
from survey.models import Campaign, ResponseStatus, Role
from survey.services import exports, tabulation
from tests.analysis.exports.data import make_rich_campaign, store
from tests.helpers import login, make_user

MORE = [{"level": level, "gender": 1, "q1": 1} for level in (1, 1, 2, 2, 3, 3, 3, 1)]


@pytest.fixture
def partial_app(app):
    with app.app_context():
        campaign = make_rich_campaign()
        for answers in MORE:
            store(campaign, answers, on=date(2026, 3, 3))
        for _n in range(3):
            store(campaign, {"level": 2, "q1": 2}, on=date(2026, 3, 3)).status = \
                ResponseStatus.PARTIAL
        db.session.commit()
        make_user("phantich", Role.ANALYST)
        app.campaign_id = campaign.id
    return app


def test_completes_only_by_default_and_partials_on_request(partial_app):
    with partial_app.app_context():
        campaign = db.session.get(Campaign, partial_app.campaign_id)
        definition = campaign.version.definition
        plain = tabulation.table_request(definition, MultiDict({"item": "q1"}))
        both = tabulation.table_request(definition, MultiDict({"item": "q1", "partials": "1"}))
        engine = db.session.get_bind()
        completes = count_responses(engine, plain.selection(campaign))
        everything = count_responses(engine, both.selection(campaign))
        assert everything == completes + 3
        assert both.query()["partials"] == "1" and "partials" not in plain.query()
        assert "chỉ phiếu hoàn thành" in exports._filter_note(campaign, plain)
        assert "gồm cả phiếu chưa hoàn thành" in exports._filter_note(campaign, both)
        assert "gồm cả phiếu chưa hoàn thành" in exports._report_filter(both)
        for flt, words in ((plain.analysis_filter(campaign), "không được tính"),
                           (both.analysis_filter(campaign), "gồm cả phiếu chưa hoàn thành")):
            blocks = methods_blocks(tabulation.source_for(engine, campaign), definition,
                                    _outline(definition), flt, None, 5, 1.0, 10, "vi")
            assert words in blocks[2].text


def _outline(definition):
    from analysis.report.outline import outline_for
    return outline_for(definition)


def test_the_analyst_page_offers_the_choice_and_states_it(partial_app):
    client = partial_app.test_client()
    login(client, "phantich")
    base = f"/staff/analyst/c/{partial_app.campaign_id}/?item=q1"
    page = client.get(base).get_data(as_text=True)
    assert 'name="partials"' in page and "Gồm cả phiếu chưa hoàn thành" in page
    assert "Không lọc: mọi phiếu hoàn thành của đợt." in page
    page = client.get(base + "&partials=1").get_data(as_text=True)
    assert "gồm cả phiếu chưa hoàn thành" in page and 'id="partials" checked' in page


def test_data_files_with_partials_say_which_is_which(partial_app, tmp_path):
    import pandas as pd
    import pyreadstat

    from analysis.exports import export_rows
    with partial_app.app_context():
        campaign = db.session.get(Campaign, partial_app.campaign_id)
        definition = campaign.version.definition
        engine = db.session.get_bind()
        plain = tabulation.table_request(definition, MultiDict({"item": "q1"}))
        both = tabulation.table_request(definition, MultiDict({"item": "q1", "partials": "1"}))
        export_rows(engine, definition, plain.selection(campaign), "csv", tmp_path / "c.csv")
        export_rows(engine, definition, both.selection(campaign), "csv", tmp_path / "b.csv")
        export_rows(engine, definition, both.selection(campaign), "sav", tmp_path / "b.sav")
        export_rows(engine, definition, both.selection(campaign), "codebook-html",
                    tmp_path / "b.html")
    completes = pd.read_csv(tmp_path / "c.csv")
    assert "STATUS" not in completes.columns  # completes only: as before
    everything = pd.read_csv(tmp_path / "b.csv")
    assert list(everything.columns[:3]) == ["stt", "MODE", "STATUS"]
    assert everything["STATUS"].value_counts().to_dict() == {1: len(completes), 2: 3}
    assert everything["MODE"].tolist() == completes["MODE"].tolist()[:1] * len(everything)
    frame, meta = pyreadstat.read_sav(tmp_path / "b.sav")
    assert meta.variable_value_labels["STATUS"] == {1.0: "Hoàn thành", 2.0: "Chưa hoàn thành"}
    assert (frame["STATUS"] == 2).sum() == 3
    book = (tmp_path / "b.html").read_text(encoding="utf-8")
    assert "Tình trạng phiếu" in book and "Chưa hoàn thành" in book
