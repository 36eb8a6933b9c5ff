from flask import Blueprint

from survey.auth.access import guard_blueprint
from survey.models import Role

bp = Blueprint("designer", __name__)
guard_blueprint(bp, Role.DESIGNER)

# The view modules register their routes on bp when imported.
from survey.designer import (drafting, editors, questionnaires,  # noqa: E402,F401
                             report_outline, versions)
