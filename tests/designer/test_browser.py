"""A designer in real headless Chromium: signs in, builds a questionnaire from scratch with every
item type and a skip rule, reorders, previews (the skip rule works both ways), publishes.

Runs with JavaScript on (the item editor then shows only the settings of the chosen type) and
off (every setting visible; everything still works with plain form posts)."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from survey.extensions import db
from survey.models import AuditLog, QuestionnaireVersion, Role
from survey.questionnaire import validate
from tests.helpers import PASSWORD, make_user

pytestmark = pytest.mark.browser

# item id -> (type, fields to fill by element id, checkboxes to tick)
ITEMS: list[tuple[str, str, dict[str, str], list[str]]] = [
    ("A1", "single", {"label_vi": "Anh/chị đã từng gặp tình trạng đùn đẩy chưa?",
                      "label_en": "Have you met buck-passing?",
                      "options-0-code": "1", "options-0-label_vi": "Đã gặp",
                      "options-1-code": "2", "options-1-label_vi": "Chưa gặp",
                      "dimension": "experience"}, ["required", "banner"]),
    ("A2", "multiple", {"label_vi": "Ở những lĩnh vực nào?", "max_select": "2",
                        "options-0-code": "1", "options-0-label_vi": "Đất đai",
                        "options-1-code": "2", "options-1-label_vi": "Y tế",
                        "options-2-code": "9", "options-2-label_vi": "Khác"},
     ["options-2-other"]),
    ("A3", "grid", {"label_vi": "Mức độ phổ biến",
                    "rows-0-id": "r1", "rows-0-label_vi": "Chậm giải quyết hồ sơ",
                    "rows-1-id": "r2", "rows-1-label_vi": "Xin ý kiến cấp trên",
                    "options-0-code": "1", "options-0-label_vi": "Ít",
                    "options-1-code": "2", "options-1-label_vi": "Nhiều",
                    "options-2-code": "8", "options-2-label_vi": "Không biết"},
     ["options-2-missing"]),
    ("A4", "ranking", {"label_vi": "Xếp hạng nguyên nhân", "top": "2",
                       "options-0-code": "1", "options-0-label_vi": "Thể chế",
                       "options-1-code": "2", "options-1-label_vi": "Tiền lương",
                       "options-2-code": "3", "options-2-label_vi": "Sợ sai"}, []),
    ("A5", "numeric", {"label_vi": "Số năm công tác", "min": "0", "max": "45",
                       "constraint": ". <= 40", "constraint_message_vi": "Tối đa 40 năm"}, []),
    ("A6", "note", {"label_vi": "Phần tiếp theo hỏi về nguyên nhân."}, []),
    ("B1", "text", {"label_vi": "Anh/chị kể thêm về trường hợp đã gặp",
                    "relevant": "A1 = 1", "max_length": "300"}, ["multiline"]),
]


AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def _shot(page, out: Path, name: str, counter: list[int],
          violations: dict[str, list] | None = None) -> None:
    """Screenshot; with JavaScript on, also axe-core (serious or critical violations kept)."""
    counter[0] += 1
    page.screenshot(path=str(out / f"{counter[0]:02d}-{name}.png"), full_page=True)
    if violations is None:
        return
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact,
                                       nodes: v.nodes.map(n => n.target.join(' '))}));
    }""")
    bad = [v for v in found if v["impact"] in ("serious", "critical")]
    if bad:
        violations[name] = bad


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_designer_builds_previews_and_publishes(app, live_server, browser, artifacts_dir, js):
    with app.app_context():
        make_user("thiet-ke", Role.DESIGNER)
    # bypass_csp only lets the test inject axe-core; the pages themselves never need it
    context = browser.new_context(viewport={"width": 1280, "height": 900},
                                  java_script_enabled=js, locale="vi-VN", bypass_csp=js)
    axe: dict[str, list] | None = {} if js else None  # `make test` installs axe-core
    page = context.new_page()
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url)
            if not r.url.startswith(live_server.url) else None)
    page.on("dialog", lambda dialog: dialog.accept())
    shots = [0]
    base = live_server.url

    # sign in
    page.goto(f"{base}/staff/login")
    page.fill("#username", "thiet-ke")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit].primary")
    assert page.url.endswith("/staff/designer/")

    # a new questionnaire
    page.fill("#slug", "thu-trinh-duyet")
    page.fill("#title_vi", "Phiếu thử trên trình duyệt")
    page.click("button:has-text('Tạo phiếu hỏi')")
    assert "Đã tạo phiếu hỏi thu-trinh-duyet" in page.content()
    overview = page.url.split("#")[0]

    # page P2 holds the follow-up question, shown only to those who met the behaviour
    page.fill("#id", "P2")
    page.fill("#title_vi", "Chi tiết")
    page.click("form[action$='/pages/new'] button[type=submit]")
    assert "Đã thêm trang P2" in page.content()

    for item_id, kind, fields, ticks in ITEMS:
        page.goto(overview)
        target = "P2" if item_id == "B1" else "P1"
        page.select_option(f"#type-{target}", kind)
        page.click(f"button:has-text('Thêm câu hỏi vào trang {target}')")
        assert page.input_value("#type") == kind
        if js and kind == "numeric":  # only the numeric settings are shown
            assert page.is_hidden("#options-table") and page.is_visible("#min")
        page.fill("#id", item_id)
        for element, value in fields.items():
            page.fill(f"#{element}", value)
        for element in ticks:
            page.check(f"#{element}")
        _shot(page, artifacts_dir, f"edit-{item_id}", shots, axe)
        page.click("p.toolbar button.primary")
        assert f"Đã thêm câu hỏi {item_id}" in page.content(), page.content()[-3000:]

    # a mistake: a skip rule naming a question that does not exist is shown and not saved
    page.goto(overview)
    page.select_option("#type-P1", "text")
    page.click("button:has-text('Thêm câu hỏi vào trang P1')")
    page.fill("#id", "A7")
    page.fill("#label_vi", "Câu lỗi")
    page.fill("#relevant", "Z9 = 1")
    page.click("p.toolbar button.primary")
    assert "Chưa lưu vì câu hỏi chưa hợp lệ" in page.content()
    assert "phiếu không có câu này" in page.inner_text("#relevant-errors")
    _shot(page, artifacts_dir, "inline-error", shots, axe)

    # reorder with the plain buttons: the note A6 goes up above A5
    page.goto(overview)
    page.click("#item-A6 button:has-text('Lên')")
    order = page.eval_on_selector_all("#page-P1 ol.items > li", "els => els.map(e => e.id)") \
        if js else None
    if order is not None:
        assert order.index("item-A6") < order.index("item-A5")
    _shot(page, artifacts_dir, "overview", shots, axe)

    # P2 appears only for "Đã gặp"
    page.goto(overview)
    page.click("#page-P2 a:has-text('Sửa trang')")
    page.fill("#relevant", "A1 = 1")
    page.click("button:has-text('Lưu trang')")
    assert "Đã lưu trang P2" in page.content()

    # preview: "Chưa gặp" skips P2 and reaches the end
    page.goto(overview)
    page.click(".toolbar a:has-text('Xem trước')")
    assert page.locator("link[href$='respond.css']").count() == 1
    assert page.is_visible("text=Anh/chị đã từng gặp tình trạng đùn đẩy chưa?")
    _shot(page, artifacts_dir, "preview-p1", shots, axe)
    page.click("button[value=next]")  # A1 is required
    assert page.is_visible(".errs")
    page.check("input[name=A1][value='2']")
    page.click("button[value=next]")
    assert "Hết phiếu" in page.content()
    # "Đã gặp" shows P2 with the follow-up question
    page.click("button[value=restart]")
    page.check("input[name=A1][value='1']")
    page.fill("input[name=A5]", "41")  # the constraint says at most 40
    page.click("button[value=next]")
    assert "Tối đa 40 năm" in page.content()
    page.fill("input[name=A5]", "12")
    page.click("button[value=next]")
    assert page.is_visible("text=Anh/chị kể thêm về trường hợp đã gặp")
    _shot(page, artifacts_dir, "preview-p2", shots)

    # publish
    page.goto(overview)
    page.click("button:has-text('Phát hành phiên bản mới')")
    assert "Đã phát hành phiên bản 1" in page.content()
    _shot(page, artifacts_dir, "published", shots, axe)
    assert outside == []
    assert not axe, axe
    context.close()

    with app.app_context():
        version = db.session.scalar(select(QuestionnaireVersion))
        definition = version.definition
        assert validate(definition) == []
        items = {item["id"]: item for p in definition["pages"] for item in p["items"]}
        assert {items[i]["type"] for i in items} == {"note", "single", "multiple", "grid",
                                                     "ranking", "numeric", "text"}
        assert items["A1"]["role"] == "banner" and items["A1"]["required"] is True
        assert items["A2"]["options"][2]["other"] is True and items["A2"]["max_select"] == 2
        assert items["A3"]["options"][2]["missing"] is True
        assert items["B1"]["relevant"] == "A1 = 1" and items["B1"]["multiline"] is True
        assert definition["pages"][1]["relevant"] == "A1 = 1"
        assert "A7" not in items
        p1 = [item["id"] for item in definition["pages"][0]["items"]]
        assert p1.index("A6") < p1.index("A5")
        publisher = db.session.scalar(select(AuditLog).where(
            AuditLog.action == "questionnaire.publish"))
        assert publisher.user.username == "thiet-ke"
