"""A small pilot as an analyst finds it (issue 25, points 3, 7 and 12): a single-choice item with
no banner has a table and a chart (it was a 500), a table whose every cell is suppressed says why
and prints no test and no empty chart, the active filter is stated beside the table, and an
export's download button stays hidden until the file exists."""
from __future__ import annotations

import threading
from datetime import date

import pytest

from survey.extensions import db
from survey.models import Role
from tests.analysis.exports.data import make_rich_campaign, store
from tests.helpers import PASSWORD, login, make_user

# Eight more respondents on top of the rich campaign's four: twelve, four per level, so every
# column of an item × level table has a base under k = 5 while the whole table (12) is shown.
MORE = [{"level": level, "gender": gender, "q1": q1}
        for level, gender, q1 in [(1, 1, 1), (1, 2, 1), (1, 1, 1), (2, 1, 1), (2, 2, 2),
                                  (3, 1, 1), (3, 2, 3), (3, 1, 2)]]


@pytest.fixture
def pilot_app(app):
    app.config["EXPORTS_SYNCHRONOUS"] = True
    with app.app_context():
        campaign = make_rich_campaign()
        for answers in MORE:
            store(campaign, answers, on=date(2026, 3, 3))
        db.session.commit()
        make_user("phantich", Role.ANALYST)
        app.campaign_id = campaign.id
    return app


@pytest.fixture
def analyst(pilot_app):
    client = pilot_app.test_client()
    login(client, "phantich")
    return client


def _page(client, app, query: str) -> str:
    response = client.get(f"/staff/analyst/c/{app.campaign_id}/?{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_single_choice_without_banner_has_table_and_chart(analyst, pilot_app):
    page = _page(analyst, pilot_app, "item=q1")
    assert "<caption>Mức độ phổ biến" in page and "Tần suất" in page
    assert 'id="chart-data"' in page and "Rất phổ biến" in page


def test_fully_suppressed_table_says_why_and_prints_no_test_or_chart(analyst, pilot_app):
    page = _page(analyst, pilot_app, "item=q1&banner=level")
    assert 'id="empty-reason"' in page and "dưới 5 người trả lời" in page
    assert "Pearson chi-square" not in page and "Kiểm định:" not in page
    assert "Không in kiểm định" in page
    assert 'id="chart-data"' not in page and 'id="chart-note"' in page


def test_active_filter_is_stated_beside_the_table(analyst, pilot_app):
    page = _page(analyst, pilot_app, "item=q1")
    assert "Không lọc: mọi phiếu hoàn thành của đợt." in page
    page = _page(analyst, pilot_app, "item=q1&f_gender=1&f_level=1&f_level=2")
    assert "Lọc: Cấp công tác: Trung ương, Tỉnh; Giới tính: Nam" in page
    # Refused (too few respondents under the filter): the filter is still stated.
    assert "ít hơn ngưỡng" in page


def test_english_pages_state_the_filter_and_the_reason_in_english(analyst, pilot_app):
    page = _page(analyst, pilot_app, "item=q1&banner=level&lang=en&date_from=2026-03-01")
    assert "Filter: from " in page
    assert "Every cell of this table is suppressed" in page


@pytest.mark.browser
def test_pilot_tables_and_a_slow_export_in_the_browser(pilot_app, live_server, browser,
                                                       artifacts_dir, monkeypatch):
    import survey.analyst.routes as routes

    pilot_app.config["EXPORTS_SYNCHRONOUS"] = False
    release = threading.Event()
    real_run = routes.run_export

    def slow_run(*args, **kwargs):  # the Word report takes seconds: hold the job running
        release.wait(30)
        return real_run(*args, **kwargs)

    monkeypatch.setattr(routes, "run_export", slow_run)
    base = live_server.url
    context = browser.new_context(viewport={"width": 1400, "height": 1000},
                                  accept_downloads=True)
    page = context.new_page()
    page.goto(f"{base}/staff/login")
    page.fill("#username", "phantich")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_load_state()
    table_url = f"{base}/staff/analyst/c/{pilot_app.campaign_id}/"

    page.goto(table_url + "?item=q1&banner=level")
    page.wait_for_selector("table.grid")
    assert page.locator("#empty-reason").is_visible()
    assert page.locator("#chart").count() == 0 and page.locator("#chart-note").is_visible()
    assert page.locator("#active-filter").inner_text() == \
        "Không lọc: mọi phiếu hoàn thành của đợt."
    assert "Pearson" not in page.inner_text(".grid-notes")
    page.screenshot(path=str(artifacts_dir / "suppressed.png"), full_page=True)

    page.goto(table_url + "?item=q1")
    page.wait_for_selector("#chart .main-svg")
    assert "Rất phổ biến" in page.inner_text("#chart")
    page.screenshot(path=str(artifacts_dir / "no-banner.png"), full_page=True)

    page.locator("button[data-format='table-csv']").click()
    page.wait_for_selector("#job-state")
    assert "Đang tạo tệp" in page.inner_text("#job-state")
    assert not page.locator("#job-download").is_visible()  # hidden while the file is made
    page.screenshot(path=str(artifacts_dir / "running.png"), full_page=True)
    release.set()
    page.wait_for_selector("#job-download", state="visible", timeout=30_000)
    with page.expect_download() as info:
        page.click("#job-download")
    assert info.value.suggested_filename.endswith(".csv")
    context.close()
