"""Sample data for pilots (issue 20): synthetic responses fill a demo or not-yet-open campaign,
stay out of real results, and mark every page, export and report when they are all there is."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select

from analysis import Filter, frequencies
from analysis.exports import count_responses, export_rows
from analysis.layout import layout_for
from analysis.synthetic import NOTICE, store, synthetic_wide
from survey import clock
from survey.services import tabulation as service
from survey.extensions import db
from survey.models import Campaign, Response, Role, StaffUser
from survey.services import synthetic
from survey.services.errors import ServiceError
from survey.services.monitor import responses_per_day, status_counts
from survey.services.ownership import set_owner
from tests.helpers import csrf_from, login, make_campaign, make_user

NOW = datetime(2026, 11, 15, 3, 0, tzinfo=timezone.utc)
LATER = datetime(2027, 1, 1, tzinfo=timezone.utc)  # the pilot campaign opens after NOW


@pytest.fixture(autouse=True)
def _clock():
    with clock.frozen(NOW):
        yield


def _pilot(app, slug="thu", opens_at=LATER) -> int:
    with app.app_context():
        campaign = make_campaign(slug=slug, opens_at=opens_at)
        lan = db.session.scalar(select(StaffUser).where(StaffUser.username == "lan"))
        if lan is not None:
            set_owner(db.session, campaign, lan)
            db.session.commit()
        return campaign.id


def _real(campaign: Campaign, n: int, seed: int = 3) -> None:
    """``n`` real (web) responses, as a release of the holding pool stores them."""
    definition = campaign.version.definition
    frame = synthetic_wide(definition, n, seed=seed, campaign_id=campaign.id)
    frame["submitted_on"] = date(2026, 11, 14)
    store(db.engine, layout_for(definition), frame, campaign.version_id, campaign.id,
          mode="web")


def _counts(campaign: Campaign) -> dict[str, int]:
    return dict(db.session.execute(select(Response.mode, func.count())
                                   .where(Response.campaign_id == campaign.id)
                                   .group_by(Response.mode)).all())


def test_fill_stamps_the_day_and_only_demo_or_not_yet_open_campaigns(app):
    pilot = _pilot(app)
    opened = _pilot(app, slug="dang-mo", opens_at=None)
    with app.app_context():
        campaign = db.session.get(Campaign, pilot)
        assert synthetic.fill(db.session, campaign, 30, seed=1) == 30
        db.session.commit()
        days = set(db.session.scalars(select(Response.submitted_on)
                                      .where(Response.campaign_id == pilot)))
        assert days == {date(2026, 11, 15)} and _counts(campaign) == {"synthetic": 30}
        # a second fill adds (fresh ids), it does not collide
        synthetic.fill(db.session, campaign, 5)
        db.session.commit()
        assert _counts(campaign) == {"synthetic": 35}
        with pytest.raises(ServiceError):
            synthetic.fill(db.session, db.session.get(Campaign, opened), 10)
        with pytest.raises(ServiceError):
            synthetic.fill(db.session, campaign, 0)
        _real(campaign, 3)
        assert synthetic.fill_refusal(db.session, campaign)  # real data now: no more fills


def test_real_and_synthetic_count_only_real(app):
    pilot = _pilot(app)
    with app.app_context():
        campaign = db.session.get(Campaign, pilot)
        synthetic.fill(db.session, campaign, 40, seed=2)
        db.session.commit()
        source = service.source_for(db.engine, campaign)
        assert source.aggregate([], (), Filter(campaign_ids=(pilot,)))["n"].sum() == 40
        _real(campaign, 12)
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


def test_only_synthetic_marks_the_analyst_page_and_the_report(app, client, tmp_path):
    pilot = _pilot(app)
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
    pilot = _pilot(app)
    with app.app_context():
        make_user("an", Role.ANALYST)
        campaign = db.session.get(Campaign, pilot)
        synthetic.fill(db.session, campaign, 20, seed=5)
        db.session.commit()
        _real(campaign, 10)
    login(client, "an")
    page = client.get(f"/staff/analyst/c/{pilot}/?item=q1").get_data(as_text=True)
    assert 'id="synthetic-banner"' not in page


def test_cli_adds_and_removes_synthetic_responses(app, runner):
    pilot = _pilot(app)
    _pilot(app, slug="dang-mo", opens_at=None)
    added = runner.invoke(args=["campaign", "demo", "--campaign", "thu", "--responses", "25",
                                "--seed", "9"])
    assert added.exit_code == 0, added.output
    with app.app_context():
        campaign = db.session.get(Campaign, pilot)
        assert _counts(campaign) == {"synthetic": 25}
        _real(campaign, 7)
    refused = runner.invoke(args=["campaign", "demo", "--campaign", "dang-mo", "--responses", "5"])
    assert refused.exit_code != 0
    removed = runner.invoke(args=["campaign", "demo", "--campaign", "thu", "--remove"])
    assert removed.exit_code == 0 and "25 synthetic responses removed" in removed.output
    with app.app_context():
        assert _counts(db.session.get(Campaign, pilot)) == {"web": 7}  # real ones untouched


def test_button_needs_csrf_and_a_designer(app, client):
    with app.app_context():
        make_user("lan", Role.DESIGNER)
        make_user("an", Role.ANALYST)
    pilot = _pilot(app)
    login(client, "lan")
    detail = client.get(f"/staff/campaigns/{pilot}").get_data(as_text=True)
    assert 'id="synthetic-fill"' in detail
    token = csrf_from(detail)
    assert client.post(f"/staff/campaigns/{pilot}/synthetic",
                       data={"responses": "20"}).status_code == 400
    with app.app_context():
        assert _counts(db.session.get(Campaign, pilot)) == {}
    done = client.post(f"/staff/campaigns/{pilot}/synthetic",
                       data={"responses": "20", "csrf_token": token})
    assert done.status_code == 302
    with app.app_context():
        campaign = db.session.get(Campaign, pilot)
        assert _counts(campaign) == {"synthetic": 20}
        _real(campaign, 6)
    detail = client.get(f"/staff/campaigns/{pilot}").get_data(as_text=True)
    assert 'id="synthetic-fill"' not in detail and 'id="synthetic-remove"' in detail
    # refused once real responses exist, even when posted directly
    client.post(f"/staff/campaigns/{pilot}/synthetic", data={"responses": "5", "csrf_token": token})
    with app.app_context():
        assert _counts(db.session.get(Campaign, pilot)) == {"synthetic": 20, "web": 6}

    client.get("/staff/logout")
    client.post("/staff/logout", data={"csrf_token": token})
    analyst = app.test_client()
    login(analyst, "an")
    page = analyst.get("/staff/analyst/").get_data(as_text=True)
    analyst_token = csrf_from(page)
    assert analyst.post(f"/staff/campaigns/{pilot}/synthetic/remove",
                        data={"csrf_token": analyst_token}).status_code == 403
    assert analyst.post(f"/staff/campaigns/{pilot}/synthetic",
                        data={"responses": "5", "csrf_token": analyst_token}).status_code == 403

    assert client.post(f"/staff/campaigns/{pilot}/synthetic/remove").status_code in (400, 302)
    with app.app_context():
        assert _counts(db.session.get(Campaign, pilot)) == {"synthetic": 20, "web": 6}
    login(client, "lan")
    token = csrf_from(client.get(f"/staff/campaigns/{pilot}").get_data(as_text=True))
    assert client.post(f"/staff/campaigns/{pilot}/synthetic/remove",
                       data={"csrf_token": token}).status_code == 302
    with app.app_context():
        assert _counts(db.session.get(Campaign, pilot)) == {"web": 6}
