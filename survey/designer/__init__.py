from flask import Blueprint

from survey.auth.access import guard_blueprint
from survey.models import Role  # noqa: F401

bp = Blueprint("designer", __name__)
guard_blueprint(bp, Role.DESIGNER)

from survey.designer import routes  # noqa: E402,F401  (routes register themselves on bp)
from survey.designer import report_outline  # noqa: E402,F401
