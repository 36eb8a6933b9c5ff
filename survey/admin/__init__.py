"""Administration: staff accounts and the audit log. Admins only."""
from flask import Blueprint

from survey.auth.access import guard_blueprint

bp = Blueprint("admin", __name__)
guard_blueprint(bp)

from survey.admin import routes  # noqa: E402,F401  (routes register themselves on bp)
