"""In real Chromium (real CSP, no bypass): a designer opens a code campaign, sets targets,
generates codes (printable slips with QR, CSV download), a respondent answers with one of the
codes through the real respondent flow, and the monitor shows the response, with Plotly charts
drawn from our own static files. No request leaves the server."""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from survey.extensions import db
from survey.models import Campaign, Role
from survey.services.questionnaires import publish, save_draft
from tests.helpers import PASSWORD, make_user, release_all, small_definition

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


class Axe:
    """axe-core on staff pages, in a CSP-bypassing copy of the signed-in context (injecting axe
    is an inline script, which the real page rightly refuses)."""

    def __init__(self, browser, staff_context):
        self.context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900},
                                           storage_state=staff_context.storage_state())
        self.page = self.context.new_page()
        self.violations: dict[str, list] = {}

    def check(self, name: str, url: str | None = None, html: str | None = None) -> None:
        if url:
            self.page.goto(url)
        else:
            self.page.set_content(html)
        self.page.wait_for_load_state("networkidle")
        self.page.add_script_tag(path=str(AXE))
        result = self.page.evaluate("""async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact,
                                           nodes: v.nodes.map(n => n.target.join(' '))}));
        }""")
        bad = [v for v in result if v["impact"] in ("serious", "critical")]
        if bad:
            self.violations[name] = bad


class Watcher:
    """Records requests to anything but the live server, and console errors (CSP reports)."""

    def __init__(self, base: str):
        self.base, self.outside, self.errors, self.missing = base, [], [], []

    def attach(self, page) -> None:
        page.on("request", lambda r: None if r.url.startswith((self.base, "data:", "blob:"))
                else self.outside.append(r.url))
        page.on("console", lambda m: self.errors.append(f"{page.url} {m.location} {m.text}")
                if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("response", lambda r: self.missing.append(r.url) if r.status == 404 else None)


def test_designer_opens_campaign_with_codes_and_monitor_shows_response(
        browser, app, live_server, artifacts_dir):
    app.config["PUBLIC_BASE_URL"] = live_server.url
    base = live_server.url
    with app.app_context():
        make_user("lan", Role.DESIGNER)
        version = publish(db.session, save_draft(db.session, small_definition()))
        db.session.commit()
        version_label = f"Phiếu nhỏ — phiên bản {version.number}"
    watcher = Watcher(base)

    staff_context = browser.new_context(viewport={"width": 1280, "height": 900},
                                        accept_downloads=True)
    staff = staff_context.new_page()
    watcher.attach(staff)
    staff.goto(base + "/staff/login")
    staff.fill("input[name=username]", "lan")
    staff.fill("input[name=password]", PASSWORD)
    staff.locator("form button[type=submit]").click()
    staff.wait_for_load_state()

    # Create the campaign from the nav link.
    staff.get_by_role("link", name="Đợt khảo sát").first.click()
    staff.get_by_role("link", name="Tạo đợt khảo sát mới").click()
    staff.select_option("#version", label=version_label)
    staff.fill("#slug", "dot-trinh-duyet")
    staff.fill("#title", "Đợt thử trên trình duyệt")
    staff.check("input[name=access_mode][value=code]")
    staff.fill("#disclosure_threshold", "5")
    staff.get_by_role("button", name="Tạo đợt khảo sát").click()
    staff.wait_for_load_state()
    assert "Đã tạo đợt khảo sát" in staff.content()
    link = staff.locator("#campaign-link").inner_text()
    assert link == base + "/s/dot-trinh-duyet"
    assert staff.locator("figure.qr img").evaluate("img => img.naturalWidth") > 0
    staff.screenshot(path=str(artifacts_dir / "01-detail.png"), full_page=True)
    axe = Axe(browser, staff_context)
    axe.check("list", base + "/staff/campaigns/")
    axe.check("new", base + "/staff/campaigns/new")
    axe.check("detail", staff.url)
    axe.check("edit", staff.url + "/edit")

    # Targets for level (Trung ương, Tỉnh, Xã).
    staff.fill("#t0", "10")
    staff.fill("#t1", "20")
    staff.get_by_role("button", name="Lưu chỉ tiêu").click()
    staff.wait_for_load_state()
    assert "Đã lưu 2 chỉ tiêu" in staff.content()

    # A batch under the threshold is refused, with the reason.
    staff.fill("#size", "3")
    staff.get_by_role("button", name="Tạo mã và in phiếu").click()
    staff.wait_for_load_state()
    assert "ít nhất 5 mã" in staff.content()

    # Printable slips: codes, QR image per slip, CSV link built from the same response.
    staff.fill("#size", "6")
    staff.fill("#label", "Sở Nội vụ")
    staff.select_option("#a0", label="Tỉnh")
    staff.get_by_role("button", name="Tạo mã và in phiếu").click()
    staff.wait_for_load_state()
    codes = staff.locator(".slip-code").all_inner_texts()
    assert len(codes) == 6 and all(re.fullmatch(r"[A-Z0-9]{5}-[A-Z0-9]{5}", c) for c in codes)
    assert staff.locator(".slip img").first.evaluate("img => img.complete && img.naturalWidth") > 0
    staff.screenshot(path=str(artifacts_dir / "02-slips.png"), full_page=True)
    axe.page.goto(base + "/staff/campaigns/")
    axe.check("slips", html=staff.content())
    staff.emulate_media(media="print")
    assert staff.locator(".staff-header").is_hidden()
    staff.emulate_media(media="screen")
    with staff.expect_download() as download_info:
        staff.locator("#csv-download").click()
    download = download_info.value
    with open(download.path(), encoding="utf-8-sig") as handle:
        rows = list(csv.reader(io.StringIO(handle.read())))
    assert [row[0] for row in rows[1:]] == codes
    assert download.suggested_filename.endswith(".csv")

    # A respondent, in a separate browser context, uses one code.
    respondent_context = browser.new_context(viewport={"width": 360, "height": 640},
                                             locale="vi-VN")
    respondent = respondent_context.new_page()
    watcher.attach(respondent)
    respondent.goto(link)
    respondent.fill("#code", codes[2])
    respondent.get_by_role("button", name="Bắt đầu trả lời").click()
    respondent.wait_for_load_state()
    respondent.check("#f-level-2")
    respondent.check("#f-gender-2")
    respondent.check("#f-q1-1")
    # One page: the whole questionnaire in one document, sent from its only page.
    assert not respondent.get_by_role("button", name="Tiếp tục").is_visible()
    respondent.get_by_role("button", name="Gửi câu trả lời").click()
    # Sent in the background: the thank-you replaces the page when the server acknowledges.
    respondent.get_by_role("heading", name="Cảm ơn anh/chị đã tham gia khảo sát").wait_for()
    respondent_context.close()

    # The detail page does not say that one code of the batch was used (1 is under k = 5), and
    # counts the response as received, waiting for its batch; after the day's release the
    # monitor shows it in the results.
    staff.goto(base + "/staff/campaigns/")
    staff.get_by_role("link", name="Đợt thử trên trình duyệt").click()
    assert staff.locator("td.usage").first.inner_text() == "(ẩn) / 6"
    assert staff.locator("#complete-count").inner_text() == "0"
    assert staff.locator("#waiting-count").inner_text().split()[0] == "1"
    assert release_all(app) == 1  # `flask respond release --all`, the campaign's last batch
    staff.get_by_role("link", name="Theo dõi thu thập phiếu").last.click()
    staff.wait_for_load_state()
    staff.wait_for_selector("#chart-days[data-drawn=true] .main-svg")
    staff.wait_for_selector("#chart-dim-0[data-drawn=true] .main-svg")
    staff.wait_for_selector("#chart-funnel[data-drawn=true] .main-svg")
    assert staff.locator("#m-complete").inner_text() == "1"
    assert staff.locator("#m-rate").inner_text() == "100.0 %"
    level = staff.locator("table.banner-table[data-dimension=level] tbody tr")
    # A designer sees the single response in "Tỉnh" only as "< 5" (disclosure threshold).
    assert level.nth(1).inner_text().split("\t")[:3] == ["Tỉnh", "< 5", "20"]
    assert staff.locator("#funnel-table tbody tr").count() == 3
    staff.screenshot(path=str(artifacts_dir / "04-monitor.png"), full_page=True)
    axe.check("monitor", staff.url)
    axe.context.close()
    staff_context.close()

    with app.app_context():
        campaign = db.session.scalar(select(Campaign).where(Campaign.slug == "dot-trinh-duyet"))
        assert campaign.code_batches[0].size == 6
    assert axe.violations == {}
    assert watcher.outside == []
    assert not [e for e in watcher.errors if "Content Security Policy" in e], "\n".join(watcher.errors)
    assert [url for url in watcher.missing if not url.endswith("/favicon.ico")] == []
