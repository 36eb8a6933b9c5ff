"""Issue 25 in real headless Chromium on a phone (360×640), with the page script (the one
document) and without it (page by page): "Gửi phần đã trả lời" from page 2 with its
confirmation, the first page without "Quay lại", a saved questionnaire resumed at the page where
it was saved; every page checked with axe-core and no request to another host."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from survey.extensions import db
from survey.models import Response, ResponsePool, ResponseStatus
from survey.questionnaire import load_file
from tests.helpers import release_all
from tests.respond.support import FLAGSHIP, make_flagship_campaign
from tests.respond.test_browser import PHONE, Walk

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("js", [True, False], ids=["script", "no-script"])
def test_send_what_was_answered_from_page_two(browser, app, live_server, artifacts_dir, js):
    with app.app_context():
        make_flagship_campaign("demo")
    definition = load_file(FLAGSHIP)
    walk = Walk(browser, live_server.url, artifacts_dir, PHONE, js=js)
    page = walk.page
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    walk.goto("/s/demo")
    walk.click("Bắt đầu trả lời")
    # Page 1: nothing to go back to, nothing answered yet to send.
    back = page.get_by_role("button", name="Quay lại", exact=True)
    partial = page.get_by_role("button", name="Gửi phần đã trả lời", exact=True)
    assert back.count() == 0 or not back.is_visible()
    assert partial.count() == 0 or not partial.is_visible()
    walk.fill(definition, "A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8", "A9")
    walk.click("Tiếp tục")
    assert back.is_visible() and partial.is_visible()
    walk.fill(definition, "B1")
    walk.click("Gửi phần đã trả lời")
    assert page.get_by_role("heading", name="Gửi phần đã trả lời?").is_visible()
    assert page.get_by_text("không thể sửa hay bổ sung").is_visible()
    assert page.get_by_text("phiếu chưa hoàn thành", exact=False).first.is_visible()
    walk.check("partial-confirm-" + ("js" if js else "nojs"))
    walk.click("Gửi phần đã trả lời")
    page.get_by_role("heading", name="Cảm ơn anh/chị đã tham gia khảo sát").wait_for()
    with app.app_context():
        assert len(db.session.scalars(select(ResponsePool)).all()) == 1
    release_all(app)
    with app.app_context():
        [response] = db.session.scalars(select(Response)).all()
        assert response.status == ResponseStatus.PARTIAL
    walk.context.close()
    assert errors == [] and walk.violations == {} and walk.outside == []


def test_a_saved_questionnaire_reopens_where_it_was_saved(browser, app, live_server,
                                                           artifacts_dir):
    with app.app_context():
        make_flagship_campaign("demo")
    definition = load_file(FLAGSHIP)
    walk = Walk(browser, live_server.url, artifacts_dir, PHONE, js=True)
    page = walk.page
    walk.goto("/s/demo")
    walk.click("Bắt đầu trả lời")
    walk.fill(definition, "A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8", "A9")
    walk.click("Tiếp tục")
    walk.fill(definition, "B1")
    walk.click("Lưu để trả lời sau")
    code = page.locator("#rc").input_value()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", code)
    walk.context.close()
    for js in (True, False):  # another phone, with and without the script
        other = Walk(browser, live_server.url, artifacts_dir, PHONE, js=js)
        other.goto("/s/demo/resume")
        other.page.fill("#code", code)
        other.click("Tiếp tục")
        assert other.page.locator("#f-B1-2").is_visible()  # page 2, B1 as answered
        assert other.page.locator("#f-B1-2").is_checked()
        assert not other.page.locator("#f-A1-3").is_visible()
        other.context.close()
