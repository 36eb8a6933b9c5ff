"""Sample data for pilots as a service (issue 20): synthetic responses fill a demo or
not-yet-open campaign, stamped with the day, and stay out of every real count once real responses
exist."""
from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from sqlalchemy import select

from analysis import Filter, frequencies
from analysis.exports import count_responses, export_rows
from survey import clock
from survey.extensions import db
from survey.models import Campaign, Response
from survey.services import synthetic
from survey.services import tabulation as service
from survey.services.errors import ServiceError
from survey.services.monitor import responses_per_day, status_counts
from tests.services.support import NOW, add_real_responses, modes_of, pilot_campaign


@pytest.fixture(autouse=True)
def _clock():
    with clock.frozen(NOW):
        yield


def test_fill_stamps_the_day_and_only_demo_or_not_yet_open_campaigns(app):
    pilot = pilot_campaign(app)
    opened = pilot_campaign(app, slug="dang-mo", opens_at=None)
    with app.app_context():
        campaign = db.session.get(Campaign, pilot)
        assert synthetic.fill(db.session, campaign, 30, seed=1) == 30
        db.session.commit()
        days = set(db.session.scalars(select(Response.submitted_on)
                                      .where(Response.campaign_id == pilot)))
        assert days == {date(2026, 11, 15)} and modes_of(campaign) == {"synthetic": 30}
        # a second fill adds (fresh ids), it does not collide
        synthetic.fill(db.session, campaign, 5)
        db.session.commit()
        assert modes_of(campaign) == {"synthetic": 35}
        with pytest.raises(ServiceError):
            synthetic.fill(db.session, db.session.get(Campaign, opened), 10)
        with pytest.raises(ServiceError):
            synthetic.fill(db.session, campaign, 0)
        add_real_responses(campaign, 3)
        assert synthetic.fill_refusal(db.session, campaign)  # real data now: no more fills


def test_real_and_synthetic_count_only_real(app):
    pilot = pilot_campaign(app)
    with app.app_context():
        campaign = db.session.get(Campaign, pilot)
        synthetic.fill(db.session, campaign, 40, seed=2)
        db.session.commit()
        source = service.source_for(db.engine, campaign)
        assert source.aggregate([], (), Filter(campaign_ids=(pilot,)))["n"].sum() == 40
        add_real_responses(campaign, 12)
        source = service.source_for(db.engine, campaign)
        assert source.synthetic_campaigns == set()
        flt = Filter(campaign_ids=(pilot,))
        assert source.aggregate([], (), flt)["n"].sum() == 12
        assert frequencies(source, "level", flt=flt, k=None).base == 12
        selection = Filter(campaign_ids=(pilot,), version_id=campaign.version_id)
        assert count_responses(db.engine, selection) == 12
        definition = campaign.version.definition

    with app.app_context():
        import tempfile
        from pathlib import Path

        out = Path(tempfile.mkdtemp()) / "rows.csv"
        assert export_rows(db.engine, definition, selection, "csv", out, threshold=1) == 12
        rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
        assert len(rows) == 1 + 12
        counts = status_counts(db.session, [pilot])[pilot]
        assert (counts.complete, counts.synthetic) == (12, 40)
        assert sum(d.complete for d in responses_per_day(db.session, campaign)) == 12
        assert not service.is_synthetic(db.session, campaign)
