"""Staff sign-in (public pages) and the signed-in user's own account (guarded sub-blueprint)."""
from flask import Blueprint

from survey.auth.access import guard_blueprint, load_signed_in_user
from survey.models import Role

bp = Blueprint("auth", __name__)
bp.before_app_request(load_signed_in_user)

# Pages every signed-in staff member may use on their own account (change password).
account_bp = Blueprint("account", __name__)
guard_blueprint(account_bp, Role.DESIGNER, Role.ANALYST, Role.DATA_ENTRY)

from survey.auth import routes  # noqa: E402,F401  (routes register themselves on bp)

bp.register_blueprint(account_bp, url_prefix="/account")
