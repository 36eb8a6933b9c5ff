"""Every staff route requires sign-in and the right role: a sweep over the URL map.

The rule: every URL rule under ``/staff`` is either public by name (:data:`PUBLIC_ENDPOINTS`) or
belongs to a blueprint listed in :data:`AREA_ROLES` with the roles it admits, and then refuses an
anonymous visitor (redirect to the sign-in page) and a signed-in user of every other role (403).
A new blueprint nobody listed fails the sweep instead of being skipped by it, and
:func:`test_the_sweep_reports_an_unguarded_staff_blueprint` shows that it does.
"""
from __future__ import annotations

import re

import pytest
from flask import Blueprint

from survey.auth.access import guard_blueprint
from survey.models import Role
from tests.helpers import csrf_from, login, make_user

STAFF = "/staff"
PUBLIC_ENDPOINTS = {"auth.login", "auth.logout", "auth.home"}
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


def _blueprint(endpoint: str) -> str:
    """The (dotted, for nested blueprints) name of the blueprint an endpoint belongs to."""
    return endpoint.rpartition(".")[0]


def _staff_rules(app) -> list:
    return [rule for rule in app.url_map.iter_rules()
            if rule.rule == STAFF or rule.rule.startswith(STAFF + "/")]


def _csrf_data(client, page: str) -> dict:
    """A valid CSRF token for POSTs, so the sweep reaches the guard, not the CSRF check."""
    return {"csrf_token": csrf_from(client.get(page).get_data(as_text=True))}


def staff_urls(app) -> list[tuple[str, set[Role], str, list[str]]]:
    """(endpoint, roles admitted, url, methods) for every ``/staff`` rule that is not public by
    name, arguments filled with 1. A blueprint missing from AREA_ROLES admits no role here (and
    :func:`unlisted` names it)."""
    out = []
    for rule in _staff_rules(app):
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        url = re.sub(r"<[^>]+>", "1", rule.rule)
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        out.append((rule.endpoint, AREA_ROLES.get(_blueprint(rule.endpoint), set()), url,
                    methods))
    assert out, "no staff routes found"
    return out


def unlisted(app) -> list[str]:
    """What the tables above do not account for: a ``/staff`` rule that is neither public by
    name nor of a blueprint in AREA_ROLES, and names in either table that no rule has."""
    rules = sorted(_staff_rules(app), key=lambda rule: rule.endpoint)
    problems = [f"{rule.endpoint} ({rule.rule}): blueprint {_blueprint(rule.endpoint)!r} is "
                "neither in AREA_ROLES nor public by name" for rule in rules
                if rule.endpoint not in PUBLIC_ENDPOINTS
                and _blueprint(rule.endpoint) not in AREA_ROLES]
    endpoints = {rule.endpoint for rule in rules}
    problems += [f"{name}: in PUBLIC_ENDPOINTS but no /staff rule"
                 for name in sorted(PUBLIC_ENDPOINTS - endpoints)]
    problems += [f"{area}: in AREA_ROLES but no /staff rule"
                 for area in sorted(set(AREA_ROLES) - {_blueprint(e) for e in endpoints})]
    return problems


def let_through(app, client, role: Role | None = None) -> list[str]:
    """Every (endpoint, method) of a guarded ``/staff`` rule that does not refuse ``client``:
    anonymous (``role`` None) it must be redirected to the sign-in page; signed in with a role
    its area does not admit, it must get 403."""
    page = "/staff/login" if role is None else "/staff/account/password"
    data = _csrf_data(client, page)
    problems = []
    for endpoint, roles, url, methods in staff_urls(app):
        if role is not None and role in roles:
            continue
        for method in methods:
            response = client.open(url, method=method, data=data if method != "GET" else None)
            if role is None:
                refused = response.status_code == 302 and \
                    "/staff/login" in response.headers.get("Location", "")
            else:
                refused = response.status_code == 403
            if not refused:
                problems.append(f"{endpoint} {method} {url}: {response.status_code}")
    return problems


def test_every_staff_rule_is_public_by_name_or_in_a_listed_area(app):
    assert unlisted(app) == []


def test_every_staff_route_redirects_anonymous_visitors(app, client):
    assert let_through(app, client) == []


@pytest.mark.parametrize("role", list(Role))
def test_every_staff_route_checks_the_role(app, client, role):
    with app.app_context():
        make_user("u", role)
    login(client, "u")
    assert let_through(app, client, role) == []


def test_the_sweep_reports_an_unguarded_staff_blueprint(app, monkeypatch):
    """The sweep is not vacuous: a throwaway blueprint under /staff/x without a guard is named
    by every check, first as unlisted, then, once listed, as letting anonymous visitors and
    other roles in; the same blueprint with the guard passes."""
    stray = Blueprint("stray", __name__)
    stray.add_url_rule("/", "page", lambda: "open to all")
    guarded = Blueprint("guarded", __name__)
    guarded.add_url_rule("/", "page", lambda: "admins only")
    guard_blueprint(guarded)
    app.register_blueprint(stray, url_prefix="/staff/x")
    app.register_blueprint(guarded, url_prefix="/staff/y")

    assert unlisted(app) == [
        "guarded.page (/staff/y/): blueprint 'guarded' is neither in AREA_ROLES nor public by "
        "name",
        "stray.page (/staff/x/): blueprint 'stray' is neither in AREA_ROLES nor public by name"]
    monkeypatch.setitem(AREA_ROLES, "stray", {Role.ADMIN})
    monkeypatch.setitem(AREA_ROLES, "guarded", {Role.ADMIN})
    assert unlisted(app) == []
    assert let_through(app, app.test_client()) == ["stray.page GET /staff/x/: 200"]
    with app.app_context():
        make_user("u", Role.DESIGNER)
    client = app.test_client()
    login(client, "u")
    assert let_through(app, client, Role.DESIGNER) == ["stray.page GET /staff/x/: 200"]


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
