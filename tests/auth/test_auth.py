"""Sign-in: throttling shared through the database, session rotation, sign-out, idle timeout, own password."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from survey import clock
from survey.extensions import db
from survey.models import AuditLog, LoginFailure, Role, StaffSession, StaffUser
from survey.models.base import utcnow
from survey.services.accounts import verify_password
from tests.helpers import PASSWORD, csrf_from, login, make_user

START = datetime(2026, 11, 15, 3, 0, tzinfo=timezone.utc)


def _session_cookie(client) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def _sessions(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(StaffSession))


def test_login_throttled_after_five_failures_even_with_the_right_password(app, client):
    with app.app_context():
        make_user("lan", Role.DESIGNER)
    for _ in range(5):
        response = login(client, "lan", "wrong password")
        assert response.status_code == 200
        assert "không đúng" in response.get_data(as_text=True)
    locked = login(client, "lan", PASSWORD)
    assert locked.status_code == 429
    assert "quá nhiều lần" in locked.get_data(as_text=True)
    assert client.get("/staff/designer/").status_code == 302  # still not signed in
    with app.app_context():
        entries = db.session.scalars(select(AuditLog).where(AuditLog.action == "auth.lockout")).all()
        assert len(entries) == 1 and entries[0].details == {"username": "lan"}
    # another account is not locked by lan's failures
    with app.app_context():
        make_user("minh", Role.ANALYST)
    assert login(client, "minh").status_code == 302


def test_unknown_usernames_are_throttled_but_never_logged(app, client):
    for _ in range(6):
        response = login(client, "my-secret-password-typed-here", "x")
    assert response.status_code == 429
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditLog)) == 0


def test_throttle_window_expires_and_success_clears_the_count(app, client):
    """The window is read on survey.clock: the test moves the clock instead of sleeping, so a slow
    password hash under load cannot let the window run out early."""
    app.config["LOGIN_LIMIT_PER_USER"] = "2 per 2 seconds"
    with app.app_context():
        make_user("lan", Role.DESIGNER)
    with clock.frozen(START):
        login(client, "lan", "bad")
        assert login(client, "lan").status_code == 302  # one failure, then success: count cleared
        client.post("/staff/logout", data={"csrf_token": csrf_from(client.get("/staff/designer/")
                                                                    .get_data(as_text=True))})
        login(client, "lan", "bad")
        login(client, "lan", "bad")
        assert login(client, "lan").status_code == 429
    with clock.frozen(START + timedelta(seconds=2.1)):
        assert login(client, "lan").status_code == 302


def test_throttle_per_address_covers_many_usernames(app, client):
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "3 per 15 minutes"
    with app.app_context():
        make_user("lan", Role.DESIGNER)
    for name in ("a1", "a2", "a3"):
        login(client, name, "bad")
    assert login(client, "lan").status_code == 429


def test_throttle_is_shared_by_every_worker_and_stores_no_name_or_address(app, client, tmp_path):
    """Two apps on one database stand for two gunicorn workers (or two servers): failures
    counted by one refuse the attempt at the other."""
    from tests.conftest import make_app

    with app.app_context():
        make_user("lan", Role.DESIGNER)
    other = make_app(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "other",
                     SECRET_KEY=app.config["SECRET_KEY"])
    try:
        other_client = other.test_client()
        for n in range(5):
            login(client if n % 2 else other_client, "lan", "wrong password")
        assert login(client, "lan").status_code == 429
        assert login(other_client, "lan").status_code == 429
        with app.app_context():
            keys = db.session.scalars(select(LoginFailure.key)).all()
        assert len(keys) == 15  # five each per name and address, per address, per name
        assert not any("lan" in key or "127.0.0.1" in key for key in keys)
    finally:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def test_login_rotates_the_session(app, client):
    with app.app_context():
        make_user("lan", Role.DESIGNER)
    client.get("/staff/login?lang=en")
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker"
    login(client, "lan")
    with client.session_transaction() as sess:
        assert "planted" not in sess
        assert sess["lang"] == "en"  # the language choice survives
        first = sess["staff_session"]
    login(client, "lan")
    with client.session_transaction() as sess:
        assert sess["staff_session"] != first
    assert _sessions(app) == 1  # signing in again ended the previous session


def test_logout_kills_the_server_side_session(app, client):
    with app.app_context():
        make_user("lan", Role.DESIGNER)
    login(client, "lan")
    stolen = _session_cookie(client)
    page = client.get("/staff/designer/")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    out = client.post("/staff/logout", data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert out.status_code == 302
    assert client.get("/staff/designer/").status_code == 302
    assert _sessions(app) == 0
    # Replaying the cookie copied before sign-out gets nowhere.
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    response = thief.get("/staff/designer/")
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]
    with app.app_context():
        actions = db.session.scalars(select(AuditLog.action).where(AuditLog.action.like("auth.%"))
                                     .order_by(AuditLog.id)).all()
        assert actions == ["auth.login", "auth.logout"]


def test_logout_requires_csrf(app, client):
    with app.app_context():
        make_user("lan", Role.DESIGNER)
    login(client, "lan")
    assert client.post("/staff/logout").status_code == 400
    assert client.get("/staff/designer/").status_code == 200


def test_idle_session_expires(app, client):
    with app.app_context():
        make_user("lan", Role.DESIGNER)
    login(client, "lan")
    assert client.get("/staff/designer/").status_code == 200
    with app.app_context():
        record = db.session.scalar(select(StaffSession))
        record.last_seen_at = utcnow() - timedelta(minutes=31)
        db.session.commit()
    response = client.get("/staff/designer/")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Phiên làm việc đã hết hạn" in page
    assert _sessions(app) == 0


def test_activity_keeps_the_session_alive(app, client):
    with app.app_context():
        make_user("lan", Role.DESIGNER)
    login(client, "lan")
    with app.app_context():
        record = db.session.scalar(select(StaffSession))
        record.last_seen_at = utcnow() - timedelta(minutes=29)
        db.session.commit()
    assert client.get("/staff/designer/").status_code == 200
    with app.app_context():
        seen = db.session.scalar(select(StaffSession.last_seen_at))
        assert utcnow() - seen.replace(tzinfo=utcnow().tzinfo) < timedelta(minutes=1)


def test_session_older_than_its_lifetime_expires(app, client):
    with app.app_context():
        make_user("lan", Role.DESIGNER)
    login(client, "lan")
    with app.app_context():
        record = db.session.scalar(select(StaffSession))
        record.created_at = utcnow() - timedelta(hours=9)
        db.session.commit()
    assert client.get("/staff/designer/").status_code == 302


def _password_page(client):
    page = client.get("/staff/account/password")
    assert page.status_code == 200
    return csrf_from(page.get_data(as_text=True))


def test_change_own_password(app, client):
    with app.app_context():
        make_user("lan", Role.ANALYST)
    login(client, "lan")
    other = app.test_client()
    login(other, "lan")
    assert other.get("/staff/analyst/").status_code == 200
    token = _password_page(client)
    response = client.post("/staff/account/password", data={
        "csrf_token": token, "current": PASSWORD, "new": "một câu mật khẩu mới",
        "confirm": "một câu mật khẩu mới"})
    assert response.status_code == 302
    assert client.get("/staff/analyst/").status_code == 200  # this browser stays signed in
    assert other.get("/staff/analyst/").status_code == 302  # the other one was signed out
    with app.app_context():
        user = db.session.scalar(select(StaffUser).where(StaffUser.username == "lan"))
        assert verify_password(user, "một câu mật khẩu mới")
        entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "user.password_change"))
        assert entry.user_id == user.id and PASSWORD not in str(entry.details)


def test_change_own_password_errors_are_shown_and_change_nothing(app, client):
    with app.app_context():
        make_user("lan", Role.DESIGNER)
    login(client, "lan")
    cases = [
        ({"current": "wrong one!!", "new": "một câu mật khẩu mới", "confirm": "một câu mật khẩu mới"},
         "Mật khẩu hiện tại không đúng"),
        ({"current": PASSWORD, "new": "ngắn", "confirm": "ngắn"}, "phải dài từ 10"),
        ({"current": PASSWORD, "new": "một câu mật khẩu mới", "confirm": "khác hẳn đi nhé"},
         "không khớp"),
        ({"current": PASSWORD, "new": PASSWORD, "confirm": PASSWORD}, "phải khác mật khẩu hiện tại"),
        ({"current": PASSWORD, "new": "lan", "confirm": "lan"}, "phải dài từ 10"),
    ]
    for data, message in cases:
        response = client.post("/staff/account/password",
                               data={"csrf_token": _password_page(client), **data})
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        assert message in body, message
        assert 'aria-invalid="true"' in body
    with app.app_context():
        user = db.session.scalar(select(StaffUser).where(StaffUser.username == "lan"))
        assert verify_password(user, PASSWORD)
        assert db.session.scalar(select(func.count()).select_from(AuditLog)
                                 .where(AuditLog.action == "user.password_change")) == 0


def test_password_page_requires_sign_in(client):
    response = client.get("/staff/account/password")
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]


def test_next_parameter_only_redirects_inside_staff_area(app, client):
    with app.app_context():
        make_user("lan", Role.DESIGNER)
    page = client.get("/staff/login?next=//evil.example/x")
    response = client.post("/staff/login?next=//evil.example/x", data={
        "username": "lan", "password": PASSWORD,
        "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert response.headers["Location"].endswith("/staff/designer/")


def test_english_staff_pages(app, client):
    response = client.get("/staff/login?lang=en")
    body = response.get_data(as_text=True)
    assert "Sign in" in body and 'lang="en"' in body
