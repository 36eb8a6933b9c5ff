"""Campaigns as a service: settings checked against the platform's limits, the threshold that
never goes down once codes are out, targets only for banner categories."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from survey.extensions import db
from survey.models import AccessMode
from survey.services.campaigns import CampaignSettings, Limits, set_targets, update_campaign
from survey.services.errors import ServiceError
from tests.helpers import make_campaign

# The test app's limits (TestConfig: ANONYMITY_FLOOR and DISCLOSURE_THRESHOLD are 5).
LIMITS = Limits(floor=5, default_threshold=5)


def test_threshold_is_never_lowered_once_codes_exist(app):
    """A designer could otherwise lower k to 1, hand out one-code batches labelled with names,
    and raise it again: once codes exist, the threshold only goes up."""
    from survey.services.access_codes import generate_batch

    with app.app_context():
        campaign = make_campaign(access_mode=AccessMode.CODE, disclosure_threshold=8)
        settings = dict(title="x", access_mode=AccessMode.CODE)
        update_campaign(db.session, campaign, CampaignSettings(**settings, disclosure_threshold=6),
                        limits=LIMITS)
        assert campaign.disclosure_threshold == 6  # no codes yet: may go down to the floor
        generate_batch(db.session, campaign, 6)
        with pytest.raises(ServiceError, match="Không thể hạ ngưỡng"):
            update_campaign(db.session, campaign,
                            CampaignSettings(**settings, disclosure_threshold=5), limits=LIMITS)
        assert campaign.disclosure_threshold == 6
        update_campaign(db.session, campaign, CampaignSettings(**settings, disclosure_threshold=9),
                        limits=LIMITS)
        assert campaign.disclosure_threshold == 9


def test_update_rejects_bad_settings_without_changing_anything(app):
    with app.app_context():
        campaign = make_campaign()
        with pytest.raises(ServiceError):
            update_campaign(db.session, campaign, CampaignSettings(title="  "), limits=LIMITS)
        with pytest.raises(ServiceError):
            update_campaign(db.session, campaign, CampaignSettings(
                title="x", opens_at=datetime(2027, 1, 2, tzinfo=timezone.utc),
                closes_at=datetime(2027, 1, 1, tzinfo=timezone.utc)), limits=LIMITS)
        assert campaign.title == "Đợt thử" and campaign.closes_at is None


def test_set_targets_rejects_unknown_categories(app):
    with app.app_context():
        campaign = make_campaign()
        set_targets(db.session, campaign, {("level", 1): 10})
        db.session.commit()
        with pytest.raises(ServiceError):
            set_targets(db.session, campaign, {("level", 1): 20, ("level", 7): 5})
        with pytest.raises(ServiceError):
            set_targets(db.session, campaign, {("q1", 1): 5})  # not a banner
        db.session.rollback()
        assert {(t.dimension, t.code, t.target) for t in campaign.targets} == {("level", 1, 10)}
