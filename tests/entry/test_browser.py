"""Issue 21's "done when", in real headless Chromium: the flagship's paper questionnaire is
printed from the print page and its PDF read back (pages, every question number with its
option codes, the routing written out from the skip logic, the sheet id); that sheet is keyed
twice through the entry screen with the keyboard only (one deliberate difference), with a code
out of range, a choice limit and a skipped question refused on the way; a third person resolves
the difference; and the analysis tables then hold exactly one paper response with the agreed
values."""
from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from survey.extensions import db
from survey.models import EntrySettings, KeyedValue, PaperKeying, PaperSheet, Response, Role
from survey.questionnaire import iter_items
from tests.entry.support import paper_campaign, sheet_values
from tests.helpers import PASSWORD, make_user, release_all

pytestmark = pytest.mark.browser

# bypass_csp only lets Playwright poll the page with its own functions (wait_for_function); the
# entry screen itself runs our static script alone, under the real policy.
DESK = {"viewport": {"width": 1366, "height": 900}, "bypass_csp": True}


def _sign_in(page, base, username):
    page.goto(f"{base}/staff/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_load_state()


def _check_pdf(data: bytes, definition) -> tuple[str, int]:
    """The PDF's text holds every question with its codes, in order; returns (sheet id, pages)."""
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    questions = [item for item in iter_items(definition) if item["type"] != "note"]
    positions = []
    for item in questions:
        found = re.search(rf"(?m)^{re.escape(item['id'])}\. ", text)
        assert found, f"question {item['id']} is not printed"
        positions.append(found.start())
    assert positions == sorted(positions), "questions are printed out of order"
    for index, item in enumerate(questions):
        block = text[positions[index]:positions[index + 1] if index + 1 < len(questions) else None]
        for option in item.get("options") or []:
            if item["type"] == "ranking" and option.get("missing"):
                continue
            assert re.search(rf"(?<!\d){option['code']}(?!\d)", block), \
                (item["id"], option["code"])
        for row in item.get("rows") or []:
            assert f"{item['id']}.{row['id']}" in block, (item["id"], row["id"])
    e3 = text[positions[[q["id"] for q in questions].index("E3")]:]
    assert re.search(r"3\s+Chưa biết\s+→ Chuyển sang câu E1", e3), "no routing arrow at E3"
    assert "Chỉ trả lời nếu câu E3 chọn 1 hoặc 2; nếu không, chuyển sang câu E1." in text
    assert "Chỉ trả lời nếu câu A4 chọn 1, 2 hoặc 3; nếu không, chuyển sang câu B7." in text
    assert "Chỉ dành cho người có câu A1 chọn 3" in text  # an option filter as an instruction
    assert "Chọn tối đa 3 phương án" in text and "HẾT" in text
    sheet_id = re.search(r"\b([A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{3})\b", text)
    assert sheet_id, "no sheet id printed"
    return sheet_id.group(1), len(reader.pages)


def _key(page, values: dict[str, str], shots, name: str) -> None:
    """Type each focused field's value and press Enter, as a keyer does, until the focus
    reaches the finish button; skipped questions are jumped by the screen itself."""
    for _step in range(200):
        field = page.evaluate("document.activeElement.getAttribute('data-field')")
        if field is None:
            assert page.evaluate("document.activeElement.id") == "finish"
            break
        page.keyboard.type(values[field])
        page.keyboard.press("Enter")
        page.wait_for_function(
            "name => document.activeElement.getAttribute('data-field') !== name", arg=field)
    else:  # pragma: no cover
        raise AssertionError("the focus never reached the finish button")
    shots(page, name)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state()


def _refused(page, field: str, typed: str, reason: str) -> None:
    page.keyboard.type(typed)
    page.keyboard.press("Enter")
    page.wait_for_function(
        "([name, reason]) => document.getElementById('m-' + name).textContent.includes(reason)",
        arg=[field, reason])
    assert page.evaluate("document.activeElement.getAttribute('data-field')") == field
    page.keyboard.press("Control+A")
    page.keyboard.press("Backspace")


def test_print_key_twice_adjudicate_and_tabulate(app, live_server, browser, artifacts_dir):
    with app.app_context():
        campaign, batch = paper_campaign()
        make_user("lan", Role.DATA_ENTRY)
        make_user("minh", Role.DATA_ENTRY)
        make_user("hoa", Role.ADMIN)
        definition = campaign.version.definition
        version_id, campaign_id = campaign.version_id, campaign.id
        from survey.services import paper_entry as pe

        plan = pe.plan_of(campaign)
        first_values = sheet_values(plan)
        second_values = sheet_values(plan, {"B1": "4"})  # the deliberate difference
    base = live_server.url
    counter = {"n": 0}

    def shots(page, name):
        counter["n"] += 1
        page.screenshot(path=str(artifacts_dir / f"{counter['n']:02d}-{name}.png"), full_page=True)

    # 1. Print: the designer's print page gives the flagship's PDF with one sheet id.
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    _sign_in(page, base, "hoa")
    page.goto(f"{base}/staff/paper/versions/{version_id}")
    page.fill("#copies", "1")
    with page.expect_download() as info:
        page.click("#print-pdf")
    pdf = info.value.path().read_bytes()
    (artifacts_dir / "flagship.pdf").write_bytes(pdf)
    sheet_id, pages = _check_pdf(pdf, definition)
    assert 6 <= pages <= 10, pages
    context.close()

    # 2. First keying, keyboard only, with refusals on the way.
    context = browser.new_context(**DESK)
    page = context.new_page()
    _sign_in(page, base, "lan")
    page.goto(f"{base}/staff/entry/{campaign_id}/")
    page.focus("#reference")
    page.keyboard.type(sheet_id)
    page.keyboard.press("Enter")
    page.wait_for_selector("#entry")
    assert page.evaluate("document.activeElement.getAttribute('data-field')") == "A1"
    _refused(page, "A1", "7", "Mã 7 không có trong câu A1")
    shots(page, "refused-code")
    page.keyboard.type("2")
    page.keyboard.press("Enter")
    page.wait_for_function("document.activeElement.getAttribute('data-field') === 'A2'")
    for name in ("A2", "A3", "A4", "A5", "A6", "A7", "A8", "A9", "B1"):
        page.keyboard.type(first_values[name])
        page.keyboard.press("Enter")
        page.wait_for_function("name => document.activeElement.getAttribute('data-field') "
                               "!== name", arg=name)
    assert page.evaluate("document.getElementById('f-B6b').disabled")  # A4 = 4 skips B6b
    for _row in range(11):  # the grid B2, row by row
        name = page.evaluate("document.activeElement.getAttribute('data-field')")
        page.keyboard.type(first_values[name])
        page.keyboard.press("Enter")
        page.wait_for_function("name => document.activeElement.getAttribute('data-field') "
                               "!== name", arg=name)
    assert page.evaluate("document.activeElement.getAttribute('data-field')") == "B3"
    _refused(page, "B3", "1 2 3 4", "Chỉ được chọn tối đa 3 phương án.")
    shots(page, "refused-limit")
    # The paper says something in E4 although E3 = 3: the server refuses it with the reason.
    rest = {k: v for k, v in first_values.items()}
    _key(page, rest, shots, "first-keying-done")
    assert "Đã nhập xong phiếu" in page.content()
    context.close()
    with app.app_context():
        row = db.session.scalar(select(PaperSheet))
        assert row.verify  # 100 %: every sheet is keyed twice
        keying = db.session.scalar(select(PaperKeying))
        assert db.session.scalar(select(KeyedValue.raw).where(
            KeyedValue.keying_id == keying.id, KeyedValue.field == "E4")) is None

    # 3. Second keying by someone else, who sees none of the first keying's values.
    context = browser.new_context(**DESK)
    page = context.new_page()
    _sign_in(page, base, "minh")
    page.goto(f"{base}/staff/entry/{campaign_id}/")
    page.focus("#reference")
    page.keyboard.type(sheet_id.lower().replace("-", ""))
    page.keyboard.press("Enter")
    page.wait_for_selector("#entry")
    assert "lần nhập thứ hai" in page.content()
    assert page.evaluate("[...document.querySelectorAll('input[data-field]')]"
                         ".every(i => i.value === '')")
    page.keyboard.type("3")
    page.keyboard.press("Enter")
    page.wait_for_function("document.activeElement.getAttribute('data-field') === 'A2'")
    # The skip rule from the browser itself: a value posted for E4 with E3 = 3 is refused.
    refusal = page.evaluate("""async () => {
        const form = document.getElementById('entry');
        const body = new FormData();
        body.append('field', 'E3'); body.append('value', '3');
        const token = form.querySelector('[name=csrf_token]').value;
        await fetch(form.dataset.fieldUrl, {method: 'POST', body, headers: {'X-CSRFToken': token}});
        const again = new FormData();
        again.append('field', 'E4'); again.append('value', '2');
        const r = await fetch(form.dataset.fieldUrl, {method: 'POST', body: again,
                                                      headers: {'X-CSRFToken': token}});
        return [r.status, (await r.json()).error];
    }""")
    assert refusal[0] == 422
    assert refusal[1] == "Câu E4 không được nhập: bỏ qua: chỉ hỏi khi câu E3 chọn 1 hoặc 2."
    page.reload()
    page.wait_for_selector("#entry")
    page.keyboard.press("Control+A")  # A1 was keyed 3 by mistake above: key it again
    page.keyboard.press("Backspace")
    page.evaluate("document.getElementById('f-A1').focus()")
    page.keyboard.press("Control+A")
    page.keyboard.type("2")
    page.keyboard.press("Enter")
    page.wait_for_function("document.activeElement.getAttribute('data-field') === 'A2'")
    _key(page, {k: v for k, v in second_values.items()}, shots, "second-keying-done")
    assert "khác nhau ở 1 ô" in page.content()
    context.close()

    # 4. A third person adjudicates against the paper: only B1 is listed, with both values.
    context = browser.new_context(**DESK)
    page = context.new_page()
    _sign_in(page, base, "hoa")
    page.goto(f"{base}/staff/entry/{campaign_id}/compare")
    rows = page.locator("section.discord tbody tr")
    assert rows.count() == 1
    assert re.sub(r"\s+", " ", rows.first.inner_text()).startswith("B1 3 4")
    shots(page, "comparison")
    page.click("section.discord button.primary")
    page.wait_for_selector("#entry")
    assert page.evaluate("document.activeElement.getAttribute('data-field')") == "B1"
    assert "lần 1: 3 · lần 2: 4" in page.inner_text("#row-B1")
    _key(page, {"B1": "4"}, shots, "adjudicated")
    assert "được thống nhất" in page.content()
    context.close()

    # 5. The agreed record goes through the holding pool into the results, as a paper response.
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PaperSheet)) == 0
        assert db.session.scalar(select(func.count()).select_from(KeyedValue)) == 0
        db.session.get(EntrySettings, campaign_id).finished = True
        from survey.services import paper_release
        from survey.models import Campaign

        paper_release.hand_over(db.session, db.session.get(Campaign, campaign_id))
        db.session.commit()
        assert release_all() == 1
        responses = list(db.session.scalars(select(Response)))
        assert [(r.mode, r.campaign_id) for r in responses] == [("paper", campaign_id)]
        from analysis import DatabaseSource, frequencies

        source = DatabaseSource(db.engine, version_id, definition)
        for variable, code in (("B1", 4), ("A1", 2), ("A4", 4), ("E3", 3), ("B2.5", 2)):
            table = frequencies(source, variable, k=None).table.set_index("code")
            assert table["n"].sum() == 1 and table.loc[code, "n"] == 1, variable
        assert frequencies(source, "B6b", k=None).table["n"].sum() == 0  # skipped, not stored
