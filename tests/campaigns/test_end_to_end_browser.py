"""Issue 6, "Done when", as one story in real headless Chromium (JavaScript on, real CSP): a
designer signs in, builds a small questionnaire from scratch with every item type and a skip
rule, previews it, publishes it, opens a campaign with one-time codes; a respondent answers with
one of the codes through the respondent pages; the monitor then shows that response. Screenshots
of every step go to the test's artifacts directory."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from survey.extensions import db
from survey.models import AccessCode, BannerTally, Response, Role
from tests.helpers import make_user, release_all
from tests.respond.support import stored
from tests.campaigns.browser_steps import (Shots, Watcher, build_questionnaire, open_code_campaign,
                                       preview_skips_the_follow_up, publish, respond_with_code,
                                       sign_in)

pytestmark = pytest.mark.browser

TITLE = "Phiếu thử trọn quy trình"


def test_designer_to_respondent_to_monitor(browser, app, live_server, artifacts_dir):
    app.config["PUBLIC_BASE_URL"] = live_server.url
    base = live_server.url
    with app.app_context():
        make_user("thiet-ke", Role.DESIGNER)
    shot = Shots(artifacts_dir)
    watcher = Watcher(base)
    staff_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    staff = staff_context.new_page()
    watcher.attach(staff)
    staff.on("dialog", lambda dialog: dialog.accept())

    sign_in(staff, base, "thiet-ke")
    assert staff.url.endswith("/staff/designer/")
    overview = build_questionnaire(staff, base, "tron-quy-trinh", TITLE, shot)
    preview_skips_the_follow_up(staff, overview, shot)
    publish(staff, overview, shot)
    link, codes = open_code_campaign(staff, base, f"{TITLE} — phiên bản 1", "dot-tron",
                                     "Đợt thử trọn quy trình", 5, shot)
    assert link == base + "/s/dot-tron"

    respondent_context = browser.new_context(viewport={"width": 360, "height": 640},
                                             locale="vi-VN")
    respondent = respondent_context.new_page()
    watcher.attach(respondent)
    respond_with_code(respondent, link, codes[1], shot)
    respondent_context.close()

    assert release_all(app) == 1  # the day's batch enters the results (flask respond release)
    # The monitor shows the response: one complete, the funnel, and the banner A1 ("Đã gặp"),
    # which a designer sees as "< 5" (one response is under the disclosure threshold).
    staff.goto(base + "/staff/campaigns/")
    staff.get_by_role("link", name="Đợt thử trọn quy trình").click()
    staff.get_by_role("link", name="Theo dõi thu thập phiếu").last.click()
    staff.wait_for_load_state()
    staff.wait_for_selector("#chart-days[data-drawn=true] .main-svg")
    assert staff.locator("#m-complete").inner_text() == "1"
    assert staff.locator("#m-rate").inner_text() == "100.0 %"
    rows = staff.locator("table.banner-table[data-dimension=experience] tbody tr")
    assert [rows.nth(i).inner_text().split("\t")[:2] for i in range(rows.count())] == [
        ["Đã gặp", "< 5"], ["Chưa gặp", "< 5"]]
    # start, P1, P2 and the end (the review step), each reached once
    funnel = staff.locator("#funnel-table tbody tr")
    assert funnel.count() == 4
    assert [funnel.nth(i).inner_text().split("\t")[1] for i in range(4)] == ["1"] * 4
    shot(staff, "monitor")
    staff_context.close()

    with app.app_context():
        [answers] = stored(app)
        assert answers == {
            "A1": [(0, 1, None, None)],
            "A2": [(1, 1, None, None), (2, 9, None, "Thuế")],
            "A3.r1": [(0, 2, None, None)], "A3.r2": [(0, 8, None, None)],
            "A4": [(1, 3, 1.0, None), (2, 1, 2.0, None)],
            "A5": [(0, None, 12.0, None)],
            "B1": [(0, None, None, "Hồ sơ đất đai bị chuyển qua lại ba lần")],
        }
        assert db.session.scalar(select(Response)).mode == "web"  # and no trace of the batch
        assert [(t.variable, t.code, t.count) for t in db.session.scalars(select(BannerTally))] \
            == [("A1", 1, 1)]
        used = db.session.scalars(select(AccessCode.used)).all()
        assert sorted(used) == [False] * 4 + [True]  # the one code spent
    assert watcher.outside == []
    assert not [e for e in watcher.errors if "Content Security Policy" in e], watcher.errors
