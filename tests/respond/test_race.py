"""Exactly once under real concurrency: many simultaneous submits of one draft, over HTTP to a
threaded server, on SQLite and PostgreSQL, store one response."""
from __future__ import annotations

import re
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest
from sqlalchemy import func, select

from survey.extensions import db
from survey.models import Answer, Response, SubmissionReceipt
from tests.conftest import LiveServer
from tests.helpers import csrf_from
from tests.respond.support import Respondent, make_rich_campaign
from tests.respond.test_flow import PAGE1, PAGE2, PAGE3


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.mark.parametrize("same_token", [True, False], ids=["double-tap", "many-tabs"])
def test_simultaneous_submits_store_one_response(any_app, same_token):
    with any_app.app_context():
        make_rich_campaign()
    client = any_app.test_client()
    r = Respondent(client, "thu")
    r.start()
    r.answer(1, PAGE1)
    r.answer(2, PAGE2)
    r.answer(3, PAGE3)
    renders = [client.get("/s/thu/review").get_data(as_text=True) for _i in range(8)]
    forms = [{"csrf_token": csrf_from(html),
              "st": re.search(r'name="st" value="([^"]+)"', html).group(1)} for html in renders]
    if same_token:
        forms = [forms[0]] * 8
    cookie = "; ".join(f"{name}={client.get_cookie(name, path=path).value}"
                       for name, path in (("rt", "/s/thu"), ("session", "/")))
    server = LiveServer(any_app).start()
    opener = urllib.request.build_opener(_NoRedirect)
    statuses: list[int] = []
    barrier = threading.Barrier(8)

    def post(form):
        request = urllib.request.Request(server.url + "/s/thu/submit",
                                         data=urllib.parse.urlencode(form).encode(),
                                         headers={"Cookie": cookie})
        barrier.wait()
        try:
            statuses.append(opener.open(request, timeout=60).status)
        except urllib.error.HTTPError as error:
            statuses.append(error.code)

    threads = [threading.Thread(target=post, args=(form,)) for form in forms]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        server.stop()
    # Every tap ends on a page, no error: the thank-you (rendered in reply, 200) or, for a tab
    # whose draft another tab just submitted, the start (303).
    assert set(statuses) <= {200, 303} and statuses.count(200) >= 1, statuses
    if same_token:
        assert statuses == [200] * 8
    with any_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Response)) == 1
        assert db.session.scalar(select(func.count()).select_from(SubmissionReceipt)) == 1
        assert db.session.scalar(select(func.count()).select_from(Answer)) == 11
