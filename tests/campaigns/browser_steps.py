"""Steps of the staff story in real Chromium, shared by the end-to-end browser test: sign in,
build a questionnaire in the designer, preview, publish, open a code campaign, answer with a
code, read the monitor. Selectors and data are those of ``tests/designer/test_browser.py`` and
``tests/campaigns/test_browser.py`` (their item list and axe/request helpers are imported, not copied).
"""
from __future__ import annotations

import re
from pathlib import Path

from tests.helpers import PASSWORD
from tests.campaigns.test_browser import Axe, Watcher
from tests.designer.test_browser import ITEMS

__all__ = ["ITEMS", "Axe", "Shots", "Watcher", "build_questionnaire", "open_code_campaign",
           "preview_skips_the_follow_up", "publish", "respond_with_code", "sign_in"]


class Shots:
    """Numbered full-page screenshots into the test's artifacts directory."""

    def __init__(self, out: Path):
        self.out, self.count = out, 0

    def __call__(self, page, name: str) -> None:
        self.count += 1
        page.screenshot(path=str(self.out / f"{self.count:02d}-{name}.png"), full_page=True)


def sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/staff/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_load_state()


def build_questionnaire(page, base: str, slug: str, title: str, shot: Shots) -> str:
    """A new questionnaire with page P1 (every item type of ``ITEMS``) and page P2 holding the
    follow-up B1, shown only when A1 = 1 (the skip rule). Returns the overview URL."""
    page.goto(f"{base}/staff/designer/")
    page.fill("#slug", slug)
    page.fill("#title_vi", title)
    page.click("button:has-text('Tạo phiếu hỏi')")
    assert f"Đã tạo phiếu hỏi {slug}" in page.content()
    overview = page.url.split("#")[0]
    page.fill("#id", "P2")
    page.fill("#title_vi", "Chi tiết")
    page.click("form[action$='/pages/new'] button[type=submit]")
    assert "Đã thêm trang P2" in page.content()
    for item_id, kind, fields, ticks in ITEMS:
        page.goto(overview)
        target = "P2" if item_id == "B1" else "P1"
        page.select_option(f"#type-{target}", kind)
        page.click(f"button:has-text('Thêm câu hỏi vào trang {target}')")
        page.fill("#id", item_id)
        for element, value in fields.items():
            page.fill(f"#{element}", value)
        for element in ticks:
            page.check(f"#{element}")
        page.click("p.toolbar button.primary")
        assert f"Đã thêm câu hỏi {item_id}" in page.content()
    page.goto(overview)
    page.click("#page-P2 a:has-text('Sửa trang')")
    page.fill("#relevant", "A1 = 1")
    page.click("button:has-text('Lưu trang')")
    assert "Đã lưu trang P2" in page.content()
    page.goto(overview)
    shot(page, "designer-overview")
    return overview


def preview_skips_the_follow_up(page, overview: str, shot: Shots) -> None:
    """The preview is the respondent's page: 'Chưa gặp' skips P2, 'Đã gặp' reaches B1."""
    page.goto(overview)
    page.click(".toolbar a:has-text('Xem trước')")
    shot(page, "preview-p1")
    page.check("input[name=A1][value='2']")
    page.click("button[value=next]")
    assert "Hết phiếu" in page.content()
    page.click("button[value=restart]")
    page.check("input[name=A1][value='1']")
    page.click("button[value=next]")
    assert page.is_visible("text=Anh/chị kể thêm về trường hợp đã gặp")
    shot(page, "preview-p2")


def publish(page, overview: str, shot: Shots) -> None:
    page.goto(overview)
    page.click("button:has-text('Phát hành phiên bản mới')")
    assert "Đã phát hành phiên bản 1" in page.content()
    shot(page, "published")


def open_code_campaign(page, base: str, version_label: str, slug: str, title: str,
                       size: int, shot: Shots) -> tuple[str, list[str]]:
    """A campaign with one-time codes (threshold 5) and one printed batch: (link, codes)."""
    page.goto(f"{base}/staff/campaigns/")
    page.get_by_role("link", name="Tạo đợt khảo sát mới").click()
    page.select_option("#version", label=version_label)
    page.fill("#slug", slug)
    page.fill("#title", title)
    page.check("input[name=access_mode][value=code]")
    page.fill("#disclosure_threshold", "5")
    page.get_by_role("button", name="Tạo đợt khảo sát").click()
    page.wait_for_load_state()
    assert "Đã tạo đợt khảo sát" in page.content()
    link = page.locator("#campaign-link").inner_text()
    shot(page, "campaign")
    page.fill("#size", str(size))
    page.get_by_role("button", name="Tạo mã và in phiếu").click()
    page.wait_for_load_state()
    codes = page.locator(".slip-code").all_inner_texts()
    assert len(codes) == size and all(re.fullmatch(r"[A-Z0-9]{5}-[A-Z0-9]{5}", c) for c in codes)
    shot(page, "code-slips")
    return link, codes


def respond_with_code(page, link: str, code: str, shot: Shots) -> None:
    """A respondent answers every item type of ``ITEMS`` with a one-time code; A1 = 1 routes
    them through the follow-up page P2."""
    page.goto(link)
    page.fill("#code", code)
    page.get_by_role("button", name="Bắt đầu trả lời").click()
    page.wait_for_load_state()
    page.check("input[name=A1][value='1']")
    page.check("input[name=A2][value='1']")
    page.check("input[name=A2][value='9']")
    page.fill("input[name='A2.other']", "Thuế")
    page.check("input[name='A3.r1'][value='2']")
    page.check("input[name='A3.r2'][value='8']")
    page.select_option("select[name='A4.rank.1']", "3")
    page.select_option("select[name='A4.rank.2']", "1")
    page.fill("input[name=A5]", "12")
    shot(page, "respondent-p1")
    page.get_by_role("button", name="Tiếp tục").click()
    page.wait_for_load_state()
    page.fill("[name=B1]", "Hồ sơ đất đai bị chuyển qua lại ba lần")
    shot(page, "respondent-p2")
    # The whole questionnaire came in one document: "Gửi" on its last page sends it.
    page.get_by_role("button", name="Gửi câu trả lời").click()
    # The form goes in the background (it survives a dropped connection): the thank-you
    # replaces the page when the server acknowledges it.
    page.get_by_role("heading", name="Cảm ơn anh/chị đã tham gia khảo sát").wait_for(timeout=30_000)
    shot(page, "respondent-done")
