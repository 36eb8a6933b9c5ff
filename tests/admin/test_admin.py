"""Admin account management: list, create with role, change role, disable/enable, reset password
(shown once), the audit log viewer and its filters. Every account change is audited."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from survey.extensions import db
from survey.models import AuditLog, Role, StaffUser
from survey.models.base import utcnow
from survey.services.accounts import set_active, verify_password
from tests.helpers import PASSWORD, csrf_from, login, make_user


def _admin(app, client):
    with app.app_context():
        admin = make_user("root", Role.ADMIN)
        admin_id = admin.id
    login(client, "root")
    return admin_id


def _token(client, url="/staff/admin/") -> str:
    return csrf_from(client.get(url).get_data(as_text=True))


def _user(app, username) -> StaffUser:
    with app.app_context():
        user = db.session.scalar(select(StaffUser).where(StaffUser.username == username))
        db.session.expunge(user)
        return user


def _audit(app, action=None):
    with app.app_context():
        statement = select(AuditLog).order_by(AuditLog.id)
        if action:
            statement = statement.where(AuditLog.action == action)
        entries = db.session.scalars(statement).all()
        for e in entries:
            db.session.expunge(e)
        return entries


def _create(client, username, role="designer"):
    return client.post("/staff/admin/users/new", data={
        "csrf_token": _token(client), "username": username, "role": role})


def test_create_account_shows_the_generated_password_once(app, client):
    admin_id = _admin(app, client)
    response = _create(client, "hoa", "analyst")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    password = re.search(r'id="new-password">([^<]+)<', body).group(1)
    assert len(password) >= 16
    assert response.headers["Cache-Control"] == "no-store"
    user = _user(app, "hoa")
    assert user.role is Role.ANALYST and user.active
    with app.app_context():
        assert verify_password(db.session.get(StaffUser, user.id), password)
    # the password is nowhere else: not in the list, not in the audit log, not in the cookie
    assert password not in client.get("/staff/admin/").get_data(as_text=True)
    assert password not in client.get(f"/staff/admin/users/{user.id}").get_data(as_text=True)
    assert password not in client.get_cookie("session").value
    (entry,) = [e for e in _audit(app, "user.create") if e.user_id is not None]
    assert entry.user_id == admin_id and entry.target == f"user:{user.id}"
    assert entry.details == {"username": "hoa", "role": "analyst"}
    # the new person can sign in with it
    other = app.test_client()
    # ... and must choose their own password first (issue 25, point 6)
    assert login(other, "hoa", password).headers["Location"].endswith("/staff/account/password")


def test_create_account_errors_inline(app, client):
    _admin(app, client)
    for username, message in [("", "Cần nhập tên đăng nhập"), ("có dấu", "chữ cái không dấu"),
                              ("root", "đã tồn tại")]:
        response = _create(client, username)
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StaffUser)) == 1
    assert len(_audit(app, "user.create")) == 1  # the admin's own account only


def test_list_accounts(app, client):
    _admin(app, client)
    with app.app_context():
        make_user("lan", Role.DESIGNER)
        set_active(db.session, make_user("minh", Role.ANALYST), False)
        db.session.commit()
    body = client.get("/staff/admin/").get_data(as_text=True)
    for name in ("root", "lan", "minh"):
        assert f">{name}</a>" in body
    assert "Đã khoá" in body and "Người thiết kế phiếu" in body


def test_change_role(app, client):
    _admin(app, client)
    with app.app_context():
        lan_id = make_user("lan", Role.DESIGNER).id
    other = app.test_client()
    login(other, "lan")
    assert other.get("/staff/designer/").status_code == 200
    response = client.post(f"/staff/admin/users/{lan_id}/role", data={
        "csrf_token": _token(client), "role": "analyst"})
    assert response.status_code == 302
    assert _user(app, "lan").role is Role.ANALYST
    assert other.get("/staff/designer/").status_code == 403  # takes effect at once
    assert other.get("/staff/analyst/").status_code == 200
    (entry,) = _audit(app, "user.role")
    assert entry.details == {"username": "lan", "from": "designer", "to": "analyst"}


def test_disable_ends_sessions_and_enable_restores_sign_in(app, client):
    _admin(app, client)
    with app.app_context():
        lan_id = make_user("lan", Role.DESIGNER).id
    other = app.test_client()
    login(other, "lan")
    response = client.post(f"/staff/admin/users/{lan_id}/active", data={
        "csrf_token": _token(client), "active": "0"})
    assert response.status_code == 302
    assert not _user(app, "lan").active
    assert other.get("/staff/designer/").status_code == 302
    assert login(app.test_client(), "lan").status_code == 200  # refused
    client.post(f"/staff/admin/users/{lan_id}/active", data={
        "csrf_token": _token(client), "active": "1"})
    assert _user(app, "lan").active
    assert login(app.test_client(), "lan").status_code == 302
    assert [e.action for e in _audit(app) if e.action.startswith("user.")] == [
        "user.create", "user.create", "user.disable", "user.enable"]


def test_reset_password(app, client):
    _admin(app, client)
    with app.app_context():
        lan_id = make_user("lan", Role.DESIGNER).id
    other = app.test_client()
    login(other, "lan")
    response = client.post(f"/staff/admin/users/{lan_id}/reset",
                           data={"csrf_token": _token(client, f"/staff/admin/users/{lan_id}")})
    body = response.get_data(as_text=True)
    password = re.search(r'id="new-password">([^<]+)<', body).group(1)
    assert other.get("/staff/designer/").status_code == 302  # old sessions ended
    assert login(app.test_client(), "lan", PASSWORD).status_code == 200  # old password refused
    assert login(app.test_client(), "lan", password).status_code == 302
    (entry,) = _audit(app, "user.password_reset")
    assert password not in str(entry.details)


def test_admin_cannot_lock_themselves_out(app, client):
    admin_id = _admin(app, client)
    for url, data in [(f"/staff/admin/users/{admin_id}/active", {"active": "0"}),
                      (f"/staff/admin/users/{admin_id}/role", {"role": "designer"})]:
        response = client.post(url, data={"csrf_token": _token(client), **data},
                               follow_redirects=True)
        assert "chính mình" in response.get_data(as_text=True)
    admin = _user(app, "root")
    assert admin.active and admin.role is Role.ADMIN
    assert _audit(app, "user.role") == [] and _audit(app, "user.disable") == []


def test_unknown_account_is_404(app, client):
    _admin(app, client)
    assert client.get("/staff/admin/users/999").status_code == 404
    assert client.post("/staff/admin/users/999/reset",
                       data={"csrf_token": _token(client)}).status_code == 404


def test_audit_viewer_filters(app, client):
    admin_id = _admin(app, client)
    _create(client, "lan", "designer")
    _create(client, "minh", "analyst")
    minh = _user(app, "minh")
    client.post(f"/staff/admin/users/{minh.id}/active", data={"csrf_token": _token(client),
                                                               "active": "0"})
    with app.app_context():
        old = AuditLog(user_id=None, action="questionnaire.publish", target="questionnaire:1",
                       at=utcnow() - timedelta(days=10))
        db.session.add(old)
        db.session.commit()

    def rows(query=""):
        body = client.get("/staff/admin/audit" + query).get_data(as_text=True)
        return re.findall(r"<code>([a-z_.]+)</code>", body)

    everything = rows()
    assert everything[:4] == ["user.disable", "user.create", "user.create", "auth.login"]
    assert "questionnaire.publish" in everything
    assert rows("?action=user.") == ["user.disable", "user.create", "user.create", "user.create"]
    assert rows(f"?action=user.create&user={admin_id}") == ["user.create", "user.create"]
    assert rows(f"?target=user:{minh.id}") == ["user.disable", "user.create"]
    assert rows(f"?user={admin_id}&action=auth.") == ["auth.login"]
    today = utcnow().date()
    assert "questionnaire.publish" not in rows(f"?since={today - timedelta(days=1)}")
    assert rows(f"?until={today - timedelta(days=5)}") == ["questionnaire.publish"]
    bad = client.get("/staff/admin/audit?since=31/12/2025")
    assert bad.status_code == 200 and "Ngày không hợp lệ" in bad.get_data(as_text=True)


def test_audit_viewer_pages(app, client):
    _admin(app, client)
    with app.app_context():
        for i in range(120):
            db.session.add(AuditLog(action="test.entry", target=f"t:{i}"))
        db.session.commit()
    first = client.get("/staff/admin/audit?action=test.entry").get_data(as_text=True)
    assert "t:119" in first and "t:69" not in first and "Trang 1 / 3" in first
    third = client.get("/staff/admin/audit?action=test.entry&page=3").get_data(as_text=True)
    assert "t:0<" in third and "t:20<" not in third
    assert client.get("/staff/admin/audit?page=abc").status_code == 200
