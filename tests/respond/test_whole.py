"""The whole questionnaire in one document, for browsers whose page script runs (``js=1``):
the same answers, checks, reach counts and fallbacks as the page-by-page flow, in 3 requests
per complete instead of 11. On SQLite and PostgreSQL."""
from __future__ import annotations

import gzip
import re

import pytest
from sqlalchemy import select

from survey.extensions import db
from survey.models import Draft, PageReach, Response, ResponsePool
from tests.helpers import csrf_from, open_draft
from tests.respond.support import Respondent, make_rich_campaign, stored, where
from tests.respond.test_flow import PAGE1, PAGE2, PAGE3, complete, error_of

EVERYTHING = {**PAGE1, **PAGE2, **PAGE3}
SHOWN = "age cat fields freq grade grade:1 head idea rank"  # what the script reports for these answers


@pytest.fixture
def rich(any_app):
    with any_app.app_context():
        make_rich_campaign()
    return any_app


def start(client):
    """Intro, then the start form as the page script sends it; returns the document's HTML."""
    html = client.get("/s/thu").get_data(as_text=True)
    assert 'name="js"' in html and "respond.js" in html
    response = client.post("/s/thu/start", data={"csrf_token": csrf_from(html), "js": "1"})
    assert response.status_code == 200 and where(response) == "/s/thu/all"
    return response.get_data(as_text=True)


def send(client, html, data, action="next", shown=SHOWN, **extra):
    form = {"csrf_token": csrf_from(html), "js": "1", "action": action, "_shown": shown,
            **data, **extra}
    return client.post("/s/thu/all", data=form)


def test_start_answers_with_every_page_in_one_document(rich):
    html = start(rich.test_client())
    assert re.findall(r'<section class="pg" id="p-(\d)" data-p="\1"', html) == ["1", "2", "3"]
    # The page condition goes to the script on its section; nothing is answered yet, so page 2
    # (for công chức only) starts hidden; option filters are all left to the script.
    assert re.search(r'<section class="pg" id="p-2" data-p="2" data-rel="[^"]*cat[^"]*" hidden>',
                     html)
    assert 'action="/s/thu/all"' in html and "pages.js" in html and 'data-open="1"' in html
    assert 'data-o="grade:1"' in html and 'data-o="grade:11"' in html


def test_one_document_stores_what_the_page_flow_stores(rich):
    client = rich.test_client()
    html = start(client)
    review = send(client, html, EVERYTHING)
    assert review.status_code == 200 and where(review) == "/s/thu/review"
    page = review.get_data(as_text=True)
    done = client.post("/s/thu/submit", data={
        "csrf_token": csrf_from(page), "st": re.search(r'name="st" value="([^"]+)"', page).group(1)})
    assert where(done) == "/s/thu/done"
    complete(rich.test_client())  # the same answers page by page
    one_document, page_by_page = stored(rich)
    assert one_document == page_by_page and one_document["fields"][1][3] == "Thuế"
    with rich.app_context():
        # Every step was counted once per respondent, whichever way they came.
        counts = dict(db.session.execute(select(PageReach.page, PageReach.count)).all())
        assert counts == {0: 2, 1: 2, 2: 2, 3: 2, 4: 2}
        # The monitor's funnel (issue 25): the document's "Gửi" passes the review step as the
        # review's "Gửi" does, so both respondents reach every step and nobody drops off.
        from survey.models import Campaign
        from survey.services.monitor import page_funnel
        funnel = page_funnel(db.session, db.session.scalar(select(Campaign)), complete=2)
        assert [step.reached for step in funnel] == [2, 2, 2, 2, 2]
        assert db.session.scalars(select(Draft)).all() == []


def test_a_skipped_page_sends_nothing_that_is_kept(rich):
    client = rich.test_client()
    html = start(client)
    # A viên chức: page 2 is skipped; its fields (as a browser without the script sends them)
    # are dropped, as on the page-by-page flow.
    data = {**EVERYTHING, "cat": "2", "grade": "11"}
    assert where(send(client, html, data, shown="age cat grade grade:11 head idea rank")) \
        == "/s/thu/review"
    with rich.app_context():
        draft = open_draft(client)
        assert "fields" not in draft.answers and "freq" not in draft.answers
        assert draft.answers["grade"] == 11 and draft.furthest_page == 4


def test_an_error_shows_its_page_alone_and_keeps_every_answer(rich):
    client = rich.test_client()
    html = start(client)
    data = {key: value for key, value in EVERYTHING.items() if key != "freq.r2"}
    response = send(client, html, data)
    assert response.status_code == 422 and where(response) == "/s/thu/p/2"
    assert error_of(response.get_data(as_text=True), "freq") == "Vui lòng trả lời tất cả các dòng."
    with rich.app_context():
        draft = open_draft(client)
        assert draft.page == 2 and draft.answers["idea"] == "Giao việc rõ"  # page 3 kept
    # From there the page-by-page flow carries on.
    r = Respondent(client, "thu")
    assert where(r.answer(2, PAGE2)) == "/s/thu/p/3"
    assert 'value="Giao việc rõ"' in r.get("/s/thu/p/3").get_data(as_text=True)  # kept
    assert where(r.answer(3, PAGE3)) == "/s/thu/review"


def test_a_follow_up_the_respondent_has_not_seen_stops_on_its_page(rich):
    client = rich.test_client()
    html = start(client)
    response = send(client, html, {**EVERYTHING, "head": "1", "staff": "12"})
    assert response.status_code == 200 and where(response) == "/s/thu/p/1"
    assert 'class="note-box"' in response.get_data(as_text=True)


def test_keep_saves_answers_and_the_page_reached_without_checking(rich):
    client = rich.test_client()
    html = start(client)
    response = send(client, html, {"cat": "1", "age": "300"}, action="keep", p="2")
    assert response.status_code == 204
    with rich.app_context():
        draft = open_draft(client)
        assert draft.answers == {"cat": 1, "age": 300} and draft.page == 2 and draft.furthest_page == 2
        counts = dict(db.session.execute(select(PageReach.page, PageReach.count)).all())
        assert counts == {0: 1, 1: 1, 2: 1}
    again = client.get("/s/thu/all").get_data(as_text=True)  # a reload: back where they were
    assert 'data-open="2"' in again and 'id="f-cat-1" name="cat" value="1" checked' in again


def test_save_in_the_document_gives_a_resume_code(rich):
    client = rich.test_client()
    html = start(client)
    response = send(client, html, {"cat": "1"}, action="save", p="1")
    assert response.status_code == 200 and re.search(r'id="rc"[^>]*value="[A-Z0-9-]{14}"',
                                                     response.get_data(as_text=True))


def test_client_paging_can_be_switched_off(rich):
    rich.config["RESPOND_CLIENT_PAGING"] = False
    client = rich.test_client()
    html = client.get("/s/thu").get_data(as_text=True)
    response = client.post("/s/thu/start", data={"csrf_token": csrf_from(html), "js": "1"})
    assert where(response) == "/s/thu/p/1"


def test_respondent_pages_travel_gzipped_when_the_browser_accepts_it(rich):
    client = rich.test_client()
    plain = client.get("/s/thu")
    packed = client.get("/s/thu", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert "Content-Encoding" not in plain.headers and "Accept-Encoding" in plain.headers["Vary"]
    assert packed.headers["Content-Encoding"] == "gzip"
    assert int(packed.headers["Content-Length"]) == len(packed.data) < len(plain.data)
    token = re.compile(r'value="[^"]{40,}"')
    assert token.sub("", gzip.decompress(packed.data).decode()) == token.sub("", plain.get_data(as_text=True))
    staff = client.get("/login", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in staff.headers  # staff pages: no compression beside secrets


def test_back_from_the_review_reopens_the_document_at_its_last_page(rich):
    client = rich.test_client()
    html = start(client)
    assert where(send(client, html, EVERYTHING)) == "/s/thu/review"
    again = client.get("/s/thu/all").get_data(as_text=True)  # the browser's Back re-loads it
    assert 'data-open="3"' in again and 'value="Giao việc rõ"' in again


def token_of(html: str) -> str:
    return re.search(r'name="st" value="([^"]+)"', html).group(1)


def test_send_stores_the_response_at_once_and_a_double_tap_stores_it_once(rich):
    client = rich.test_client()
    html = start(client)
    assert 'value="send"' in html and 'id="next" hidden' in html  # without the script: "Gửi"
    done = send(client, html, EVERYTHING, action="send", st=token_of(html))
    assert done.status_code == 200 and where(done) == "/s/thu/done"
    assert "Cảm ơn anh/chị" in done.get_data(as_text=True)
    assert "rt=;" in done.headers["Set-Cookie"]  # the draft cookie is cleared
    again = send(client, html, EVERYTHING, action="send", st=token_of(html))
    assert where(again) == "/s/thu/done"
    complete(rich.test_client())
    one_document, page_by_page = stored(rich)
    assert one_document == page_by_page
    with rich.app_context():
        assert len(db.session.scalars(select(Response)).all()) == 2
        counts = dict(db.session.execute(select(PageReach.page, PageReach.count)).all())
        assert counts == {0: 2, 1: 2, 2: 2, 3: 2, 4: 2}
        # The monitor's funnel (issue 25): the document's "Gửi" passes the review step as the
        # review's "Gửi" does, so both respondents reach every step and nobody drops off.
        from survey.models import Campaign
        from survey.services.monitor import page_funnel
        funnel = page_funnel(db.session, db.session.scalar(select(Campaign)), complete=2)
        assert [step.reached for step in funnel] == [2, 2, 2, 2, 2]


def test_send_with_a_problem_stores_nothing_and_shows_its_page(rich):
    client = rich.test_client()
    html = start(client)
    data = {key: value for key, value in EVERYTHING.items() if key != "age"}
    response = send(client, html, data, action="send", st=token_of(html))
    assert response.status_code == 422 and where(response) == "/s/thu/p/1"
    assert error_of(response.get_data(as_text=True), "age") == "Vui lòng trả lời câu hỏi này."
    with rich.app_context():
        assert db.session.scalars(select(Response)).all() == []
        assert db.session.scalars(select(ResponsePool)).all() == []
        assert open_draft(client).answers["idea"] == "Giao việc rõ"


def test_send_without_a_valid_token_is_refused(rich):
    client = rich.test_client()
    html = start(client)
    assert send(client, html, EVERYTHING, action="send", st="short").status_code == 400
    with rich.app_context():
        assert db.session.scalars(select(Response)).all() == []


def test_continue_from_the_introduction_reopens_the_document(rich):
    client = rich.test_client()
    html = start(client)
    assert send(client, html, {"cat": "1", "age": "30"}, action="keep", p="2").status_code == 204
    intro = client.get("/s/thu").get_data(as_text=True)
    # "Tiếp tục trả lời" is a form: with the script it reopens the document at the page reached,
    # without it the page-by-page flow goes on from there.
    assert "Tiếp tục trả lời" in intro and 'name="js"' in intro
    again = client.post("/s/thu/start", data={"csrf_token": csrf_from(intro), "js": "1"})
    assert again.status_code == 200 and where(again) == "/s/thu/all"
    page = again.get_data(as_text=True)
    assert 'data-open="2"' in page and 'id="f-cat-1" name="cat" value="1" checked' in page
    plain = client.post("/s/thu/start", data={"csrf_token": csrf_from(intro), "js": ""})
    assert plain.status_code == 303 and where(plain) == "/s/thu/p/2"
    with rich.app_context():
        assert len(db.session.scalars(select(Draft)).all()) == 1  # no second draft


def test_a_resume_code_reopens_the_document_for_the_script(rich):
    client = rich.test_client()
    html = start(client)
    saved = send(client, html, {"cat": "1"}, action="save", p="1").get_data(as_text=True)
    code = re.search(r'id="rc"[^>]*value="([A-Z0-9-]{14})"', saved).group(1)
    for js, expected in (("1", "/s/thu/all"), ("", "/s/thu/p/1")):
        other = rich.test_client()  # another device
        form = other.get("/s/thu/resume").get_data(as_text=True)
        assert 'name="js"' in form and "respond.js" in form
        response = other.post("/s/thu/resume", data={"csrf_token": csrf_from(form), "code": code,
                                                      "js": js})
        assert response.status_code == 303 and where(response) == expected
        if js:
            assert 'id="f-cat-1" name="cat" value="1" checked' in \
                other.get("/s/thu/all").get_data(as_text=True)


def test_a_resume_code_reopens_where_the_respondent_saved(rich):
    """Issue 25, point 9: "Lưu để trả lời sau" on page 3 of the document, then the resume code
    on another device reopens page 3 (the document with the script, the page without), not
    page 1."""
    client = rich.test_client()
    html = start(client)
    saved = send(client, html, {**PAGE1, **PAGE2}, action="save", p="3").get_data(as_text=True)
    code = re.search(r'id="rc"[^>]*value="([A-Z0-9-]{14})"', saved).group(1)
    assert "/s/thu/p/3" in saved  # "Trả lời tiếp ngay"
    for js, expected in (("1", "/s/thu/all"), ("", "/s/thu/p/3")):
        other = rich.test_client()
        form = other.get("/s/thu/resume").get_data(as_text=True)
        response = other.post("/s/thu/resume", data={"csrf_token": csrf_from(form), "code": code,
                                                      "js": js})
        assert response.status_code == 303 and where(response) == expected
        if js:
            assert 'data-open="3"' in other.get("/s/thu/all").get_data(as_text=True)
        else:
            assert other.get(expected).status_code == 200
