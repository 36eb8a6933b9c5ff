"""The optional script ``static/respond.js``: within its size budget, knows every function of the
expression language, and shows a follow-up keyed on ``string-length()`` exactly when the server
would (real Chromium)."""
from __future__ import annotations

import re

import pytest

from survey.questionnaire import evaluate, normalize
from survey.questionnaire.expressions import FUNCTIONS
from tests.helpers import make_campaign
from tests.respond.support import ROOT, Respondent

SCRIPT = ROOT / "survey" / "static" / "respond.js"
BUDGET = 5 * 1024  # issue 5: "a small optional script (≤ 5 KB)"


def test_script_within_its_size_budget():
    size = SCRIPT.stat().st_size
    assert size <= BUDGET, f"respond.js is {size} bytes, over the {BUDGET}-byte budget"


def test_script_knows_every_expression_function():
    text = SCRIPT.read_text(encoding="utf-8")
    canonical = {name for name, _arity, _ref in FUNCTIONS.values()}
    assert "string-length" in canonical
    missing = sorted(name for name in canonical if f'"{name}"' not in text)
    assert missing == [], f"respond.js does not evaluate {missing}"


CONDITION = "string-length(idea) > 3"


def _definition():
    return normalize({
        "id": "dai", "title": {"vi": "Phiếu độ dài"}, "languages": ["vi"],
        "pages": [{"id": "P1", "title": {"vi": "Trang 1"}, "items": [
            {"id": "idea", "type": "text", "label": {"vi": "Đề xuất của anh/chị"}},
            {"id": "more", "type": "text", "label": {"vi": "Nói thêm về đề xuất"},
             "relevant": CONDITION},
        ]}],
    })


@pytest.mark.browser
def test_string_length_shows_the_follow_up_instantly(browser, app, live_server, artifacts_dir):
    with app.app_context():
        make_campaign("dai", _definition())
    # Reach page 1 through the flow with the test client, then carry its cookies to Chromium.
    client = app.test_client()
    Respondent(client, "dai").start()
    context = browser.new_context(viewport={"width": 360, "height": 640})
    host = re.sub(r"^https?://", "", live_server.url).split(":")[0]
    context.add_cookies([{"name": c.key, "value": c.value, "domain": host, "path": c.path}
                         for c in client._cookies.values()])
    page = context.new_page()
    try:
        page.goto(live_server.url + "/s/dai/p/1")
        follow_up = page.locator("#q-more")
        assert follow_up.is_hidden()  # nothing typed: length 0
        # (typed, shown): surrounding spaces do not count (the server strips them); Vietnamese
        # letters count once each (code points, as Python's len()).
        for typed, shown in [("abc", False), ("  abc  ", False), ("abcd", True),
                             ("Đất", False), ("Đất đ", True), ("", False)]:
            page.fill('[name="idea"]', typed)
            assert follow_up.is_visible() is shown, typed
            assert evaluate(CONDITION, {"idea": typed.strip()} if typed.strip() else {}) is shown
        page.fill('[name="idea"]', "Giao việc rõ")
        assert follow_up.is_visible()
        page.screenshot(path=str(artifacts_dir / "string-length-follow-up.png"), full_page=True)
    finally:
        context.close()
