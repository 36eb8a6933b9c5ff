"""Staff sign-in and sign-out."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from survey.auth import bp
from survey.auth.access import current_user
from survey.auth.forms import LoginForm
from survey.extensions import db
from survey.models import Role
from survey.models.base import utcnow
from survey.services.accounts import authenticate
from survey.services.audit import record

HOME_BY_ROLE = {
    Role.ADMIN: "admin.index",
    Role.DESIGNER: "designer.index",
    Role.ANALYST: "analyst.index",
}


def _safe_next(target: str | None) -> str | None:
    if target and target.startswith("/staff") and not target.startswith("//"):
        return target
    return None


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(db.session, form.username.data, form.password.data)
        if user is None:
            flash(_("Tên đăng nhập hoặc mật khẩu không đúng."), "error")
        else:
            session.clear()
            session["staff_user_id"] = user.id
            session.permanent = True
            user.last_login_at = utcnow()
            record(db.session, user, "auth.login", f"user:{user.id}")
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")) or url_for(HOME_BY_ROLE[user.role]))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    session.pop("staff_user_id", None)
    return redirect(url_for("auth.login"))


@bp.route("/")
def home():
    user = current_user()
    if user is None:
        return redirect(url_for("auth.login"))
    return redirect(url_for(HOME_BY_ROLE[user.role]))
