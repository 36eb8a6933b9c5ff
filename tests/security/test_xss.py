"""An XSS payload corpus in every text a designer can edit, in answers and in an uploaded file's
name renders inert in real Chromium, on every page that shows them.

The browser context bypasses the Content-Security-Policy on purpose: the policy would block most
payloads even if a template forgot to escape, hiding the bug. So escaping alone must hold: no
dialog opens, no probe element or attribute from a payload exists in the DOM, and no script
sets the marker the payloads try to set. Pages: the respondent flow (introduction, every page,
review, thank-you) and every staff GET page of the URL map (designer, preview, campaigns,
monitor, analyst, admin audit), signed in as an admin.
"""
from __future__ import annotations

import copy
import re
from typing import Any

import pytest
from sqlalchemy import select

from survey.extensions import db
from survey.models import Campaign, Questionnaire, Role
from survey.questionnaire import normalize
from survey.questionnaire.loader import dump_yaml
from tests.helpers import PASSWORD, make_campaign, make_user
from tests.respond.support import rich_definition
from tests.security.browser_flow import FILL

pytestmark = pytest.mark.browser

PAYLOADS = [
    '<script>window.__xss="s1";alert("s1")</script>',
    '"><img src=x onerror="window.__xss=\'s2\';alert(\'s2\')" id=xssprobe2>',
    "'><svg onload=\"alert('s3')\" id=xssprobe3>",
    '</script><script>window.__xss="s4";alert("s4")</script>',
    '<iframe srcdoc="<script>parent.alert(\'s5\')</script>" id=xssprobe5></iframe>',
    '<a href="javascript:alert(\'s6\')" id=xssprobe6>bấm</a>',
    "javascript:alert('s7')",
    '<details open ontoggle="alert(\'s8\')" id=xssprobe8>',
    '\u2028\u2029<!--<script>alert("s9")</script>-->',
    '{{ 7*7 }}{% raw %}<b id=xssprobe10>',
]


def _poison(value: Any, counter: list[int]) -> Any:
    """Replace every language map ({"vi": …}) in a definition with payload text (cycling
    through the corpus), keeping ids, codes and expressions intact."""
    if isinstance(value, dict):
        if "vi" in value and all(isinstance(v, str) for v in value.values()):
            counter[0] += 1
            payload = PAYLOADS[counter[0] % len(PAYLOADS)]
            return {lang: f"{text} {payload}" for lang, text in value.items()}
        return {k: _poison(v, counter) for k, v in value.items()}
    if isinstance(value, list):
        return [_poison(v, counter) for v in value]
    return value


def poisoned_definition() -> dict[str, Any]:
    definition = copy.deepcopy(rich_definition())
    definition["id"] = "xss"
    definition = normalize(_poison(definition, [0]))
    # The text answer has room for a payload.
    for page in definition["pages"]:
        for item in page["items"]:
            if item["type"] == "text":
                item["max_length"] = 500
    return definition


FILL_TEXT = """(payload) => {
  for (const box of document.querySelectorAll('form input[type=text], form textarea')) {
    if (box.offsetParent === null || box.closest('[hidden]') || box.value) continue;
    box.value = box.classList.contains('num') ? '30' : payload;
  }
}"""

PROBE = """() => ({
  marker: window.__xss || null,
  probes: [...document.querySelectorAll('[id^=xssprobe]')].map(e => e.outerHTML.slice(0, 80)),
  handlers: [...document.querySelectorAll('*')].filter(
      e => [...e.attributes].some(a => a.name.startsWith('on'))).map(e => e.outerHTML.slice(0, 80)),
  jsLinks: [...document.querySelectorAll('a[href], iframe[src], form[action]')].filter(
      e => /^\\s*javascript:/i.test(e.getAttribute('href') || e.getAttribute('src')
                                    || e.getAttribute('action') || '')).map(e => e.outerHTML.slice(0, 80)),
})"""


def _staff_pages(app, qid: int, campaign_id: int) -> list[str]:
    values = {"qid": qid, "campaign_id": campaign_id, "number": 1, "user_id": 1}
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/staff/") or "GET" not in rule.methods:
            continue
        if any(word in rule.rule for word in ("download", "qr.", "logout", "export")):
            continue  # files, not pages
        if not set(rule.arguments) <= set(values):
            continue  # e.g. a page or item id: covered by the editor pages below
        url = rule.rule
        for arg in rule.arguments:
            url = re.sub(rf"<(?:[a-z]+:)?{arg}>", str(values[arg]), url)
        urls.append(url)
    return urls


def test_payloads_render_inert_everywhere(app, live_server, browser, tmp_path):
    definition = poisoned_definition()
    with app.app_context():
        make_user("admin", Role.ADMIN)
        campaign = make_campaign("xss", definition)
        campaign.title = "Đợt " + PAYLOADS[1]
        db.session.commit()
        campaign_id = campaign.id
        qid = db.session.scalar(select(Questionnaire.id))
        page_ids = [p["id"] for p in definition["pages"]]
        item_ids = [i["id"] for p in definition["pages"] for i in p["items"]]
    dialogs: list[str] = []
    context = browser.new_context(bypass_csp=True)
    context.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page = context.new_page()
    findings: list[tuple[str, dict]] = []

    def check(where: str) -> None:
        result = page.evaluate(PROBE)
        if any(result.values()):
            findings.append((where, result))

    try:
        # Control: the detectors see an unescaped payload.
        page.set_content("<div>" + "".join(PAYLOADS[:3]) + "</div>")
        page.wait_for_timeout(200)
        check("control")
        assert findings and dialogs, "the probes would not notice an injection"
        findings.clear()
        dialogs.clear()
        # Respondents: every page, with payloads typed into the text answers.
        for respondent in range(5):  # enough completes for staff pages that hide small counts
            # The whole questionnaire in one document, and (every other respondent) page by page
            # with the review, which shows the typed answers back.
            app.config["RESPOND_CLIENT_PAGING"] = respondent % 2 == 0
            page.goto(f"{live_server.url}/s/xss")
            thanked = page.get_by_role("heading", name="Cảm ơn anh/chị đã tham gia khảo sát")
            check("intro")
            page.locator("form button[type=submit]").first.click()
            for _ in range(20):
                page.wait_for_load_state()
                check(page.url)
                if page.url.endswith("/review"):
                    page.locator("form button[type=submit]").first.click()
                    thanked.wait_for()  # sent in the background: the thank-you replaces the page
                if page.url.endswith("/done") or thanked.count():
                    check("done")
                    break
                page.evaluate(FILL_TEXT, PAYLOADS[1])
                page.evaluate(FILL)
                page.evaluate(FILL)
                button = page.locator("button[name=action][value=next]:visible, "
                                      "button[name=action][value=send]:visible").first
                sending = button.get_attribute("value") == "send"
                button.click()
                if sending:
                    thanked.wait_for()
            else:
                raise AssertionError(f"respondent stuck at {page.url}")
        # An uploaded file whose name is a payload (shown in a message and the audit log).
        page.goto(f"{live_server.url}/staff/login")
        page.fill("input[name=username]", "admin")
        page.fill("input[name=password]", PASSWORD)
        page.locator("form button[type=submit]").first.click()
        page.wait_for_load_state()
        upload_def = copy.deepcopy(definition)
        upload_def["id"] = "xss-upload"
        page.goto(f"{live_server.url}/staff/designer/")
        page.set_input_files("input[type=file]", files=[{
            "name": '"><img src=x onerror=alert(\'f1\') id=xssprobeF>.yaml',
            "mimeType": "application/x-yaml", "buffer": dump_yaml(upload_def).encode()}])
        with page.expect_navigation():
            page.locator("input[type=file]").evaluate("e => e.form.requestSubmit()")
        assert "xssprobeF" in page.content() or "xss-upload" in page.content()
        check("after upload: " + page.url)
        # Every staff page that takes only known ids, then the editor's page and item views.
        urls = _staff_pages(app, qid, campaign_id)
        urls += [f"/staff/designer/q/{qid}/pages/{pid}" for pid in page_ids]
        urls += [f"/staff/designer/q/{qid}/items/{iid}" for iid in item_ids]
        visited = 0
        for url in urls:
            response = page.goto(live_server.url + url)
            if response is not None and response.ok and "text/html" in response.headers.get(
                    "content-type", ""):
                visited += 1
                check(url)
                # The preview renders the questionnaire in the designer's layout.
                if url.endswith("/preview"):
                    page.evaluate(FILL)
                    check(url + " (answered)")
    finally:
        context.close()
    assert dialogs == []
    assert findings == []
    assert visited >= 8, visited
    with app.app_context():
        assert db.session.scalar(select(Campaign.title).where(Campaign.id == campaign_id)).endswith(
            PAYLOADS[1])  # the payload is stored as text, not stripped: escaping does the work
