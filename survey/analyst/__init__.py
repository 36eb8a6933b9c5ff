from flask import Blueprint

from survey.auth.access import guard_blueprint
from survey.models import Role  # noqa: F401

bp = Blueprint("analyst", __name__)
guard_blueprint(bp, Role.ANALYST)

from survey.analyst import routes  # noqa: E402,F401  (routes register themselves on bp)
from survey.analyst import coding  # noqa: E402,F401
