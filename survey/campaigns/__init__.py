"""Campaigns, access codes and the fieldwork monitor (staff).

Two guarded sub-blueprints under one URL prefix, so each role check covers a whole blueprint and
no route can forget it:

* ``campaigns.manage`` (admin, designer): list, create, edit, targets, close/reopen, access
  codes, QR codes;
* ``campaigns.monitor`` (admin, designer, analyst): the read-only fieldwork monitor. Analysts
  need it to know when the sample is big enough, but change nothing.

The parent blueprint has no routes of its own.
"""
from flask import Blueprint

from survey.auth.access import guard_blueprint
from survey.models import Role

bp = Blueprint("campaigns", __name__)

manage_bp = Blueprint("manage", __name__)
guard_blueprint(manage_bp, Role.DESIGNER)

monitor_bp = Blueprint("monitor", __name__)
guard_blueprint(monitor_bp, Role.DESIGNER, Role.ANALYST)


@monitor_bp.before_request
def _release_due_batches() -> None:
    """Let a due batch of the holding pool into the results before any of them is shown."""
    from survey.extensions import db
    from survey.services.pool import release_if_due

    release_if_due(db.session)

from survey.campaigns import imports, monitor, routes  # noqa: E402,F401  (routes register themselves)

bp.register_blueprint(manage_bp)
bp.register_blueprint(monitor_bp)
