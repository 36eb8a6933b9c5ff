"""The designer's preview runs the respondent's script (respond.js) on a page that has no
``#shown`` field: answering there must raise no script error (issue 25, point 9)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from survey.extensions import db
from survey.models import Questionnaire, Role
from tests.helpers import PASSWORD, make_user, small_definition
from survey.services.questionnaires import save_draft

pytestmark = pytest.mark.browser


def test_preview_raises_no_script_error_on_change(app, live_server, browser):
    with app.app_context():
        make_user("quan-tri", Role.ADMIN)
        save_draft(db.session, small_definition())
        db.session.commit()
        qid = db.session.scalar(select(Questionnaire.id))
    context = browser.new_context(viewport={"width": 360, "height": 640}, locale="vi-VN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(f"{live_server.url}/staff/login")
        page.fill("#username", "quan-tri")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit].primary")
        page.goto(f"{live_server.url}/staff/designer/q/{qid}/preview")
        assert page.locator("script[src$='respond.js']").count() == 1
        page.locator("#form input[type=radio]").first.check()
        page.locator("#form input[type=radio]").nth(1).check()
        page.wait_for_timeout(100)
        assert errors == []
    finally:
        context.close()
