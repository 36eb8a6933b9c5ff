"""Printing (staff: admins and designers): the paper questionnaire of a published version and
access-code slips, as A4 PDFs printed by Debian's Chromium (``survey.services.paper_print``).
One guarded blueprint; the designer's version page links here."""
from flask import Blueprint

from survey.auth.access import guard_blueprint
from survey.models import Role

bp = Blueprint("paper", __name__)
guard_blueprint(bp, Role.DESIGNER)

from survey.paper import routes  # noqa: E402,F401  (routes register themselves on bp)
