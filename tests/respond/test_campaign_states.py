"""A campaign that stops taking answers refuses every respondent POST that would otherwise
succeed: forms with valid CSRF and one-time submission tokens, taken while it was open.

(The older test of closed campaigns posted a token from a page without one, so every POST was
refused as forged whatever the campaign's state; these tests hold real tokens.)
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from survey import clock
from survey.extensions import db
from survey.models import Campaign, Draft, Response
from survey.models.response import ResponsePool
from tests.helpers import csrf_from
from tests.respond.support import Respondent, make_rich_campaign

OPENS = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)
DURING = OPENS + timedelta(days=1)
ANSWERS = [{"cat": "1", "grade": "1", "age": "30", "head": "2"},
           {"fields": ["1", "13"], "fields.other": "Thuế", "freq.r1": "1", "freq.r2": "2"},
           {"rank.rank.1": "2", "rank.rank.2": "3", "idea": "Giao việc rõ"}]


def _counts(app) -> tuple[int, int, int]:
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(model))
                     for model in (Draft, ResponsePool, Response))


def _ready(app):
    """Two respondents while the campaign is open: one at the introduction (a valid CSRF
    token), one at the review (a draft, a valid CSRF token and a one-time submission token),
    whose whole-document form is ready too."""
    with clock.frozen(DURING):
        newcomer = Respondent(app.test_client(), "thu")
        intro = newcomer.get("/s/thu").get_data(as_text=True)
        started = Respondent(app.test_client(), "thu")
        started.start()
        for number, data in enumerate(ANSWERS, start=1):
            started.answer(number, data)
        review = started.get("/s/thu/review")
        assert review.status_code == 200
        html = review.get_data(as_text=True)
        submit_form = {"csrf_token": csrf_from(html),
                       "st": re.search(r'name="st" value="([^"]+)"', html).group(1)}
    return newcomer, csrf_from(intro), started, submit_form


def _refused(app, newcomer, intro_csrf, started, submit_form, status, text):
    before = _counts(app)
    start = newcomer.client.post("/s/thu/start", data={"csrf_token": intro_csrf})
    assert start.status_code == status and text in start.get_data(as_text=True)
    submit = started.client.post("/s/thu/submit", data=submit_form)
    assert submit.status_code == status and text in submit.get_data(as_text=True)
    whole = started.client.post("/s/thu/all", data=dict(submit_form, action="send", js="1"))
    assert whole.status_code == status
    assert _counts(app) == before  # no draft, nothing in the pool, no response


@pytest.fixture()
def campaign_app(any_app):
    with any_app.app_context():
        make_rich_campaign(opens_at=OPENS, closes_at=OPENS + timedelta(days=10))
    return any_app


def test_tokens_taken_while_open_are_valid(campaign_app):
    """The control: the same forms succeed while the campaign is open."""
    newcomer, intro_csrf, started, submit_form = _ready(campaign_app)
    with clock.frozen(DURING):
        start = newcomer.client.post("/s/thu/start", data={"csrf_token": intro_csrf})
        assert start.status_code == 200
        done = started.client.post("/s/thu/submit", data=submit_form)
        assert done.status_code == 200 and "/done" in done.get_data(as_text=True)
    assert _counts(campaign_app)[1] == 1


def test_a_closed_campaign_refuses_valid_forms(campaign_app):
    ready = _ready(campaign_app)
    with clock.frozen(OPENS + timedelta(days=11)):
        _refused(campaign_app, *ready, 410, "Đợt khảo sát đã kết thúc")


def test_a_campaign_not_yet_open_refuses_valid_forms(campaign_app):
    ready = _ready(campaign_app)
    with clock.frozen(OPENS - timedelta(days=1)):  # the opening date was moved later
        _refused(campaign_app, *ready, 403, "Đợt khảo sát chưa mở")


def test_a_full_campaign_refuses_valid_forms(campaign_app):
    ready = _ready(campaign_app)
    with clock.frozen(DURING):
        other = Respondent(campaign_app.test_client(), "thu")
        other.start()
        for number, data in enumerate(ANSWERS, start=1):
            other.answer(number, data)
        assert other.submit()[0].status_code == 200
        with campaign_app.app_context():
            db.session.scalar(select(Campaign)).max_responses = 1
            db.session.commit()
        _refused(campaign_app, *ready, 410, "đủ số phiếu")
