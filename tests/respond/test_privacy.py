"""Privacy made checkable: what the database holds after real submissions, cookies, external
requests; plus language, rate limits, purge, QR codes and the preview renderer."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import DateTime, inspect, select

from survey.extensions import db
from tests.helpers import release_all
from survey.models import Draft, Response, SubmissionReceipt
from tests.respond.support import Respondent, make_rich_campaign
from tests.respond.test_flow import PAGE1, PAGE2, PAGE3

RESPONDENT_TABLES = ("response", "answer", "draft", "submission_receipt", "page_reach")
FORBIDDEN = re.compile(r"ip|addr|agent|referr|ua$|host|device|time|_at$|token$|code$", re.I)


@pytest.fixture
def rich(any_app):
    with any_app.app_context():
        make_rich_campaign()
    return any_app


def test_respondent_tables_have_no_identifying_or_time_of_day_columns(rich):
    with rich.app_context():
        inspector = inspect(db.engine)
        for table in RESPONDENT_TABLES:
            for column in inspector.get_columns(table):
                name = column["name"]
                allowed = name in ("token_hash", "code_batch_id", "code", "resume_hash")
                assert allowed or not FORBIDDEN.search(name), f"{table}.{name}"
                assert not isinstance(column["type"], DateTime), f"{table}.{name} holds a time"


def test_database_after_submissions_holds_nothing_that_points_at_a_respondent(rich):
    tokens, cookies = [], []
    for _i in range(3):
        client = rich.test_client()
        r = Respondent(client, "thu")
        r.start()
        cookies.append(client.get_cookie("rt", path="/s/thu").value)
        r.answer(1, PAGE1)
        r.answer(2, PAGE2)
        r.answer(3, PAGE3)
        _response, token, _csrf = r.submit()
        tokens.append(token)
        # The draft cookie is cleared after submission.
        assert client.get_cookie("rt", path="/s/thu") is None
    with rich.app_context():
        release_all()
        ids = [row.id for row in db.session.scalars(select(Response))]
        assert len(ids) == 3 and all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)
        assert len({i[:6] for i in ids}) == 3  # random, not a counter or a time stamp
        for response in db.session.scalars(select(Response)):
            assert response.submitted_on == date.today() or \
                abs((response.submitted_on - date.today()).days) <= 1
            assert response.mode == "web"
        assert db.session.scalars(select(Draft)).all() == []
        assert len(db.session.scalars(select(SubmissionReceipt)).all()) == 3
        dump = "\n".join(str(row) for table in db.metadata.sorted_tables
                         for row in db.session.execute(table.select()))
    for secret in tokens + cookies:
        assert secret not in dump
    for forbidden in ("127.0.0.1", "Werkzeug", "localhost"):
        assert forbidden not in dump


def test_draft_cookie_is_httponly_lax_scoped_and_secure_under_https(rich):
    client = rich.test_client()
    Respondent(client, "thu").start()
    cookie = client.get_cookie("rt", path="/s/thu")
    assert cookie.http_only and cookie.same_site == "Lax" and cookie.path == "/s/thu"
    assert not cookie.secure
    secure = rich.test_client()
    page = secure.get("/s/thu", base_url="https://localhost")
    from tests.helpers import csrf_from
    assert page.headers["Referrer-Policy"] == "no-referrer"
    # What a browser sends under Referrer-Policy: no-referrer: no Referer; the token carries it.
    response = secure.post("/s/thu/start", base_url="https://localhost",
                           data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    header = response.headers["Set-Cookie"]
    assert "Secure" in header and "HttpOnly" in header and "SameSite=Lax" in header


def test_pages_request_nothing_from_other_servers(rich):
    r = Respondent(rich.test_client(), "thu")
    pages = [r.get("/s/thu").get_data(as_text=True), r.get("/s/thu/privacy").get_data(as_text=True)]
    r.start()
    pages.append(r.html())  # the first page, rendered in reply to the start
    for html in pages:
        for url in re.findall(r'(?:src|href|action)="([^"]+)"', html):
            assert url.startswith(("/", "#", "data:image/svg+xml,")), url  # the icon, written in
        assert "<script>" not in html and " style=" not in html  # no inline script or style


def test_privacy_page_in_vietnamese_and_english(rich):
    client = rich.test_client()
    html = client.get("/s/thu/privacy").get_data(as_text=True)
    assert "Không được lưu" in html and "Địa chỉ IP" in html and "14 ngày" in html
    html = client.get("/privacy?lang=en").get_data(as_text=True)
    assert "Not stored" in html and "IP address" in html and '<html lang="en">' in html


def test_english_switch_translates_the_flow(rich):
    client = rich.test_client()
    html = client.get("/s/thu?lang=en").get_data(as_text=True)
    assert "Our anonymity promise" in html and "Full test form" in html
    r = Respondent(client, "thu")
    r.start()
    html = r.html()  # page 1, rendered in reply to the start POST
    assert "Continue" in html and "EN Công chức" in html and "Page 1 of 2" in html
    # The switch points at the step's own GET URL, not at the POST that rendered it.
    assert 'href="/s/thu/p/1?lang=vi"' in html
    r.answer(1, PAGE1)
    assert 'href="/s/thu/p/2?lang=vi"' in r.html() and 'data-url="/s/thu/p/2"' in r.html()
    r.answer(1, dict(PAGE1, age="17"))
    assert "Please enter a number from 18 to 70." in r.html()
    html = client.get("/s/thu/p/1?lang=vi").get_data(as_text=True)
    assert "Tiếp tục" in html


def test_rate_limit_is_in_memory_and_answers_429(rich):
    rich.config["RESPOND_RATE_LIMIT"] = "4/minute"
    r = Respondent(rich.test_client(), "thu")
    r.start()
    statuses = [r.answer(1, PAGE1).status_code for _i in range(4)]
    assert statuses[:3] != [429] * 3 and statuses[-1] == 429
    assert "Quá nhiều yêu cầu" in r.html()


def test_purge_drafts_removes_expired_ones(rich):
    Respondent(rich.test_client(), "thu").start()
    Respondent(rich.test_client(), "thu").start()
    with rich.app_context():
        first = db.session.scalars(select(Draft)).first()
        first.expires_on = date.today() - timedelta(days=1)
        db.session.add(SubmissionReceipt(token_hash="a" * 64, used_on=date.today() - timedelta(days=90)))
        db.session.commit()
    result = rich.test_cli_runner().invoke(args=["respond", "purge-drafts"])
    assert result.exit_code == 0, result.output
    assert "Deleted 1 expired drafts and 1 old submission receipts" in result.output
    with rich.app_context():
        assert len(db.session.scalars(select(Draft)).all()) == 1
        assert db.session.scalars(select(SubmissionReceipt)).all() == []


def test_expired_draft_no_longer_opens(rich):
    client = rich.test_client()
    r = Respondent(client, "thu")
    r.start()
    with rich.app_context():
        draft = db.session.scalars(select(Draft)).one()
        draft.expires_on = date.today() - timedelta(days=1)
        db.session.commit()
    assert r.get("/s/thu/p/1").headers["Location"].endswith("/s/thu")


def test_qr_codes(rich):
    client = rich.test_client()
    svg = client.get("/s/thu/qr.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert b"<svg" in svg.data
    png = client.get("/s/thu/qr.png")
    assert png.mimetype == "image/png" and png.data.startswith(b"\x89PNG")
    assert client.get("/s/khong-co/qr.svg").status_code == 404


def test_not_yet_open_date_in_vietnamese_format(any_app):
    from datetime import datetime, timezone

    from survey import clock
    with any_app.app_context():
        make_rich_campaign(opens_at=datetime(2031, 3, 5, 2, 0, tzinfo=timezone.utc))
    with clock.frozen(datetime(2031, 3, 1, tzinfo=timezone.utc)):
        html = any_app.test_client().get("/s/thu").get_data(as_text=True)
    assert "05/03/2031" in html


def test_code_guesses_meet_their_own_rate_limit(app):
    """Access codes (start) and resume codes are tried a few at a time per address: the
    stricter code limit applies to both forms, not only the general POST limit."""
    from survey.models import AccessMode
    from tests.helpers import csrf_from, make_campaign

    app.config.update(RESPOND_RATE_LIMIT="1000/minute", RESPOND_CODE_RATE_LIMIT="3/minute")
    with app.app_context():
        make_campaign("mat", access_mode=AccessMode.CODE)
    client = app.test_client()
    csrf = csrf_from(client.get("/s/mat").get_data(as_text=True))
    starts = [client.post("/s/mat/start", data={"csrf_token": csrf, "code": f"AAAAA-BBBB{n}"})
              .status_code for n in range(2)]
    resumes = [client.post("/s/mat/resume", data={"csrf_token": csrf, "code": "ABCD-EFGH-JKMN"})
               .status_code for _n in range(2)]
    assert starts == [400, 400] and resumes == [400, 429]
    assert "Quá nhiều yêu cầu" in client.post("/s/mat/start", data={
        "csrf_token": csrf, "code": "AAAAA-BBBBC"}).get_data(as_text=True)
