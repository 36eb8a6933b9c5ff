"""Every state change needs POST with a valid CSRF token; GET never changes state.

A sweep over the URL map, so a route added tomorrow is covered without editing this file. Staff
routes are called signed in as an admin (who passes every role guard), so the request reaches
the CSRF check and, if that were missing, the view itself. "Nothing changed" is checked by
counting the rows of every table before and after.
"""
from __future__ import annotations

import re

from sqlalchemy import func, inspect, select, table

from survey.extensions import db
from survey.models import Role
from tests.helpers import csrf_from, login, make_campaign, make_user

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
CSRF_MESSAGE = "biểu mẫu không hợp lệ"
# Tables a GET may legitimately touch. Respondent GETs count page reach (a counter per page and
# day, never who) and a signed-in staff request refreshes its own session record.
GET_MAY_CHANGE = {"page_reach", "draft", "staff_session"}


def _fill(rule) -> str:
    """A concrete URL for a rule: integer arguments 1 (the first row of everything the fixture
    made), slugs the fixture campaign's, other strings a harmless word."""

    def value(match: re.Match) -> str:
        converter, arg = match.group(1) or "default", match.group(2)
        if converter in {"int", "float"} or arg == "id" or arg.endswith("_id"):
            return "1"
        return "thu" if "slug" in arg else "x"

    return re.sub(r"<(?:([a-z_]+)(?:\([^)]*\))?:)?([a-z_]+)>", value, rule.rule)


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        yield rule, _fill(rule), sorted(rule.methods - {"HEAD", "OPTIONS"})


def _row_counts(app) -> dict[str, int]:
    with app.app_context():
        names = inspect(db.engine).get_table_names()
        counts = {name: db.session.scalar(select(func.count()).select_from(table(name)))
                  for name in names if name != "alembic_version"}
        db.session.remove()
    return counts


def _setup(app, client):
    with app.app_context():
        make_user("admin", Role.ADMIN)
        make_campaign("thu")
    assert login(client, "admin").status_code == 302


def test_every_unsafe_route_rejects_a_missing_or_forged_token(app, client):
    _setup(app, client)
    before = _row_counts(app)
    checked = []
    for rule, url, methods in _routes(app):
        for method in sorted(set(methods) & UNSAFE):
            for data in ({}, {"csrf_token": "forged-token"}):
                response = client.open(url, method=method, data=data)
                assert response.status_code == 400, (rule.endpoint, method, response.status_code)
                assert CSRF_MESSAGE in response.get_data(as_text=True), rule.endpoint
            checked.append(rule.endpoint)
    assert "auth.login" in checked  # the sweep sees the routes it should
    assert _row_counts(app) == before
    # Still signed in: the rejected posts (sign-out among them) did nothing.
    assert client.get("/staff/admin/").status_code == 200


def test_a_token_from_another_session_is_rejected(app, client):
    _setup(app, client)
    other = app.test_client()
    foreign_token = csrf_from(other.get("/staff/login").get_data(as_text=True))
    response = client.post("/staff/logout", data={"csrf_token": foreign_token})
    assert response.status_code == 400
    assert client.get("/staff/admin/").status_code == 200


def test_the_sweep_can_tell_a_valid_token_from_none(app, client):
    """Control: the same kind of request with the page's own token gets through the check."""
    _setup(app, client)
    token = csrf_from(client.get("/staff/account/password").get_data(as_text=True))
    assert client.post("/staff/logout", data={"csrf_token": token}).status_code in (302, 303)
    assert client.get("/staff/admin/").status_code == 302  # signed out for real


def test_no_get_changes_state(app, client):
    _setup(app, client)
    before = _row_counts(app)
    visited = 0
    for rule, url, methods in _routes(app):
        if "GET" not in methods or rule.endpoint in {"auth.logout"}:
            continue
        response = client.get(url)
        assert response.status_code < 500, (rule.endpoint, url, response.status_code)
        visited += 1
    after = _row_counts(app)
    changed = {name for name in before if before[name] != after[name]}
    assert changed <= GET_MAY_CHANGE, changed
    assert visited >= 5
