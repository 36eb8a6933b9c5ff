"""Every staff route requires sign-in and the right role: a sweep over the URL map."""
from __future__ import annotations

import pytest

from survey.models import Role
from tests.helpers import login, make_user

PUBLIC_ENDPOINTS = {"static", "auth.login", "auth.logout", "auth.home"}
AREA_ROLES = {
    "designer": {Role.ADMIN, Role.DESIGNER},
    "analyst": {Role.ADMIN, Role.ANALYST},
    "admin": {Role.ADMIN},
}


def staff_urls(app):
    """(endpoint, area, url) for every rule of a staff blueprint, arguments filled with 1."""
    out = []
    for rule in app.url_map.iter_rules():
        area = rule.endpoint.split(".")[0]
        if area not in AREA_ROLES:
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
    for endpoint, _area, url, methods in staff_urls(app):
        for method in methods:
            response = client.open(url, method=method)
            assert response.status_code == 302, (endpoint, method)
            assert "/staff/login" in response.headers["Location"], endpoint


@pytest.mark.parametrize("role", list(Role))
def test_every_staff_route_checks_the_role(app, client, role):
    with app.app_context():
        make_user("u", role)
    login(client, "u")
    for endpoint, area, url, methods in staff_urls(app):
        if role in AREA_ROLES[area]:
            continue
        for method in methods:
            response = client.open(url, method=method)
            assert response.status_code in (403, 400), (endpoint, method, response.status_code)
            if method == "GET":
                assert response.status_code == 403, endpoint


def test_login_and_logout(app, client):
    with app.app_context():
        make_user("lan", Role.DESIGNER)
    bad = login(client, "lan", "wrong password")
    assert "không đúng" in bad.get_data(as_text=True)
    good = login(client, "lan")
    assert good.status_code == 302 and good.headers["Location"].endswith("/staff/designer/")
    assert client.get("/staff/designer/").status_code == 200
