from flask import Blueprint

from survey.auth.access import guard_blueprint
from survey.models import Role  # noqa: F401

bp = Blueprint("analyst", __name__)
guard_blueprint(bp, Role.ANALYST)


@bp.before_request
def _release_due_batches() -> None:
    """Let a due batch of the holding pool into the results before any of them is shown."""
    from survey.extensions import db
    from survey.services.pool import release_if_due

    release_if_due(db.session)

from survey.analyst import routes  # noqa: E402,F401  (routes register themselves on bp)
from survey.analyst import coding  # noqa: E402,F401
