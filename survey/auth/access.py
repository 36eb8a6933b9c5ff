"""Who is signed in, and the guard every staff blueprint installs.

The guard runs in ``before_request`` for a whole blueprint, so no route can forget it; a test
walks the URL map to prove it.

The session cookie holds only a random token; :func:`survey.services.accounts.session_user`
turns it into a user while the server-side session record exists and is neither idle for longer
than ``STAFF_IDLE_MINUTES`` (default 30) nor older than ``PERMANENT_SESSION_LIFETIME``.
"""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _

from survey.extensions import db
from survey.models import Role, StaffUser
from survey.services.accounts import session_user

SESSION_KEY = "staff_session"
PASSWORD_ENDPOINT = "auth.account.password"
DEFAULT_IDLE_MINUTES = 30


def _lifetime() -> timedelta:
    value = current_app.config["PERMANENT_SESSION_LIFETIME"]
    return value if isinstance(value, timedelta) else timedelta(seconds=int(value))


def _idle() -> timedelta:
    return timedelta(minutes=int(current_app.config.get("STAFF_IDLE_MINUTES",
                                                        DEFAULT_IDLE_MINUTES)))


def load_signed_in_user() -> None:
    """Resolve the session token once per request, at its very start (installed app-wide by the
    auth blueprint), and commit the activity time or the removal of an expired session before
    the view runs, so the view's own transaction never carries it."""
    g.staff_user = None
    if request.endpoint == "static":  # files need no user: spare the database lookup
        return
    token = session.get(SESSION_KEY)
    if not token:
        return
    user = session_user(db.session, token, idle=_idle(), lifetime=_lifetime())
    if db.session.dirty or db.session.deleted:
        db.session.commit()
    if user is None:
        session.pop(SESSION_KEY, None)
        flash(_("Phiên làm việc đã hết hạn. Vui lòng đăng nhập lại."), "error")
        return
    g.staff_user = user


def current_user() -> StaffUser | None:
    """The signed-in staff user for this request, or None."""
    if "staff_user" not in g:
        load_signed_in_user()
    return g.staff_user


def current_token() -> str | None:
    return session.get(SESSION_KEY)


def guard_blueprint(bp: Blueprint, *roles: Role) -> None:
    """Require sign-in for every route of ``bp``, and one of ``roles`` (admin always passes).

    Anonymous visitors are redirected to the login page; a signed-in user without the role gets
    403; a user whose password was set by someone else is sent to change it first.
    """
    allowed = {Role.ADMIN, *roles}

    @bp.before_request
    def _require_role():
        user = current_user()
        if user is None:
            return redirect(url_for("auth.login", next=request.path))
        if user.role not in allowed:
            abort(403)
        g.staff_allowed_roles = allowed
        if user.must_change_password and request.endpoint != PASSWORD_ENDPOINT:
            # A password someone else set (printed once, or reset by an admin) opens nothing
            # but the page to choose one's own.
            flash(_("Mật khẩu của bạn do người khác đặt (in ra hoặc cấp lại). Hãy đặt mật khẩu "
                    "của riêng bạn trước khi tiếp tục."), "error")
            return redirect(url_for(PASSWORD_ENDPOINT))
