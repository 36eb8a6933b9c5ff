"""Who is signed in, and the guard every staff blueprint installs.

The guard runs in ``before_request`` for a whole blueprint, so no route can forget it; a test
walks the URL map to prove it.
"""
from __future__ import annotations

from flask import Blueprint, abort, g, redirect, request, session, url_for

from survey.extensions import db
from survey.models import Role, StaffUser


def current_user() -> StaffUser | None:
    """The signed-in staff user for this request, or None."""
    if "staff_user" not in g:
        user = None
        user_id = session.get("staff_user_id")
        if user_id is not None:
            user = db.session.get(StaffUser, user_id)
            if user is None or not user.active:
                session.pop("staff_user_id", None)
                user = None
        g.staff_user = user
    return g.staff_user


def guard_blueprint(bp: Blueprint, *roles: Role) -> None:
    """Require sign-in for every route of ``bp``, and one of ``roles`` (admin always passes).

    Anonymous visitors are redirected to the login page; a signed-in user without the role gets
    403.
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
