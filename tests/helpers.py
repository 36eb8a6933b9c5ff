"""Data builders shared by tests."""
from __future__ import annotations

import re
from typing import Any

from flask import current_app

from survey.extensions import db
from survey.models import Campaign, QuestionnaireVersion, Role, StaffUser
from survey.services.accounts import create_user
from survey.services.campaigns import create_campaign, limits_from
from survey.services.questionnaires import publish, save_draft

PASSWORD = "correct horse battery"


def make_user(username: str = "staff", role: Role | str = Role.ADMIN) -> StaffUser:
    user = create_user(db.session, username, PASSWORD, role)
    db.session.commit()
    return user


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or \
        re.search(r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert match, "no CSRF token in page"
    return match.group(1)


def login(client, username: str = "staff", password: str = PASSWORD):
    page = client.get("/staff/login")
    token = csrf_from(page.get_data(as_text=True))
    return client.post("/staff/login", data={"username": username, "password": password,
                                             "csrf_token": token})


def small_definition(slug: str = "small") -> dict[str, Any]:
    """A three-item questionnaire with two banners, in the canonical format."""
    return {
        "id": slug,
        "title": {"vi": "Phiếu nhỏ", "en": "Small form"},
        "languages": ["vi", "en"],
        "pages": [{
            "id": "P1",
            "title": {"vi": "Trang 1"},
            "items": [
                {"id": "level", "type": "single", "role": "banner", "dimension": "level",
                 "label": {"vi": "Cấp công tác"}, "required": True,
                 "options": [{"code": 1, "label": {"vi": "Trung ương"}},
                             {"code": 2, "label": {"vi": "Tỉnh"}},
                             {"code": 3, "label": {"vi": "Xã"}}]},
                {"id": "gender", "type": "single", "role": "banner", "dimension": "gender",
                 "label": {"vi": "Giới tính"},
                 "options": [{"code": 1, "label": {"vi": "Nam"}},
                             {"code": 2, "label": {"vi": "Nữ"}},
                             {"code": 9, "label": {"vi": "Không muốn trả lời"}, "missing": True}]},
                {"id": "q1", "type": "single", "label": {"vi": "Mức độ phổ biến"},
                 "options": [{"code": 1, "label": {"vi": "Rất phổ biến"}},
                             {"code": 2, "label": {"vi": "Phổ biến"}},
                             {"code": 3, "label": {"vi": "Ít"}}]},
            ],
        }],
    }


def make_campaign(slug: str = "thu", definition: dict[str, Any] | None = None,
                  **kwargs) -> Campaign:
    questionnaire = save_draft(db.session, definition or small_definition())
    version: QuestionnaireVersion = publish(db.session, questionnaire)
    campaign = create_campaign(db.session, version, slug, "Đợt thử",
                               limits=limits_from(current_app.config), **kwargs)
    db.session.commit()
    return campaign


def release_all(app=None) -> int:
    """Let every submission waiting in the holding pool into the results, whatever the day and
    the count (``flask respond release --all``): tests that read responses right after
    submitting them. Returns how many entered. Needs an app context, or ``app``."""
    from survey.services.pool import release_due

    if app is not None:
        with app.app_context():
            return release_all()
    return sum(batch.count for batch in release_due(db.session, everything=True))


def open_draft(client, slug: str = "thu", token: str | None = None):
    """The draft of ``client``'s cookie (or of ``token``), opened as the app opens it: its
    answers are sealed under the cookie token, which only the browser holds."""
    from sqlalchemy import select

    from survey.models import Draft
    from survey.services.drafts import LiveDraft, token_hash

    if token is None:
        token = client.get_cookie("rt", path=f"/s/{slug}").value
    table = Draft.__table__
    row = db.session.execute(select(table).where(table.c.token_hash == token_hash(token))).one()
    return LiveDraft.from_row(row, token)
