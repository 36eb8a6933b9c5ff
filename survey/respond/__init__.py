from flask import Blueprint

bp = Blueprint("respond", __name__)

from survey.respond import routes  # noqa: E402,F401  (routes register themselves on bp)
