"""Paper data entry (staff): keying paper sheets twice, comparing, adjudicating; boxes,
settings and keyer statistics for the supervisor.

Two guarded sub-blueprints under one URL prefix, so each role check covers a whole blueprint:

* ``entry.key`` (admin, designer, data entry): the campaigns open for paper entry, the entry
  screen, the comparison list and adjudication. A data-entry clerk reaches every campaign whose
  paper entry is open; a designer only the campaigns they manage.
* ``entry.supervise`` (admin, designer managing the campaign): opening paper entry and its
  verification share, boxes, keyer statistics, discarding an abandoned keying.

The parent blueprint has no routes of its own.
"""
from flask import Blueprint

from survey.auth.access import guard_blueprint
from survey.models import Role

bp = Blueprint("entry", __name__)

key_bp = Blueprint("key", __name__)
guard_blueprint(key_bp, Role.DESIGNER, Role.DATA_ENTRY)

supervise_bp = Blueprint("supervise", __name__)
guard_blueprint(supervise_bp, Role.DESIGNER)

from survey.entry import routes, supervise  # noqa: E402,F401  (routes register themselves)

bp.register_blueprint(key_bp)
bp.register_blueprint(supervise_bp)
