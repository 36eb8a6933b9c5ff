"""Partial responses (issue 25, point 4): "Gửi phần đã trả lời" sends an unfinished
questionnaire, by the respondent's choice, through exactly the path of a complete one (one-time
token, receipt, access code spent, holding pool, release in batches), stored with status
``partial`` and only the answers given. Abandoned drafts stay unreadable: nothing else is a
partial response. On SQLite and PostgreSQL."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from survey.extensions import db
from survey.models import AccessCode, AccessMode, Campaign, Draft, Response, ResponsePool
from survey.models import ResponseStatus
from survey.services.access_codes import generate_batch
from survey.services.monitor import status_counts
from tests.helpers import csrf_from, release_all
from tests.respond.support import Respondent, make_rich_campaign, stored, where
from tests.respond.test_flow import PAGE1, PAGE2
from tests.respond.test_whole import send, start


@pytest.fixture
def rich(any_app):
    with any_app.app_context():
        make_rich_campaign()
    return any_app


def confirm(r: Respondent, number: int, data: dict) -> str:
    """"Gửi phần đã trả lời" on page ``number``: the confirmation page."""
    response = r.answer(number, data, action="partial")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Gửi phần đã trả lời?" in html
    return html


def send_partial(client, html: str, **extra):
    form = {"csrf_token": csrf_from(html),
            "st": re.search(r'name="st" value="([^"]+)"', html).group(1), "action": "send"}
    form.update(extra)
    return client.post("/s/thu/partial", data=form)


def counts(app):
    with app.app_context():
        campaign = db.session.scalar(select(Campaign))
        return status_counts(db.session, [campaign.id])[campaign.id]


def test_offered_from_the_second_page_with_a_confirmation(rich):
    r = Respondent(rich.test_client(), "thu")
    r.start()
    assert 'value="partial"' not in r.get("/s/thu/p/1").get_data(as_text=True)
    r.answer(1, PAGE1)
    assert 'value="partial"' in r.get("/s/thu/p/2").get_data(as_text=True)
    html = confirm(r, 2, {"fields": ["2"]})
    # what will be sent: page 1 and the answer just given on page 2; the rest left empty
    assert "Công chức" in html and "Xây dựng" in html and "(chưa trả lời)" in html
    assert "không thể sửa hay bổ sung" in html and "phiếu chưa hoàn thành" in html
    assert 'action="/s/thu/partial"' in html and "Nguyên nhân" not in html  # page 3 not reached


def test_a_partial_goes_through_the_pool_with_its_status_and_the_answers_given(rich):
    client = rich.test_client()
    r = Respondent(client, "thu")
    r.start()
    r.answer(1, PAGE1)
    r.answer(2, PAGE2)
    # page 3: a valid rank 1 and an idea too long (its rule fails): the idea is left out
    html = confirm(r, 3, {"rank.rank.1": "2", "idea": "x" * 21})
    done = send_partial(client, html)
    assert done.status_code == 200 and where(done) == "/s/thu/done"
    assert "rt=;" in done.headers["Set-Cookie"]
    assert send_partial(client, html).status_code == 200  # a double tap: the thank-you again
    with rich.app_context():
        assert db.session.scalar(select(Draft)) is None
        [held] = db.session.scalars(select(ResponsePool)).all()
        assert db.session.scalars(select(Response)).all() == []
    waiting = counts(rich)
    assert (waiting.partial, waiting.waiting, waiting.waiting_partial) == (0, 1, 1)
    [answers] = stored(rich)  # released (with everything=True, as the daily release would)
    assert answers == {
        "cat": [(0, 1, None, None)], "grade": [(0, 1, None, None)], "age": [(0, None, 30.0, None)],
        "head": [(0, 2, None, None)], "fields": [(1, 1, None, None), (2, 13, None, "Thuế")],
        "freq.r1": [(0, 1, None, None)], "freq.r2": [(0, 2, None, None)],
        "rank": [(1, 2, 1.0, None)]}
    with rich.app_context():
        [response] = db.session.scalars(select(Response)).all()
        assert response.status == ResponseStatus.PARTIAL
    after = counts(rich)
    assert (after.complete, after.partial, after.waiting) == (0, 1, 0)


def test_not_offered_on_the_first_page_nor_without_a_token(rich):
    client = rich.test_client()
    r = Respondent(client, "thu")
    r.start()
    # "partial" from page 1 is not offered: the page flow goes on as "Tiếp tục" would
    assert "Gửi phần đã trả lời?" not in r.answer(1, PAGE1, action="partial").get_data(as_text=True)
    html = confirm(r, 2, {})
    assert send_partial(client, html, st="").status_code == 400
    no_csrf = client.post("/s/thu/partial", data={"st": "x" * 32, "action": "send"})
    assert no_csrf.status_code == 400
    with rich.app_context():
        assert db.session.scalars(select(ResponsePool)).all() == []
        assert db.session.scalar(select(Draft)) is not None


def test_back_from_the_confirmation_keeps_every_answer(rich):
    client = rich.test_client()
    r = Respondent(client, "thu")
    r.start()
    r.answer(1, PAGE1)
    html = confirm(r, 2, {"fields": ["2"]})
    back = client.post("/s/thu/partial", data={"csrf_token": csrf_from(html), "action": "back"})
    assert back.status_code == 303 and where(back).endswith("/s/thu/p/2")
    assert re.search(r'id="f-fields-2"[^>]*checked', client.get("/s/thu/p/2").get_data(as_text=True))


def test_the_one_document_sends_a_partial_from_the_page_reached(rich):
    client = rich.test_client()
    html = start(client)
    on_first = send(client, html, {"cat": "1"}, action="partial", p="1")
    assert "Gửi phần đã trả lời?" not in on_first.get_data(as_text=True)
    confirmation = send(client, html, {**PAGE1, "fields": ["3"]}, action="partial", p="2")
    page = confirmation.get_data(as_text=True)
    assert "Gửi phần đã trả lời?" in page and "Y tế" in page
    assert where(send_partial(client, page)) == "/s/thu/done"
    [answers] = stored(rich)
    assert answers["fields"] == [(1, 3, None, None)] and "rank" not in answers


def test_an_access_code_is_spent_by_a_partial(any_app):
    with any_app.app_context():
        campaign = make_rich_campaign(access_mode=AccessMode.CODE)
        _batch, codes = generate_batch(db.session, campaign, 5, label="Sở")
        db.session.commit()
    client = any_app.test_client()
    r = Respondent(client, "thu")
    r.start(codes[0])
    r.answer(1, PAGE1)
    assert where(send_partial(client, confirm(r, 2, PAGE2))) == "/s/thu/done"
    with any_app.app_context():
        assert len([c for c in db.session.scalars(select(AccessCode)) if c.used]) == 1
    again = Respondent(any_app.test_client(), "thu")
    assert again.start(codes[0]).status_code == 409
    release_all(any_app)
