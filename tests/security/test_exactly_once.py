"""Nothing doubled: one one-time code sends one questionnaire (whatever the number of devices it
was entered on), and one questionnaire is accepted once however often or however fast "Gửi" is
pressed — on SQLite and on PostgreSQL, through a
real threaded HTTP server, with requests released together by a barrier."""
from __future__ import annotations

import random
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from bench.load import CSRF, FORM_ACTION, SUBMIT_TOKEN, Browser, page_form, thanked
from survey.extensions import db
from survey.models import (AccessCode, AccessMode, Draft, Response, ResponsePool,
                           SubmissionReceipt)
from survey.questionnaire.runtime import rules as logic
from survey.services.access_codes import generate_batch
from tests.conftest import LiveServer
from tests.helpers import make_campaign, small_definition

CONCURRENCY = 20


@pytest.fixture
def server(any_app):
    # Every client of the test comes from 127.0.0.1; the per-address limits are for the public.
    any_app.config.update(RESPOND_RATE_LIMIT="10000/minute", RESPOND_CODE_RATE_LIMIT="10000/minute")
    live = LiveServer(any_app).start()
    yield live
    live.stop()


def _count(app, model) -> int:
    with app.app_context():
        n = db.session.scalar(select(func.count()).select_from(model))
        db.session.remove()
        return n


def _accepted(app) -> int:
    """Submissions acknowledged: in the results, or waiting in the holding pool."""
    return _count(app, Response) + _count(app, ResponsePool)


def _together(calls):
    """Run the callables in threads released at the same instant; return their results."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def _landing(status: int, location: str | None, html: str) -> str:
    """Where a reply leads: a redirect's path, or the step rendered in reply to a POST."""
    if status in (302, 303):
        return re.sub(r"^https?://[^/]+", "", location or "")
    match = re.search(r'<body data-url="([^"]+)"', html)
    return match.group(1) if match else ""


def _reach_review(browser: Browser, slug: str, html: str | None = None) -> dict:
    """Start (unless ``html``, the first page rendered by a start, says it has started), answer
    every page (each POST answers with the next step), and return the submit form of the review
    the last one shows."""
    if html is None:
        status, _, html = browser.request("intro", "GET", f"/s/{slug}")
        assert status == 200
        status, _, html = browser.request("start", "POST", f"/s/{slug}/start",
                                          {"csrf_token": CSRF.search(html).group(1)})
        assert status == 200, status
    definition = small_definition()
    answers: dict = {}
    rng = random.Random(3)
    action = FORM_ACTION.search(html).group(1)
    while "/p/" in action:
        page = definition["pages"][int(action.rsplit("/", 1)[1]) - 1]
        form = page_form(page, answers, rng)
        shown = " ".join(sorted(logic.offer_tokens(page, answers)))
        status, _, html = browser.request(
            "page", "POST", action,
            [("csrf_token", CSRF.search(html).group(1)), ("_shown", shown), ("action", "next")] + form)
        assert status == 200, status
        action = FORM_ACTION.search(html).group(1)
    assert action == f"/s/{slug}/submit", action
    return {"csrf_token": CSRF.search(html).group(1), "st": SUBMIT_TOKEN.search(html).group(1)}


def test_one_code_twenty_devices_one_questionnaire_sent(any_app, server):
    """The code is checked at the start, not spent: twenty devices may open the questionnaire
    with it (a respondent who changes phone is not locked out). Their twenty submissions race:
    exactly one is accepted, the others are told the code has sent a questionnaire."""
    with any_app.app_context():
        campaign = make_campaign("kod", access_mode=AccessMode.CODE)
        _batch, codes = generate_batch(db.session, campaign, 5, "Lô thử")
        db.session.commit()
    code = codes[0]
    browsers = [Browser(server.url, "-", None) for _ in range(CONCURRENCY)]
    forms = []
    for browser in browsers:
        status, _, html = browser.request("intro", "GET", "/s/kod")
        assert status == 200
        forms.append({"csrf_token": CSRF.search(html).group(1), "code": code})
    results = _together([lambda b=b, f=f: b.request("start", "POST", "/s/kod/start", f)
                         for b, f in zip(browsers, forms)])
    assert [status for status, _, _ in results] == [200] * CONCURRENCY
    assert _count(any_app, Draft) == CONCURRENCY
    with any_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AccessCode)
                                 .where(AccessCode.used.is_(True))) == 0
    reviews = [_reach_review(b, "kod", html) for b, (_, _, html) in zip(browsers, results)]
    sent = _together([lambda b=b, f=f: b.request("submit", "POST", "/s/kod/submit", f)
                      for b, f in zip(browsers, reviews)])
    thanks = [thanked(status, html) for status, _, html in sent]
    assert thanks.count(True) == 1, [status for status, _, _ in sent]
    refused = [html for (status, _, html), ok in zip(sent, thanks) if not ok]
    assert all("thiết bị khác" in html for html in refused)
    assert sorted(status for status, _, _ in sent) == [200] + [409] * (CONCURRENCY - 1)
    assert _accepted(any_app) == 1
    with any_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AccessCode)
                                 .where(AccessCode.used.is_(True))) == 1
    late = Browser(server.url, "-", None)
    status, _, html = late.request("intro", "GET", "/s/kod")
    status, _, html = late.request("start", "POST", "/s/kod/start",
                                   {"csrf_token": CSRF.search(html).group(1), "code": code})
    assert status == 409 and "đã được sử dụng" in html
    assert _accepted(any_app) == 1


def test_twenty_simultaneous_taps_on_submit_store_one_response(any_app, server):
    with any_app.app_context():
        make_campaign("thu")
    browser = Browser(server.url, "-", None)
    form = _reach_review(browser, "thu")
    cookies = dict(browser.cookies)

    def tap():
        clone = Browser(server.url, "-", None)
        clone.cookies = dict(cookies)
        return clone.request("submit", "POST", "/s/thu/submit", form)

    results = _together([tap] * CONCURRENCY)
    # Each tap ends on a page: the thank-you (rendered, 200) or the start (303), never an error.
    assert all(status in (200, 303) for status, _, _ in results), [s for s, _, _ in results]
    landing = [_landing(*result) for result in results]
    assert set(landing) <= {"/s/thu/done", "/s/thu"}, set(landing)
    assert landing.count("/s/thu/done") >= 1
    assert _accepted(any_app) == 1
    assert _count(any_app, SubmissionReceipt) == 1
    assert _count(any_app, Draft) == 0
    # A retry long after (reload of the spinning page, a flaky network) is still one response.
    status, _, html = browser.request("submit", "POST", "/s/thu/submit", form)
    assert thanked(status, html)
    assert _accepted(any_app) == 1


def test_two_tabs_with_two_submission_tokens_store_one_response(any_app, server):
    """The review page opened twice mints two tokens for one draft: still one response."""
    with any_app.app_context():
        make_campaign("thu")
    browser = Browser(server.url, "-", None)
    first = _reach_review(browser, "thu")
    status, _, html = browser.request("review", "GET", "/s/thu/review")
    second = {"csrf_token": CSRF.search(html).group(1), "st": SUBMIT_TOKEN.search(html).group(1)}
    assert first["st"] != second["st"]
    cookies = dict(browser.cookies)

    def submit(form):
        clone = Browser(server.url, "-", None)
        clone.cookies = dict(cookies)
        return clone.request("submit", "POST", "/s/thu/submit", form)

    results = _together([lambda f=f: submit(f) for f in [first, second] * (CONCURRENCY // 2)])
    assert all(status in (200, 303) for status, _, _ in results)
    assert {_landing(*result) for result in results} <= {"/s/thu/done", "/s/thu"}
    assert _accepted(any_app) == 1
