"""Language of what the designer creates (issue 25, point 8): a new questionnaire gets its
introduction and anonymity statement in Vietnamese and English, "Thêm trang" asks for both
titles, and the note a new page starts with is written in the questionnaire's languages, not
in the language of the designer's screen."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from survey.extensions import db
from survey.models import Questionnaire, Role
from tests.helpers import PASSWORD, csrf_from, make_user

BASE = "/staff/designer"


def _create(client, slug: str, title_vi: str, title_en: str = "") -> int:
    token = csrf_from(client.get(f"{BASE}/").get_data(as_text=True))
    response = client.post(f"{BASE}/new", data={"csrf_token": token, "slug": slug,
                                                "title_vi": title_vi, "title_en": title_en})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(response.headers["Location"].split("/q/")[1].split("/")[0].split("#")[0])


def _draft(app, qid: int) -> dict:
    with app.app_context():
        return db.session.get(Questionnaire, qid).draft


def test_a_new_questionnaire_speaks_both_languages(app, local_designer):
    qid = _create(local_designer, "song-ngu", "Phiếu song ngữ")
    draft = _draft(app, qid)
    assert set(draft["introduction"]) == {"vi", "en"}
    assert set(draft["anonymity"]) == {"vi", "en"}
    assert draft["anonymity"]["en"].startswith("The survey does not ask your name")
    assert "en" in draft["languages"]
    page = draft["pages"][0]
    assert page["title"] == {"vi": "Trang 1", "en": "Page 1"}
    assert set(page["items"][0]["label"]) == {"vi", "en"}


def test_add_page_asks_for_both_titles_and_the_note_follows_the_survey(app, local_designer):
    qid = _create(local_designer, "them-trang", "Phiếu thêm trang")
    overview = local_designer.get(f"{BASE}/q/{qid}").get_data(as_text=True)
    form = overview[overview.index('id="add-page-h"'):]
    form = form[:form.index("</form>")]
    assert 'name="title_vi"' in form and 'name="title_en"' in form
    # The designer works in English; the new page has no title.
    token = csrf_from(local_designer.get(f"{BASE}/q/{qid}?lang=en").get_data(as_text=True))
    base = _draft(app, qid)
    from survey.questionnaire import content_hash  # the stale-draft guard's hash
    response = local_designer.post(f"{BASE}/q/{qid}/pages/new", data={
        "csrf_token": token, "id": "P2", "title_vi": "", "title_en": "",
        "base": content_hash(base)})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    note = _draft(app, qid)["pages"][1]["items"][0]
    assert note["label"] == {"vi": "Ghi chú đầu trang", "en": "Page note"}
    token = csrf_from(local_designer.get(f"{BASE}/q/{qid}?lang=vi").get_data(as_text=True))
    local_designer.post(f"{BASE}/q/{qid}/pages/new", data={
        "csrf_token": token, "id": "P3", "title_vi": "Nguyên nhân", "title_en": "Causes",
        "base": content_hash(_draft(app, qid))})
    page = _draft(app, qid)["pages"][2]
    assert page["title"] == {"vi": "Nguyên nhân", "en": "Causes"}
    assert page["items"][0]["label"] == {"vi": "Nguyên nhân", "en": "Causes"}


@pytest.mark.browser
def test_add_page_form_in_the_browser(app, live_server, browser):
    with app.app_context():
        make_user("lan", Role.DESIGNER)
    page = browser.new_context().new_page()
    page.goto(f"{live_server.url}/staff/login")
    page.fill("#username", "lan")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/staff/designer/")
    page.fill("#slug", "trinh-duyet")
    page.fill("#title_vi", "Phiếu trên trình duyệt")
    page.click("button:has-text('Tạo phiếu hỏi')")
    page.wait_for_load_state()
    add = page.locator("form[action$='/pages/new']")
    assert add.locator("#title_vi").is_visible() and add.locator("#title_en").is_visible()
    add.locator("#id").fill("P2")
    add.locator("#title_vi").fill("Hậu quả")
    add.locator("#title_en").fill("Consequences")
    add.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "Đã thêm trang P2" in page.content()
    with app.app_context():
        draft = db.session.scalar(select(Questionnaire)).draft
    assert draft["pages"][1]["title"] == {"vi": "Hậu quả", "en": "Consequences"}
    page.context.close()
