"""The data model: random response ids, dates only, and cross-tabulation as a GROUP BY."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from survey.extensions import db
from survey.models import Answer, Response, ResponseStatus
from tests.helpers import make_campaign


def _respond(campaign, level: int, q1: int, status=ResponseStatus.COMPLETE) -> Response:
    response = Response(campaign_id=campaign.id, version_id=campaign.version_id,
                        submitted_on=date(2026, 11, 2), status=status)
    response.answers = [Answer(variable="level", code=level), Answer(variable="q1", code=q1)]
    db.session.add(response)
    return response


def test_crosstab_is_a_group_by_in_the_database(any_app):
    """q1 × level counted by the database: a self-join of answers on the response id."""
    with any_app.app_context():
        campaign = make_campaign()
        cells = {(1, 1): 3, (1, 2): 1, (2, 1): 2, (3, 3): 4}
        for (level, q1), n in cells.items():
            for _ in range(n):
                _respond(campaign, level, q1)
        _respond(campaign, 1, 1, status=ResponseStatus.PARTIAL)  # never counted
        db.session.commit()

        item, banner = aliased(Answer), aliased(Answer)
        query = (
            select(banner.code, item.code, func.count())
            .select_from(item)
            .join(banner, (banner.response_id == item.response_id) & (banner.variable == "level"))
            .join(Response, Response.id == item.response_id)
            .where(item.variable == "q1", Response.campaign_id == campaign.id,
                   Response.status == ResponseStatus.COMPLETE)
            .group_by(banner.code, item.code)
        )
        result = {(lvl, q): n for lvl, q, n in db.session.execute(query)}
        assert result == cells


def test_response_ids_are_random_and_carry_only_a_date(any_app):
    with any_app.app_context():
        campaign = make_campaign()
        responses = [_respond(campaign, 1, 1) for _ in range(50)]
        db.session.commit()
        ids = [r.id for r in responses]
        assert len(set(ids)) == 50
        assert all(len(i) == 32 for i in ids)
        assert ids != sorted(ids)  # not monotonic: insertion order is not recoverable from ids
        columns = {c.name for c in Response.__table__.columns}
        assert columns == {"id", "campaign_id", "version_id", "status", "submitted_on", "mode"}
        assert isinstance(db.session.scalar(select(Response.submitted_on).limit(1)), date)
