"""A keyer types ahead from the paper without waiting for each field to be saved (found walking
issue 21 at a realistic 250 ms round trip): what is typed during a save goes into the field the
routing moves to, never into the field being saved, and what the screen shows as saved is what
the server holds. A refused code drops what was typed after it, so the keyer reads the reason."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from survey.extensions import db
from survey.models import KeyedValue, PaperKeying, Role
from tests.entry.support import paper_campaign
from tests.helpers import PASSWORD, make_user

pytestmark = pytest.mark.browser

DESK = {"viewport": {"width": 1366, "height": 900}, "bypass_csp": True}
FIELDS = ("A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8", "A9")
TYPED = ("2", "3", "3", "4", "3", "1", "2", "2", "3")


def test_typing_ahead_lands_in_the_next_fields(app, live_server, browser):
    with app.app_context():
        campaign, _batch = paper_campaign()
        make_user("lan", Role.DATA_ENTRY)
        campaign_id = campaign.id
    base = live_server.url
    context = browser.new_context(**DESK)
    page = context.new_page()
    page.goto(f"{base}/staff/login")
    page.fill("#username", "lan")
    page.fill("#password", PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_load_state()
    page.goto(f"{base}/staff/entry/{campaign_id}/")
    page.focus("#reference")
    page.keyboard.type("1")
    page.keyboard.press("Enter")
    page.wait_for_selector("#entry")
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 250,
                                                  "downloadThroughput": -1,
                                                  "uploadThroughput": -1})
    page.keyboard.type("".join(f"{value}\n" for value in TYPED), delay=40)
    page.wait_for_function("document.activeElement.getAttribute('data-field') === 'B1'",
                           timeout=20000)
    shown = page.evaluate("names => names.map(n => [document.getElementById('f-' + n).value, "
                          "document.getElementById('f-' + n).dataset.saved])", list(FIELDS))
    assert shown == [[value, value] for value in TYPED]
    # A code refused at B1: the "3" typed after it is not carried into B2.1.
    page.keyboard.type("7\n3\n", delay=40)
    page.wait_for_function("document.getElementById('m-B1').textContent.includes('Mã 7')",
                           timeout=20000)
    page.wait_for_timeout(800)
    assert page.evaluate("document.activeElement.getAttribute('data-field')") == "B1"
    assert page.input_value("[id='f-B2.1']") == ""
    context.close()
    with app.app_context():
        keying = db.session.scalar(select(PaperKeying))
        stored = dict(db.session.execute(select(KeyedValue.field, KeyedValue.raw).where(
            KeyedValue.keying_id == keying.id)).all())
    assert {name: stored.get(name) for name in FIELDS} == dict(zip(FIELDS, TYPED))
    assert "B1" not in stored and "B2.1" not in stored
