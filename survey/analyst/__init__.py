from flask import Blueprint

from survey.auth.access import guard_blueprint
from survey.models import Role

bp = Blueprint("analyst", __name__)
guard_blueprint(bp, Role.ANALYST)


@bp.before_request
def _release_due_batches() -> None:
    """Let a due batch of the holding pool into the results before any of them is shown."""
    from survey.extensions import db
    from survey.services.pool import release_if_due

    release_if_due(db.session)

@bp.context_processor
def _synthetic_marking() -> dict:
    """``synthetic_data``: whether the campaign of this page has synthetic data only (the
    templates then show :data:`analysis.synthetic.NOTICE`, see analyst/_synthetic.html)."""
    from flask import request

    from analysis.synthetic import NOTICE
    from survey.extensions import db

    campaign_id = (request.view_args or {}).get("campaign_id")
    if campaign_id is None:
        return {"synthetic_notice": NOTICE}
    from analysis.synthetic import synthetic_only

    return {"synthetic_data": int(campaign_id) in synthetic_only(db.session, [campaign_id]),
            "synthetic_notice": NOTICE}

from survey.analyst import routes  # noqa: E402,F401  (routes register themselves on bp)
from survey.analyst import coding  # noqa: E402,F401
