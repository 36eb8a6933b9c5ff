"""Respondents are addressed as "anh/chị" (Vietnamese civil-service surveys do), never "bạn"
(issue 25, point 8): every respondent screen in Vietnamese, walked end to end, including the
rule messages, the confirmation of a partial response and the pages of a campaign that takes no
answers."""
from __future__ import annotations

import re

import pytest

from survey.extensions import db
from survey.models import AccessMode
from survey.services.access_codes import generate_batch
from tests.helpers import csrf_from
from tests.respond.support import Respondent, make_rich_campaign
from tests.respond.test_flow import PAGE1, PAGE2, PAGE3

BAN = re.compile(r"\bbạn\b", re.IGNORECASE)


def visible_text(html: str) -> str:
    """The page's text and attribute values a person can see or hear (scripts have none)."""
    return re.sub(r"<[^>]*?>", " ", html) + " ".join(re.findall(r'(?:data-[a-z]+|title|alt|aria-label)="([^"]*)"', html))


@pytest.fixture
def rich(app):
    with app.app_context():
        make_rich_campaign()
        coded = make_rich_campaign("ma-so", access_mode=AccessMode.CODE)
        generate_batch(db.session, coded, 5, label="Sở")
        db.session.commit()
    return app


def test_no_respondent_screen_says_ban(rich):
    seen: dict[str, str] = {}

    def look(name: str, response) -> str:
        html = response.get_data(as_text=True)
        seen[name] = html
        return html

    client = rich.test_client()
    r = Respondent(client, "thu")
    look("home", client.get("/"))
    look("intro", client.get("/s/thu"))
    look("privacy", client.get("/s/thu/privacy"))
    look("unknown campaign", client.get("/s/khong-co"))
    look("resume", client.get("/s/thu/resume"))
    form = client.get("/s/thu/resume").get_data(as_text=True)
    look("resume refused", client.post("/s/thu/resume", data={"csrf_token": csrf_from(form),
                                                              "code": "ABCD-EFGH-JKMN"}))
    intro = client.get("/s/ma-so").get_data(as_text=True)
    look("code refused", client.post("/s/ma-so/start", data={"csrf_token": csrf_from(intro),
                                                          "code": "AAAAA-AAAAA"}))
    look("page 1", r.start())
    look("page 1 revealed", r.answer(1, dict(PAGE1, head="1"), shown="age cat grade head"))
    look("page 1 errors", r.answer(1, {"cat": "1"}))
    r.answer(1, PAGE1)
    look("page 2 errors", r.answer(2, {"fields": ["13"], "fields.other": " "}))
    r.answer(2, PAGE2)
    look("page 3 errors", r.answer(3, dict(PAGE3, idea="x" * 21)))
    look("partial", r.answer(3, PAGE3, action="partial"))
    look("saved", r.answer(3, PAGE3, action="save"))
    r.answer(3, PAGE3)
    look("review", r.get("/s/thu/review"))
    look("done", r.submit()[0])
    for name, html in seen.items():
        assert '<html lang="vi"' in html, name
        found = BAN.findall(visible_text(html))
        assert found == [], f"{name}: {found}"
    assert "Cảm ơn anh/chị" in seen["done"] and "anh/chị đã nhập 21" in seen["page 3 errors"]
