"""The flagship questionnaire in real headless Chromium: phone 360×640 with JavaScript on and
off, and a desktop. Skip logic, an option filter, "other — specify", a validation error, Back,
save-and-resume and a one-time code used twice; stored codes checked; every page screenshotted
and checked with axe-core (no serious or critical violation)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Error as PlaywrightError
from sqlalchemy import select

from survey.extensions import db
from survey.models import AccessMode, Response
from survey.questionnaire import find_item, load_file
from survey.services.access_codes import generate_batch
from tests.respond.support import FLAGSHIP, ROOT, make_campaign, make_flagship_campaign, stored

pytestmark = pytest.mark.browser

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 360, "height": 640}
DESKTOP = {"width": 1366, "height": 900}

# What the respondent answers, item by item (codes from the flagship definition).
ANSWERS: dict[str, Any] = {
    "A1": 3, "A2": 2, "A3": 5, "A4": 3, "A5": 12, "A6": 1, "A7": 2, "A8": 1, "A9": 3,
    "B1": 2, "B2": 2,
    "B3": [1, 13], "B3.other": "Quản lý thị trường", "B4": [1], "B5": 2, "B6": 2, "B7": [1, 3],
    "C1": 4, "D1": 3, "D2": 4, "D3": "first3", "E1": 3, "E2": "first3",
    "E3": 1, "E4": 2, "E5": "Bảo vệ người dám nghĩ, dám làm",
}


class Walk:
    """One respondent in one browser context; screenshots and axe results per page."""

    def __init__(self, browser, base_url: str, out: Path, viewport: dict, js: bool):
        self.context = browser.new_context(viewport=viewport, java_script_enabled=js,
                                           bypass_csp=True, locale="vi-VN")
        self.page = self.context.new_page()
        self.base, self.out, self.js, self.shots = base_url, out, js, 0
        self.outside: list[str] = []
        self.page.on("request", self._watch)
        self.violations: dict[str, list] = {}

    def _watch(self, request) -> None:
        if not request.url.startswith(self.base) and not request.url.startswith("data:"):
            self.outside.append(request.url)

    def goto(self, path: str):
        return self.page.goto(self.base + path)

    def check(self, name: str) -> None:
        """Screenshot, and axe-core (in a JS-enabled copy of the page when JS is off)."""
        self.shots += 1
        self.page.screenshot(path=str(self.out / f"{self.shots:02d}-{name}.png"), full_page=True)
        if self.js:
            target = self.page
        else:
            copy = self.page.context.browser.new_context(viewport=self.page.viewport_size,
                                                         bypass_csp=True)
            target = copy.new_page()
            target.route("**/*", lambda route: route.fulfill(
                body=self.page.content(), content_type="text/html")
                if route.request.resource_type == "document" else route.continue_())
            target.goto(self.page.url)
        target.add_script_tag(path=str(AXE))
        result = target.evaluate("""async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact,
                                           nodes: v.nodes.map(n => n.target.join(' '))}));
        }""")
        if not self.js:
            target.context.close()
        bad = [v for v in result if v["impact"] in ("serious", "critical")]
        if bad:
            self.violations[name] = bad

    def at(self) -> str:
        """The step shown. A POST that moves on answers with the next step (see
        survey.respond.views): with the script the address bar then shows that step's own URL
        (``history.replaceState``), without it the address stays the POST's and the page names
        its step in ``data-url``."""
        if self.js:
            return self.page.url
        return self.page.evaluate("() => document.body.dataset.url || location.href")

    def click(self, text: str) -> None:
        self.page.get_by_role("button", name=text, exact=True).click()
        self.page.wait_for_load_state()

    def fill_item(self, definition: dict, item_id: str, value: Any) -> None:
        item, page = find_item(definition, item_id), self.page
        kind = item["type"]
        if kind == "single" and item.get("appearance") == "dropdown":
            page.select_option(f"#f-{item_id}", str(value))
        elif kind == "single":
            page.check(f"#f-{item_id}-{value}")
        elif kind == "multiple":
            for code in value:
                page.check(f"#f-{item_id}-{code}")
        elif kind == "grid":
            for row in item["rows"]:
                page.check(f"#f-{item_id}-{row['id']}-{value}")
        elif kind == "ranking":
            for rank in range(1, item["top"] + 1):
                select = page.locator(f"#f-{item_id}-r{rank}")
                codes = select.locator("option").evaluate_all(
                    "os => os.map(o => o.value).filter(Boolean)")
                select.select_option(codes[rank - 1])
        else:
            page.fill(f"#f-{item_id}", str(value))

    def fill(self, definition: dict, *item_ids: str) -> None:
        for item_id in item_ids:
            self.fill_item(definition, item_id, ANSWERS[item_id])
            if f"{item_id}.other" in ANSWERS:
                self.page.fill(f"#f-{item_id}-other", ANSWERS[f"{item_id}.other"])


def ranked_in_order(walk: Walk, item_id: str, top: int) -> list[int]:
    return [int(walk.page.locator(f"#f-{item_id}-r{r}").input_value()) for r in range(1, top + 1)]


def run_flagship(browser, app, live_server, out: Path, viewport: dict, js: bool) -> None:
    with app.app_context():
        make_flagship_campaign("demo")
    definition = load_file(FLAGSHIP)
    walk = Walk(browser, live_server.url, out, viewport, js)
    page = walk.page

    walk.goto("/s/demo")
    assert "ẩn danh" in page.content()
    walk.check("intro")
    walk.goto("/s/demo/privacy")
    walk.check("privacy")
    walk.goto("/s/demo")
    walk.click("Bắt đầu trả lời")
    assert walk.at().endswith("/s/demo/p/1")
    walk.check("p1-A")

    # A validation error: nothing answered on page A.
    walk.click("Tiếp tục")
    assert page.locator("#errs").is_visible()
    assert page.locator("#e-A1").inner_text() == "Vui lòng trả lời câu hỏi này."
    walk.check("p1-A-errors")
    page.locator("#errs a[href='#q-A1']").click()

    # Option filter: a viên chức sees the viên chức grades (with JS, the others disappear).
    walk.fill(definition, "A1")
    if js:
        assert page.locator("#f-A5-12").is_visible() and not page.locator("#f-A5-1").is_visible()
    else:
        assert page.locator("#f-A5-12").is_visible() and page.locator("#f-A5-1").is_visible()
    walk.fill(definition, "A2", "A3", "A4", "A5", "A6", "A7", "A8", "A9")
    walk.click("Tiếp tục")
    assert walk.at().endswith("/p/2"), walk.at()
    if js:  # the address is the step's own GET URL: a reload does not send the POST again
        with page.expect_request(lambda request: request.resource_type == "document") as reload:
            page.reload()
        assert reload.value.method == "GET" and reload.value.url.endswith("/s/demo/p/2")

    walk.fill(definition, "B1", "B2")
    walk.check("p2-B")
    # Back keeps answers, both ways.
    walk.click("Quay lại")
    assert walk.at().endswith("/p/1") and page.locator("#f-A1-3").is_checked()
    assert page.locator("#f-A5-12").is_checked() and page.locator("#f-A3").input_value() == "5"
    walk.click("Tiếp tục")
    assert walk.at().endswith("/p/2") and page.locator("#f-B1-2").is_checked()
    assert page.locator("#f-B2-10-2").is_checked()
    walk.click("Tiếp tục")
    assert walk.at().endswith("/p/3")

    # Skip logic within the page (B7 follows B6) and "other — specify" (B3 code 13).
    assert not page.locator("#q-B7").is_visible()
    walk.fill(definition, "B3", "B4", "B5", "B6")
    if js:
        assert page.locator("#q-B7").is_visible()  # shown at once by the script
    else:
        walk.click("Tiếp tục")  # the server shows the follow-up on the same page
        assert walk.at().endswith("/p/3") and page.locator(".note-box").is_visible()
        assert page.locator("#q-B7").is_visible() and page.locator("#f-B3-13").is_checked()
    walk.fill(definition, "B7")
    walk.check("p3-B2")
    walk.click("Tiếp tục")
    assert walk.at().endswith("/p/4"), walk.at()

    walk.fill(definition, "C1")
    walk.check("p4-C")
    # Save and resume on "another device" (a fresh browser context).
    walk.click("Lưu để trả lời sau")
    code = page.locator("#rc").input_value()
    assert len(code) == 14
    walk.check("saved")
    walk.context.close()
    walk = Walk(browser, live_server.url, out, viewport, js)
    walk.shots = 20
    page = walk.page
    walk.goto("/s/demo/resume")
    walk.check("resume")
    page.fill("#code", code)
    walk.click("Tiếp tục")
    assert walk.at().endswith("/p/4") and page.locator("#f-C1-1-4").is_checked()
    walk.click("Tiếp tục")

    walk.fill(definition, "D1", "D2")
    walk.check("p5-D")
    walk.click("Tiếp tục")
    walk.fill(definition, "D3")
    d3 = ranked_in_order(walk, "D3", 3)
    walk.check("p6-D2")
    walk.click("Tiếp tục")
    # Version 2 asks about Decree 73 (E3, E4) before the remedies cite it (E1), on page 7.
    assert not page.locator("#q-E4").is_visible()
    walk.fill(definition, "E3")
    if not js:
        walk.click("Tiếp tục")
        assert walk.at().endswith("/p/7")
    walk.fill(definition, "E4", "E1")
    walk.check("p7-E")
    walk.click("Tiếp tục")

    walk.fill(definition, "E2", "E5")
    e2 = ranked_in_order(walk, "E2", 3)
    walk.check("p8-E2")
    walk.click("Tiếp tục")
    assert walk.at().endswith("/review"), walk.at()
    assert "Quản lý thị trường" in page.content()
    walk.check("review")
    walk.click("Gửi câu trả lời")
    if js:  # sent in the background (pages.js): the thank-you replaces the review
        page.locator("body[data-done]").wait_for(state="attached")
    assert walk.at().endswith("/done")
    walk.check("done")
    # Reload of the thank-you page and the browser's Back do not store a second response.
    if js:  # the address is /done (a GET): reload shows the thank-you again
        page.reload()
        assert "Cảm ơn anh/chị" in page.content()
        page.go_back()
    else:  # Back reaches the POST that showed the review: Chromium asks before re-sending it
        with pytest.raises(PlaywrightError, match="ERR_CACHE_MISS"):
            page.go_back()
    walk.context.close()

    assert walk.violations == {}, walk.violations
    assert walk.outside == []
    assert_stored(app, d3, e2)


def assert_stored(app, d3: list[int], e2: list[int]) -> None:
    """One response, with the codes of :data:`ANSWERS` (rankings in the order shown)."""
    from tests.helpers import release_all

    assert release_all(app) == 1  # accepted once, and let into the results (the pool)
    with app.app_context():
        assert len(db.session.scalars(select(Response)).all()) == 1
    [answers] = stored(app)
    expect = {"A1": 3, "A2": 2, "A3": 5, "A4": 3, "A5": 12, "A6": 1, "A7": 2, "A8": 1, "A9": 3,
              "B1": 2, "B5": 2, "B6": 2, "E3": 1, "E4": 2}
    for variable, code in expect.items():
        assert answers[variable] == [(0, code, None, None)], variable
    assert answers["B3"] == [(1, 1, None, None), (2, 13, None, "Quản lý thị trường")]
    assert [row[1] for row in answers["B7"]] == [1, 3]
    assert all(answers[f"B2.{r}"] == [(0, 2, None, None)] for r in range(1, 11))
    assert all(answers[f"D2.{r}"] == [(0, 4, None, None)] for r in range(1, 9))
    assert [row[1] for row in answers["D3"]] == d3 and [row[2] for row in answers["D3"]] == [1, 2, 3]
    assert [row[1] for row in answers["E2"]] == e2
    assert answers["E5"] == [(0, None, None, ANSWERS["E5"])]


def open_document(browser, app, live_server, out: Path, viewport: dict) -> tuple[Walk, dict]:
    """A phone or desktop with the script, started on the flagship: the one document is shown."""
    with app.app_context():
        make_flagship_campaign("demo")
    walk = Walk(browser, live_server.url, out, viewport, js=True)
    walk.goto("/s/demo")
    walk.click("Bắt đầu trả lời")
    assert walk.at().endswith("/s/demo/all")
    return walk, load_file(FLAGSHIP)


def run_flagship_in_one_document(browser, app, live_server, out: Path, viewport: dict) -> None:
    """With the script: the whole questionnaire in one document, pages turned in the browser
    without a request, required answers checked before turning, Back and the phone's Back,
    "Gửi" on the last page only, the form sent once and answered with the thank-you."""
    walk, definition = open_document(browser, app, live_server, out, viewport)
    page = walk.page
    sent: list[str] = []
    # Every request but the browser's own fetch of the tab icon, whenever it chooses to make it.
    page.on("request", lambda request: None if "favicon" in request.url
            else sent.append(request.url))

    def shown() -> list[int]:
        return [n for n in range(1, 9) if page.locator(f"#p-{n}").is_visible()]

    def progress() -> str:
        return page.locator("#prog-t").inner_text()

    assert shown() == [1] and progress() == "Trang 1 / 8"
    send = page.get_by_role("button", name="Gửi câu trả lời", exact=True)
    assert not send.is_visible()
    walk.check("all-p1")
    walk.click("Tiếp tục")  # nothing answered: the script keeps page 1 and says why
    assert shown() == [1] and page.locator("#e-A1").inner_text() == "Vui lòng trả lời câu hỏi này."
    assert page.evaluate("document.activeElement.id") == "f-A1-1"
    walk.check("all-p1-required")
    walk.fill(definition, "A1")
    assert page.locator("#f-A5-12").is_visible() and not page.locator("#f-A5-1").is_visible()
    walk.fill(definition, "A2", "A3", "A4", "A5", "A6", "A7", "A8", "A9")
    walk.click("Tiếp tục")
    assert shown() == [2] and progress() == "Trang 2 / 8" and not page.locator("#e-A1").count()
    assert page.evaluate("document.activeElement.tagName") == "H1"
    walk.fill(definition, "B1", "B2")
    walk.check("all-p2")
    walk.click("Quay lại")  # the button, then the phone's Back: answers stay where they were
    assert shown() == [1] and page.locator("#f-A1-3").is_checked()
    walk.click("Tiếp tục")
    walk.click("Tiếp tục")
    assert shown() == [3]
    page.go_back()
    assert shown() == [2] and page.locator("#f-B2-10-2").is_checked()
    page.go_forward()
    assert shown() == [3]
    assert not page.locator("#q-B7").is_visible()
    walk.fill(definition, "B3", "B4", "B5", "B6")
    assert page.locator("#q-B7").is_visible()
    walk.fill(definition, "B7")
    walk.check("all-p3")
    walk.click("Tiếp tục")
    walk.fill(definition, "C1")
    walk.click("Tiếp tục")
    walk.fill(definition, "D1", "D2")
    walk.click("Tiếp tục")
    walk.fill(definition, "D3")
    d3 = ranked_in_order(walk, "D3", 3)
    walk.click("Tiếp tục")
    assert not page.locator("#q-E4").is_visible()
    walk.fill(definition, "E3")  # version 2: Decree 73 before the remedies that cite it
    walk.fill(definition, "E4", "E1")
    walk.click("Tiếp tục")
    assert shown() == [8] and progress() == "Trang 8 / 8"
    assert send.is_visible() and not page.get_by_role("button", name="Tiếp tục").is_visible()
    walk.fill(definition, "E2", "E5")
    e2 = ranked_in_order(walk, "E2", 3)
    walk.check("all-p8")
    assert sent == []  # eight pages answered, not one request
    with page.expect_navigation():
        send.click()
    assert walk.at().endswith("/done"), walk.at()
    assert [url.rsplit("/", 1)[-1] for url in sent if "/static/" not in url] == ["all"]
    walk.check("all-done")
    walk.context.close()
    assert walk.violations == {}, walk.violations
    assert walk.outside == []
    assert_stored(app, d3, e2)


def test_flagship_on_a_phone_with_javascript(browser, app, live_server, artifacts_dir):
    run_flagship_in_one_document(browser, app, live_server, artifacts_dir, PHONE)


def test_flagship_on_a_phone_without_javascript(browser, app, live_server, artifacts_dir):
    run_flagship(browser, app, live_server, artifacts_dir, PHONE, js=False)


def test_flagship_on_a_desktop_page_by_page(browser, app, live_server, artifacts_dir):
    """The page-by-page flow with the script (client paging switched off, as a deployment may;
    it is also where the one-document flow falls back to after a server-side error)."""
    app.config["RESPOND_CLIENT_PAGING"] = False
    run_flagship(browser, app, live_server, artifacts_dir, DESKTOP, js=True)


def test_one_time_code_used_twice(browser, app, live_server, artifacts_dir):
    with app.app_context():
        campaign = make_campaign("mat", access_mode=AccessMode.CODE)
        _batch, codes = generate_batch(db.session, campaign, 5)
        db.session.commit()
    first = Walk(browser, live_server.url, artifacts_dir, PHONE, js=True)
    first.goto("/s/mat")
    first.check("code-entry")
    first.page.fill("#code", codes[0].lower())
    first.click("Bắt đầu trả lời")
    assert first.at().endswith("/s/mat/all")
    assert codes[0] not in first.page.content()
    # The code is spent by sending, not by starting: a second phone could still start with it.
    first.page.check("#f-level-2")
    first.click("Gửi câu trả lời")
    first.page.locator("body[data-done]").wait_for(state="attached")  # sent in the background
    assert "Cảm ơn" in first.page.content()
    first.context.close()

    second = Walk(browser, live_server.url, artifacts_dir, PHONE, js=False)
    second.shots = 10
    second.goto("/s/mat")
    second.page.fill("#code", codes[0])
    second.click("Bắt đầu trả lời")
    assert "Mã này đã được sử dụng" in second.page.locator("#e-code, #code-e").first.inner_text()
    second.check("code-used")
    second.page.fill("#code", "ABCDE-ABCDE")
    second.click("Bắt đầu trả lời")
    assert "Mã không đúng" in second.page.content()
    second.context.close()
    assert first.violations == {} and second.violations == {}


def test_leaving_the_document_and_continuing_from_the_introduction(browser, app, live_server,
                                                                    artifacts_dir):
    """The script keeps the answers when the respondent leaves the tab (a beacon); the
    introduction's "Tiếp tục trả lời" then reopens the one document at the page reached."""
    import time

    from survey.models import Draft

    walk, definition = open_document(browser, app, live_server, artifacts_dir, PHONE)
    page = walk.page
    walk.fill(definition, "A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8", "A9")
    walk.click("Tiếp tục")
    walk.fill(definition, "B1")
    walk.goto("/s/demo")  # leaves the document: the script sends what it holds

    def kept() -> Draft | None:
        with app.app_context():
            return db.session.scalar(select(Draft).where(Draft.page == 2))
    deadline = time.monotonic() + 10
    while kept() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert kept() is not None
    # The answers are sealed under the browser's cookie token: opened with it, they are there.
    from tests.helpers import open_draft

    [token] = [c["value"] for c in walk.context.cookies() if c["name"] == "rt"]
    with app.app_context():
        draft = open_draft(None, "demo", token=token)
    assert draft.answers["A1"] == ANSWERS["A1"] and draft.answers["B1"] == ANSWERS["B1"]
    walk.check("intro-continue")
    walk.click("Tiếp tục trả lời")
    assert walk.at().endswith("/s/demo/all")
    assert page.locator("#p-2").is_visible() and not page.locator("#p-1").is_visible()
    assert page.locator(f"#f-B1-{ANSWERS['B1']}").is_checked()
    walk.context.close()
    assert walk.violations == {} and walk.outside == []
