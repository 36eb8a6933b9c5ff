"""Staff sign-in, sign-out and the change-own-password page.

Signing in rotates the session: the old cookie content is dropped (only the language choice is
kept) and a fresh server-side session token is issued. Signing out deletes the server-side
session, so a copy of the old cookie is worthless.
"""
from __future__ import annotations

import math

from flask import (current_app, flash, redirect, render_template, request, session, url_for)
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from survey.auth import account_bp, bp
from survey.auth.access import SESSION_KEY, current_token, current_user
from survey.auth.forms import LoginForm, PasswordChangeForm
from survey.services.login_throttle import DEVICE_COOKIE, DEVICE_MAX_AGE, throttle_for
from survey.extensions import db
from survey.models import Role, StaffUser
from survey.models.base import utcnow
from survey.services.accounts import (authenticate, change_own_password, end_session,
                                      start_session)
from survey.services.audit import record
from survey.services.errors import ServiceError

HOME_BY_ROLE = {
    Role.ADMIN: "admin.index",
    Role.DESIGNER: "designer.index",
    Role.ANALYST: "analyst.index",
    Role.DATA_ENTRY: "entry.key.index",
}


def _safe_next(target: str | None) -> str | None:
    if target and target.startswith("/staff") and not target.startswith("//") \
            and "\\" not in target:
        return target
    return None


def _reset_cookie_session() -> None:
    """Empty the cookie session but keep the visitor's language choice."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def _begin_session(user: StaffUser) -> None:
    old = session.get(SESSION_KEY)
    if old:
        end_session(db.session, old)
    _reset_cookie_session()
    session[SESSION_KEY] = start_session(db.session, user)
    session.permanent = True


@bp.after_app_request
def _no_store_for_staff_pages(response: Response) -> Response:
    """Staff pages are never cached, so Back after sign-out shows nothing."""
    if request.path.startswith("/staff"):
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        throttle = throttle_for(current_app.config, db.session)
        username, address = form.username.data, request.remote_addr or ""
        device = throttle.device(username, request.cookies.get(DEVICE_COOKIE))
        verdict = throttle.attempt(username, address, device)  # counted before any check
        if not verdict.allowed:
            status = 429
            flash(_("Đã có quá nhiều lần đăng nhập không thành công. Vui lòng thử lại sau "
                    "%(minutes)s phút.", minutes=math.ceil(verdict.retry_after / 60)), "error")
        else:
            user = authenticate(db.session, username, form.password.data)
            if user is None:
                db.session.rollback()
                if throttle.used_up(username, address, device):
                    _record_lockout(username)
                flash(_("Tên đăng nhập hoặc mật khẩu không đúng."), "error")
            else:
                throttle.succeeded(verdict, username, address, device)
                _begin_session(user)
                user.last_login_at = utcnow()
                record(db.session, user, "auth.login", f"user:{user.id}")
                db.session.commit()
                if user.must_change_password:
                    target = url_for("auth.account.password")
                else:
                    target = _safe_next(request.args.get("next")) \
                        or url_for(HOME_BY_ROLE[user.role])
                response = redirect(target)
                _remember_device(response, throttle, user.username)
                return response
    return render_template("auth/login.html", form=form), status


def _remember_device(response: Response, throttle, username: str) -> None:
    """Give this browser a device cookie for the account: its later attempts are counted on
    their own, so strangers' failures never keep the owner out of it (survey.services.login_throttle)."""
    token = throttle.device_token(username, request.cookies.get(DEVICE_COOKIE))
    response.set_cookie(DEVICE_COOKIE, token, max_age=DEVICE_MAX_AGE, path="/staff",
                        httponly=True, samesite="Lax",
                        secure=request.is_secure or current_app.config["SESSION_COOKIE_SECURE"])


def _record_lockout(username: str) -> None:
    """Audit a lockout of an existing account (never the typed name of an unknown one: people
    sometimes type their password into the name field)."""
    user = db.session.scalar(select(StaffUser).where(StaffUser.username == username.strip()))
    if user is not None:
        record(db.session, None, "auth.lockout", f"user:{user.id}", {"username": user.username})
        db.session.commit()


@bp.route("/logout", methods=["POST"])
def logout():
    user, token = current_user(), current_token()
    if token:
        end_session(db.session, token)
    if user is not None:
        record(db.session, user, "auth.logout", f"user:{user.id}")
    db.session.commit()
    _reset_cookie_session()
    flash(_("Bạn đã đăng xuất."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/")
def home():
    user = current_user()
    if user is None:
        return redirect(url_for("auth.login"))
    return redirect(url_for(HOME_BY_ROLE[user.role]))


@account_bp.route("/password", methods=["GET", "POST"])
def password():
    """Change one's own password; every other signed-in browser of the account is signed out."""
    form = PasswordChangeForm()
    user = current_user()
    if form.validate_on_submit():
        try:
            change_own_password(db.session, user, form.current.data, form.new.data,
                                keep_token=current_token())
        except ServiceError as exc:
            db.session.rollback()
            field = form.current if exc.field == "current" else form.new
            field.errors = [*field.errors, exc.translated()]
        else:
            db.session.commit()
            flash(_("Đã đổi mật khẩu. Các phiên đăng nhập khác của bạn đã bị đăng xuất."), "info")
            return redirect(url_for("auth.home"))
    return render_template("auth/password.html", form=form)
