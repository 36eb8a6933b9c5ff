"""Datasets the service tests build and the staff page tests reuse: the fieldwork monitor's
campaign with hand-counted figures, a campaign of the Kobo form with its imports, and a pilot
campaign for sample data with real responses beside it."""
from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import func, select

from analysis.layout import layout_for
from analysis.synthetic import store, synthetic_wide

from survey.extensions import db
from survey.models import (Answer, Campaign, ImportKey, PageReach, Response, ResponsePool,
                           ResponseStatus, StaffUser)
from survey.questionnaire.xlsform import from_xlsx
from survey.services.campaigns import set_targets
from survey.services.data_import import import_data, import_secret
from survey.services.monitor import rebuild_banner_tallies
from survey.services.ownership import set_owner
from tests.helpers import make_campaign
from tests.questionnaire.test_xlsform_data import FORM

# ----------------------------------------------------------------------------- monitor

D1, D2, D3 = date(2026, 11, 20), date(2026, 11, 21), date(2026, 11, 22)


def add_response(campaign_id, version_id, day, status=ResponseStatus.COMPLETE, **codes):
    """A response stored directly (not through the submit flow, which also keeps the banner
    tallies): callers rebuild the tallies with :func:`rebuild_banner_tallies`."""
    response = Response(campaign_id=campaign_id, version_id=version_id, status=status,
                        submitted_on=day)
    db.session.add(response)
    db.session.flush()
    for variable, code in codes.items():
        db.session.add(Answer(response_id=response.id, variable=variable, code=code))


def fieldwork():
    """Campaign ``thu`` (small questionnaire: one page, banners level and gender):

    completes: 8 — level 1: 1, level 2: 6, level unanswered: 1; gender 1: 2, gender 2: 6;
    3 on D1 and 5 on D3; partials: 1 on D1 and 1 on D3 (both level 3, never counted as completes);
    page reach (step 0 start, 1 page P1, 2 review): D1 10/9/7, D3 5/5/4 → 15/14/11.
    A second campaign on the same version gets rows that must not leak into the first.
    """
    campaign = make_campaign("thu")
    other = make_campaign("khac")
    cid, vid = campaign.id, campaign.version_id
    plan = [  # (day, level, gender)
        (D1, 1, 1), (D1, 2, 1), (D1, 2, 2),
        (D3, 2, 2), (D3, 2, 2), (D3, 2, 2), (D3, 2, 2), (D3, None, 2),
    ]
    for day, level, gender in plan:
        codes = {"gender": gender}
        if level is not None:
            codes["level"] = level
        add_response(cid, vid, day, **codes)
    add_response(cid, vid, D1, ResponseStatus.PARTIAL, level=3)
    add_response(cid, vid, D3, ResponseStatus.PARTIAL, level=3)
    for _ in range(4):
        add_response(other.id, vid, D2, level=3, gender=1)
    for day, counts in ((D1, (10, 9, 7)), (D3, (5, 5, 4))):
        for step, n in enumerate(counts):
            db.session.add(PageReach(campaign_id=cid, page=step, day=day, count=n))
    db.session.add(PageReach(campaign_id=other.id, page=0, day=D2, count=50))
    set_targets(db.session, campaign, {("level", 1): 10, ("level", 2): 12})
    rebuild_banner_tallies(db.session, campaign)
    rebuild_banner_tallies(db.session, other)
    db.session.commit()
    return campaign, other


# ----------------------------------------------------------------------------- Kobo imports

KOBO_SLUG = "kobo"


def kobo_campaign(app, owner: str | None = None) -> int:
    """A campaign of the version imported from the Kobo form (FORM)."""
    with app.app_context():
        definition = from_xlsx(FORM, "can_bo_2024.xlsx").definition
        campaign = make_campaign(KOBO_SLUG, definition)
        if owner is not None:
            set_owner(db.session, campaign, db.session.scalar(
                select(StaffUser).where(StaffUser.username == owner)))
            db.session.commit()
        return campaign.id


def import_kobo(campaign_id: int, data: bytes, name: str = "data.csv", form: bytes | None = FORM):
    campaign = db.session.get(Campaign, campaign_id)
    return import_data(db.session, campaign, data, name, form,
                       "can_bo_2024.xlsx" if form is not None else None,
                       import_secret("test-secret-key-not-for-production"))


def stored_counts() -> tuple[int, int, int]:
    return (db.session.scalar(select(func.count()).select_from(ResponsePool)),
            db.session.scalar(select(func.count()).select_from(Response)),
            db.session.scalar(select(func.count()).select_from(ImportKey)))


# ----------------------------------------------------------------------------- sample data

NOW = datetime(2026, 11, 15, 3, 0, tzinfo=timezone.utc)  # the sample-data tests' frozen clock
LATER = datetime(2027, 1, 1, tzinfo=timezone.utc)  # the pilot campaign opens after NOW


def pilot_campaign(app, slug="thu", opens_at=LATER) -> int:
    """A campaign not yet open at NOW (so it may take sample data), owned by the designer "lan"
    when that account exists; returns its id."""
    with app.app_context():
        campaign = make_campaign(slug=slug, opens_at=opens_at)
        lan = db.session.scalar(select(StaffUser).where(StaffUser.username == "lan"))
        if lan is not None:
            set_owner(db.session, campaign, lan)
            db.session.commit()
        return campaign.id


def add_real_responses(campaign: Campaign, n: int, seed: int = 3) -> None:
    """``n`` real (web) responses, as a release of the holding pool stores them."""
    definition = campaign.version.definition
    frame = synthetic_wide(definition, n, seed=seed, campaign_id=campaign.id)
    frame["submitted_on"] = date(2026, 11, 14)
    store(db.engine, layout_for(definition), frame, campaign.version_id, campaign.id,
          mode="web")


def modes_of(campaign: Campaign) -> dict[str, int]:
    """How many responses of each mode (web, synthetic, import …) the campaign has."""
    return dict(db.session.execute(select(Response.mode, func.count())
                                   .where(Response.campaign_id == campaign.id)
                                   .group_by(Response.mode)).all())
