"""Sample data for pilots on the campaign page and the command line (issue 20): a designer's button
and ``flask campaign demo --responses`` fill a demo or not-yet-open campaign, refuse once real
responses exist, and remove only synthetic responses; analysts may do neither."""
from __future__ import annotations

import pytest

from survey import clock
from survey.extensions import db
from survey.models import Campaign, Role
from tests.helpers import csrf_from, login, make_user
from tests.services.support import NOW, add_real_responses, modes_of, pilot_campaign


@pytest.fixture(autouse=True)
def _clock():
    with clock.frozen(NOW):
        yield


def test_cli_adds_and_removes_synthetic_responses(app, runner):
    pilot = pilot_campaign(app)
    pilot_campaign(app, slug="dang-mo", opens_at=None)
    added = runner.invoke(args=["campaign", "demo", "--campaign", "thu", "--responses", "25",
                                "--seed", "9"])
    assert added.exit_code == 0, added.output
    with app.app_context():
        campaign = db.session.get(Campaign, pilot)
        assert modes_of(campaign) == {"synthetic": 25}
        add_real_responses(campaign, 7)
    refused = runner.invoke(args=["campaign", "demo", "--campaign", "dang-mo", "--responses", "5"])
    assert refused.exit_code != 0
    removed = runner.invoke(args=["campaign", "demo", "--campaign", "thu", "--remove"])
    assert removed.exit_code == 0 and "25 synthetic responses removed" in removed.output
    with app.app_context():
        assert modes_of(db.session.get(Campaign, pilot)) == {"web": 7}  # real ones untouched


def test_button_needs_csrf_and_a_designer(app, client):
    with app.app_context():
        make_user("lan", Role.DESIGNER)
        make_user("an", Role.ANALYST)
    pilot = pilot_campaign(app)
    login(client, "lan")
    detail = client.get(f"/staff/campaigns/{pilot}").get_data(as_text=True)
    assert 'id="synthetic-fill"' in detail
    token = csrf_from(detail)
    assert client.post(f"/staff/campaigns/{pilot}/synthetic",
                       data={"responses": "20"}).status_code == 400
    with app.app_context():
        assert modes_of(db.session.get(Campaign, pilot)) == {}
    done = client.post(f"/staff/campaigns/{pilot}/synthetic",
                       data={"responses": "20", "csrf_token": token})
    assert done.status_code == 302
    with app.app_context():
        campaign = db.session.get(Campaign, pilot)
        assert modes_of(campaign) == {"synthetic": 20}
        add_real_responses(campaign, 6)
    detail = client.get(f"/staff/campaigns/{pilot}").get_data(as_text=True)
    assert 'id="synthetic-fill"' not in detail and 'id="synthetic-remove"' in detail
    # refused once real responses exist, even when posted directly
    client.post(f"/staff/campaigns/{pilot}/synthetic", data={"responses": "5", "csrf_token": token})
    with app.app_context():
        assert modes_of(db.session.get(Campaign, pilot)) == {"synthetic": 20, "web": 6}

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
        assert modes_of(db.session.get(Campaign, pilot)) == {"synthetic": 20, "web": 6}
    login(client, "lan")
    token = csrf_from(client.get(f"/staff/campaigns/{pilot}").get_data(as_text=True))
    assert client.post(f"/staff/campaigns/{pilot}/synthetic/remove",
                       data={"csrf_token": token}).status_code == 302
    with app.app_context():
        assert modes_of(db.session.get(Campaign, pilot)) == {"web": 6}
