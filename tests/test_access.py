"""Every staff route requires sign-in and the right role: a sweep over the URL map."""
from __future__ import annotations

import pytest

from survey.models import Role
from tests.helpers import csrf_from, login, make_user

PUBLIC_ENDPOINTS = {"static", "auth.login", "auth.logout", "auth.home"}
AREA_ROLES = {
    "designer": {Role.ADMIN, Role.DESIGNER},
    "analyst": {Role.ADMIN, Role.ANALYST},
    "admin": {Role.ADMIN},
    "auth.account": set(Role),  # one's own account: every signed-in role
    "campaigns.manage": {Role.ADMIN, Role.DESIGNER},
    "campaigns.monitor": {Role.ADMIN, Role.DESIGNER, Role.ANALYST},  # read-only monitor
    "entry.key": {Role.ADMIN, Role.DESIGNER, Role.DATA_ENTRY},  # keying paper sheets
    "entry.supervise": {Role.ADMIN, Role.DESIGNER},  # boxes, settings, keyer statistics
    "paper": {Role.ADMIN, Role.DESIGNER},  # printing questionnaires and code slips
}


def _area(endpoint: str) -> str | None:
    """The most specific guarded area (blueprint path) an endpoint belongs to."""
    parts = endpoint.split(".")[:-1]
    for n in range(len(parts), 0, -1):
        if ".".join(parts[:n]) in AREA_ROLES:
            return ".".join(parts[:n])
    return None


def _csrf_data(client, page: str) -> dict:
    """A valid CSRF token for POSTs, so the sweep reaches the guard, not the CSRF check."""
    return {"csrf_token": csrf_from(client.get(page).get_data(as_text=True))}


def staff_urls(app):
    """(endpoint, area, url) for every rule of a staff blueprint, arguments filled with 1."""
    out = []
    for rule in app.url_map.iter_rules():
        area = _area(rule.endpoint)
        if area is None:
            continue
        url = rule.rule
        for arg in rule.arguments:
            url = url.replace(f"<{arg}>", "1")
            for conv in ("int", "string", "path"):
                url = url.replace(f"<{conv}:{arg}>", "1")
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        out.append((rule.endpoint, area, url, methods))
    assert out, "no staff routes found"
    return out


def test_every_staff_route_redirects_anonymous_visitors(app, client):
    data = _csrf_data(client, "/staff/login")
    for endpoint, _area, url, methods in staff_urls(app):
        for method in methods:
            response = client.open(url, method=method, data=data if method != "GET" else None)
            assert response.status_code == 302, (endpoint, method)
            assert "/staff/login" in response.headers["Location"], endpoint


@pytest.mark.parametrize("role", list(Role))
def test_every_staff_route_checks_the_role(app, client, role):
    with app.app_context():
        make_user("u", role)
    login(client, "u")
    data = _csrf_data(client, "/staff/account/password")
    for endpoint, area, url, methods in staff_urls(app):
        if role in AREA_ROLES[area]:
            continue
        for method in methods:
            response = client.open(url, method=method, data=data if method != "GET" else None)
            assert response.status_code == 403, (endpoint, method, response.status_code)


def test_login_and_logout(app, client):
    with app.app_context():
        make_user("lan", Role.DESIGNER)
    bad = login(client, "lan", "wrong password")
    assert "không đúng" in bad.get_data(as_text=True)
    good = login(client, "lan")
    assert good.status_code == 302 and good.headers["Location"].endswith("/staff/designer/")
    assert client.get("/staff/designer/").status_code == 200


def _campaign_urls(app, campaign_id: int):
    """(endpoint, url, methods) for every campaign-management rule naming a campaign."""
    out = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("campaigns.manage.") or \
                "campaign_id" not in rule.arguments:
            continue
        url = rule.rule.replace("<int:campaign_id>", str(campaign_id))
        for arg in rule.arguments - {"campaign_id"}:
            url = url.replace(f"<int:{arg}>", "1").replace(f"<{arg}>", "1")
        out.append((rule.endpoint, url, sorted(rule.methods - {"HEAD", "OPTIONS"})))
    assert len(out) > 5, out
    return out


def test_every_campaign_route_checks_ownership(app, client):
    """Issue 25, point 13: a designer manages only the campaigns they own or that were shared
    with them; every route naming a campaign refuses anyone else with 403."""
    from survey.extensions import db
    from survey.services.ownership import set_owner
    from tests.helpers import make_campaign

    with app.app_context():
        owner = make_user("chu", Role.DESIGNER)
        make_user("khac", Role.DESIGNER)
        campaign = make_campaign()
        set_owner(db.session, campaign, owner)
        db.session.commit()
        campaign_id = campaign.id
    login(client, "khac")
    data = _csrf_data(client, "/staff/account/password")
    for endpoint, url, methods in _campaign_urls(app, campaign_id):
        for method in methods:
            response = client.open(url, method=method, data=data if method != "GET" else None)
            assert response.status_code == 403, (endpoint, method, response.status_code)
    listing = client.get("/staff/campaigns/").get_data(as_text=True)
    assert "/s/thu" not in listing  # not even listed
    # The owner reaches every page (no 403 anywhere) and sees it listed.
    owner_client = app.test_client()
    login(owner_client, "chu")
    data = _csrf_data(owner_client, "/staff/account/password")
    for endpoint, url, methods in _campaign_urls(app, campaign_id):
        for method in methods:
            response = owner_client.open(url, method=method,
                                         data=data if method != "GET" else None)
            assert response.status_code != 403, (endpoint, method)
    assert "/s/thu" in owner_client.get("/staff/campaigns/").get_data(as_text=True)
