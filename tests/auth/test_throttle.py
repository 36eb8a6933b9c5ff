"""Sign-in throttling as an attacker tries it (issue 25, point 11): a stranger's failures do not
keep the owner out, a guesser with many addresses is bounded and still cannot lock the owner out
of a browser they signed in from before, and thirty parallel wrong attempts get exactly the
allowed number of password checks (counted before checking, atomically)."""
from __future__ import annotations

import re
import threading
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

import pytest
from sqlalchemy import select

from survey.services.login_throttle import DEVICE_COOKIE
from survey.extensions import db
from survey.models import AuditLog, Role
from tests.helpers import PASSWORD, csrf_from, make_user


def _login(client, username: str, password: str, address: str):
    page = client.get("/staff/login", environ_base={"REMOTE_ADDR": address})
    return client.post("/staff/login", data={"username": username, "password": password,
                                             "csrf_token": csrf_from(page.get_data(as_text=True))},
                       environ_base={"REMOTE_ADDR": address})


def test_a_stranger_cannot_lock_the_owner_out(app):
    with app.app_context():
        make_user("quantri", Role.ADMIN)
    stranger = app.test_client()
    for _ in range(5):
        assert _login(stranger, "quantri", "doan mo mat khau", "203.0.113.9").status_code == 200
    assert _login(stranger, "quantri", "doan tiep lan nua", "203.0.113.9").status_code == 429
    # Even the right password is refused to the stranger's address now ...
    assert _login(stranger, "quantri", PASSWORD, "203.0.113.9").status_code == 429
    # ... but the owner, from their own address, signs in at once.
    owner = app.test_client()
    assert _login(owner, "quantri", PASSWORD, "10.1.2.3").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(AuditLog.action).where(
            AuditLog.action == "auth.lockout")) == "auth.lockout"


def test_a_distributed_guesser_is_bounded_but_the_owners_browser_still_gets_in(app):
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "6 per hour"
    with app.app_context():
        make_user("quantri", Role.ADMIN)
    owner = app.test_client()
    assert _login(owner, "quantri", PASSWORD, "10.1.2.3").status_code == 302
    assert owner.get_cookie(DEVICE_COOKIE, path="/staff") is not None
    owner.post("/staff/logout", data={"csrf_token": csrf_from(
        owner.get("/staff/admin/").get_data(as_text=True))})
    guesser = app.test_client()
    for n in range(6):  # six addresses, one try each: the account's budget is spent
        assert _login(guesser, "quantri", f"doan {n}", f"198.51.100.{n}").status_code == 200
    assert _login(guesser, "quantri", "doan 7", "198.51.100.7").status_code == 429
    # A browser that never signed in to this account waits, even with the right password ...
    newcomer = app.test_client()
    assert _login(newcomer, "quantri", PASSWORD, "10.9.9.9").status_code == 429
    # ... the owner's browser, known by its signed device cookie, is let in.
    assert _login(owner, "quantri", PASSWORD, "10.1.2.3").status_code == 302
    # A forged or foreign device cookie counts for nothing.
    forger = app.test_client()
    forger.set_cookie(DEVICE_COOKIE, "eyJ1IjoieCIsIm4iOiJ5In0.forged.sig", path="/staff")
    assert _login(forger, "quantri", PASSWORD, "10.9.9.8").status_code == 429


def test_the_device_cookie_has_its_own_limit(app):
    app.config["LOGIN_LIMIT_PER_USER"] = "3 per 15 minutes"
    with app.app_context():
        make_user("lan", Role.DESIGNER)
    browser = app.test_client()
    assert _login(browser, "lan", PASSWORD, "10.1.2.3").status_code == 302
    for _ in range(3):
        assert _login(browser, "lan", "sai roi sai roi", "10.1.2.3").status_code == 200
    assert _login(browser, "lan", PASSWORD, "10.1.2.3").status_code == 429


def _post_form(base: str, username: str, password: str, barrier: threading.Barrier,
               statuses: list) -> None:
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/staff/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"username": username, "password": password,
                                   "csrf_token": token}).encode()
    barrier.wait()
    try:
        statuses.append(opener.open(f"{base}/staff/login", data=data).status)
    except urllib.error.HTTPError as error:
        statuses.append(error.code)


@pytest.mark.parametrize("attempts", [30])
def test_parallel_wrong_attempts_get_no_more_than_the_allowed_checks(any_app, tmp_path, monkeypatch,
                                                                attempts):
    """Thirty wrong passwords sent at once from one address: at most five are checked (the
    limit), on SQLite and PostgreSQL."""
    import survey.auth.routes as routes
    from tests.conftest import LiveServer

    with any_app.app_context():
        make_user("quantri", Role.ADMIN)
    checks = []
    real = routes.authenticate

    def counting(*args, **kwargs):
        checks.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(routes, "authenticate", counting)
    server = LiveServer(any_app).start()
    try:
        barrier = threading.Barrier(attempts)
        statuses: list[int] = []
        threads = [threading.Thread(target=_post_form, args=(server.url, "quantri",
                                                             f"sai {n}", barrier, statuses))
                   for n in range(attempts)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        server.stop()
    assert len(statuses) == attempts
    assert len(checks) <= 5, len(checks)
    assert statuses.count(429) >= attempts - 5
