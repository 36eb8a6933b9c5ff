"""Campaigns as a service: settings checked against the platform's limits, the threshold that
never goes down once codes are out, targets only for banner categories, and the one campaign list
and lookup the staff pages and the command line share."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from survey.extensions import db
from survey.models import AccessMode
from survey.services.campaigns import (CampaignSettings, Limits, find_campaign, limits_from,
                                       list_campaigns, set_targets, update_campaign)
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


def test_limits_come_from_the_config_and_the_floor_is_at_least_two():
    assert limits_from({}) == Limits(floor=5, default_threshold=5)
    assert limits_from({"ANONYMITY_FLOOR": 8, "DISCLOSURE_THRESHOLD": 10}) == Limits(8, 10)
    assert limits_from({"ANONYMITY_FLOOR": 1}).floor == 2


def test_a_threshold_below_the_floor_is_refused_and_the_default_applies(app):
    with app.app_context():
        campaign = make_campaign()
        with pytest.raises(ServiceError) as refused:
            update_campaign(db.session, campaign,
                            CampaignSettings(title="x", disclosure_threshold=7),
                            limits=Limits(floor=8, default_threshold=9))
        assert refused.value.values == {"n": 8}
        update_campaign(db.session, campaign, CampaignSettings(title="x"),
                        limits=Limits(floor=8, default_threshold=9))
        assert campaign.disclosure_threshold == 9


def test_the_campaign_list_is_newest_first_and_narrows_to_the_ids_given(app):
    with app.app_context():
        first, second, third = (make_campaign(slug) for slug in ("mot", "hai", "bon"))
        first.created_at = datetime(2026, 1, 1, tzinfo=timezone.utc)
        second.created_at = third.created_at = first.created_at + timedelta(days=1)
        db.session.commit()
        assert [c.slug for c in list_campaigns(db.session)] == ["bon", "hai", "mot"]
        assert [c.slug for c in list_campaigns(db.session, {first.id, third.id})] == ["bon", "mot"]
        assert list_campaigns(db.session, set()) == []


def test_a_campaign_is_found_by_id_or_slug(app):
    with app.app_context():
        campaign = make_campaign("thu")
        assert find_campaign(db.session, campaign.id) is campaign
        assert find_campaign(db.session, str(campaign.id)) is campaign
        assert find_campaign(db.session, "thu") is campaign
        assert find_campaign(db.session, "khong-co") is None
