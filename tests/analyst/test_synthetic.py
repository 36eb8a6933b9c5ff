"""Sample data for pilots in the analyst's workspace (issue 20): when synthetic responses are all
a campaign has, every page, export and report says so; a campaign with real responses carries no
marking. (Filling and counting: tests/services/test_synthetic.py.)"""
from __future__ import annotations

from datetime import date

import pytest

from analysis import Filter
from analysis.synthetic import NOTICE
from survey import clock
from survey.extensions import db
from survey.models import Campaign, Role
from survey.services import synthetic
from survey.services import tabulation as service
from survey.services.monitor import status_counts
from tests.helpers import login, make_user
from tests.services.support import NOW, add_real_responses, pilot_campaign


@pytest.fixture(autouse=True)
def _clock():
    with clock.frozen(NOW):
        yield


def test_only_synthetic_marks_the_analyst_page_and_the_report(app, client, tmp_path):
    pilot = pilot_campaign(app)
    with app.app_context():
        make_user("an", Role.ANALYST)
        campaign = db.session.get(Campaign, pilot)
        synthetic.fill(db.session, campaign, 60, seed=4)
        db.session.commit()
        assert service.is_synthetic(db.session, campaign)
        source = service.source_for(db.engine, campaign)
        assert source.synthetic_campaigns == {pilot}
        assert source.aggregate([], (), Filter(campaign_ids=(pilot,)))["n"].sum() == 60
        counts = status_counts(db.session, [pilot])[pilot]
        assert (counts.complete, counts.synthetic) == (0, 60)  # not fieldwork
    login(client, "an")
    page = client.get(f"/staff/analyst/c/{pilot}/?item=q1&banner=level").get_data(as_text=True)
    assert 'id="synthetic-banner"' in page and NOTICE in page
    assert "SYNTHETIC DATA" in NOTICE and "SỐ LIỆU MÔ PHỎNG" in NOTICE
    sample = client.get(f"/staff/analyst/c/{pilot}/sample").get_data(as_text=True)
    assert 'id="synthetic-banner"' in sample

    from docx import Document

    from analysis.exports.report import plan_report, write_report
    from survey.services.exports import _filter_note, file_stem

    with app.app_context():
        campaign = db.session.get(Campaign, pilot)
        plan = plan_report(source, campaign.version.definition,
                           flt=Filter(campaign_ids=(pilot,)), k=5, charts=False,
                           campaign=campaign.title,
                           synthetic=service.is_synthetic(db.session, campaign))
        path = tmp_path / "report.docx"
        write_report(plan, path, on=date(2026, 11, 15))
        text = "\n".join(p.text for p in Document(str(path)).paragraphs)
        assert "SỐ LIỆU MÔ PHỎNG — KHÔNG PHẢI KẾT QUẢ KHẢO SÁT" in text
        assert "SYNTHETIC DATA — NOT SURVEY RESULTS" in text
        assert NOTICE in _filter_note(campaign, None, True)
        assert NOTICE not in _filter_note(campaign, None, False)
        assert file_stem(campaign, "csv", None, True).endswith("-synthetic")


def test_real_campaign_pages_carry_no_marking(app, client):
    pilot = pilot_campaign(app)
    with app.app_context():
        make_user("an", Role.ANALYST)
        campaign = db.session.get(Campaign, pilot)
        synthetic.fill(db.session, campaign, 20, seed=5)
        db.session.commit()
        add_real_responses(campaign, 10)
    login(client, "an")
    page = client.get(f"/staff/analyst/c/{pilot}/?item=q1").get_data(as_text=True)
    assert 'id="synthetic-banner"' not in page

