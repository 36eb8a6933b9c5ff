"""In real Chromium, as a new admin finds it (issue 25, points 1 and 6): the one-time password
page names the account it is about, a printed or admin-set password must be replaced at the
first sign-in, and "Đổi mật khẩu" is a visible link on every staff page."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from survey.extensions import db
from survey.models import Role, StaffUser
from tests.helpers import PASSWORD, make_user

pytestmark = pytest.mark.browser


def _sign_in(page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/staff/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit].primary")
    page.wait_for_load_state()


def _user_id(app, username: str) -> int:
    with app.app_context():
        return db.session.scalar(select(StaffUser.id).where(StaffUser.username == username))


def test_one_time_password_page_names_the_new_or_reset_account(browser, app, live_server,
                                                                artifacts_dir):
    base = live_server.url
    with app.app_context():
        make_user("quantri", Role.ADMIN)
        make_user("thietke1", Role.DESIGNER)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _sign_in(page, base, "quantri", PASSWORD)

    page.goto(f"{base}/staff/admin/")
    page.fill("#username", "phantich1")
    page.select_option("#role", "analyst")
    page.get_by_role("button", name="Tạo tài khoản").click()
    page.wait_for_load_state()
    page.screenshot(path=str(artifacts_dir / "created.png"), full_page=True)
    assert page.locator("h1").inner_text() == "Đã tạo tài khoản phantich1"
    page.get_by_role("link", name="Xem tài khoản").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/staff/admin/users/{_user_id(app, 'phantich1')}")
    # The header still names the signed-in admin.
    assert page.locator(".who .username").inner_text() == "quantri"

    page.goto(f"{base}/staff/admin/users/{_user_id(app, 'thietke1')}")
    page.get_by_role("button", name="Cấp mật khẩu mới").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Đã cấp lại mật khẩu cho thietke1"
    page.get_by_role("link", name="Xem tài khoản").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/staff/admin/users/{_user_id(app, 'thietke1')}")
    context.close()


def test_printed_password_must_be_changed_at_first_sign_in(browser, app, live_server,
                                                           artifacts_dir):
    base = live_server.url
    with app.app_context():
        make_user("quantri", Role.ADMIN)
    admin_context = browser.new_context()
    admin = admin_context.new_page()
    _sign_in(admin, base, "quantri", PASSWORD)
    admin.goto(f"{base}/staff/admin/")
    admin.fill("#username", "thietke2")
    admin.select_option("#role", "designer")
    admin.get_by_role("button", name="Tạo tài khoản").click()
    admin.wait_for_load_state()
    printed = admin.locator("#new-password").inner_text()
    admin_context.close()

    context = browser.new_context()
    page = context.new_page()
    _sign_in(page, base, "thietke2", printed)
    assert page.url.endswith("/staff/account/password")
    assert page.locator("#must-change").is_visible()
    # Every other staff page sends them back here until they choose their own password.
    page.goto(f"{base}/staff/designer/")
    assert page.url.endswith("/staff/account/password")
    assert "Hãy đặt mật khẩu của riêng bạn" in page.content()

    # A common or repeated password is refused with a message; nothing changes.
    for weak in ("1111111111", "password12", "matkhau123"):
        page.fill("#current", printed)
        page.fill("#new", weak)
        page.fill("#confirm", weak)
        page.get_by_role("button", name="Đổi mật khẩu").click()
        page.wait_for_load_state()
        assert "quá dễ đoán" in page.locator("#new-errors").inner_text(), weak
    page.screenshot(path=str(artifacts_dir / "refused.png"), full_page=True)
    page.goto(f"{base}/staff/designer/")
    assert page.url.endswith("/staff/account/password")

    page.fill("#current", printed)
    page.fill("#new", "mùa thu Hà Nội có hoa sữa")
    page.fill("#confirm", "mùa thu Hà Nội có hoa sữa")
    page.get_by_role("button", name="Đổi mật khẩu").click()
    page.wait_for_load_state()
    page.goto(f"{base}/staff/designer/")
    assert page.url.endswith("/staff/designer/")
    # "Đổi mật khẩu" is a link anyone can see in the header, not hidden behind the user name.
    link = page.get_by_role("link", name="Đổi mật khẩu")
    assert link.is_visible()
    link.click()
    page.wait_for_load_state()
    assert page.url.endswith("/staff/account/password")
    assert not page.locator("#must-change").count()
    assert re.search(r"thietke2", page.locator(".who").inner_text())
    context.close()
